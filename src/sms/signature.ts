import { createHmac, timingSafeEqual } from 'node:crypto';

export const TWILIO_SIGNATURE_HEADER = 'x-twilio-signature';

/**
 * Twilio's request signature: base64 HMAC-SHA1, keyed with the auth token, of the full URL the request
 * was sent to followed by each POST parameter's name and value, sorted by name.
 */
export function twilioSignature(authToken: string, url: string, params: Record<string, string | string[]>): string {
  const data = Object.keys(params)
    .sort()
    .map((name) => {
      const value = params[name]!;
      return Array.isArray(value)
        ? [...value]
            .sort()
            .map((v) => `${name}${v}`)
            .join('')
        : `${name}${value}`;
    })
    .join('');
  return createHmac('sha1', authToken)
    .update(url + data)
    .digest('base64');
}

/** The URL as given, and with and without the scheme's default port: Twilio signs the one it called, and proxies differ in which they pass on. */
function urlVariants(url: string): string[] {
  const parsed = new URL(url);
  if (parsed.port !== '') return [url];
  const rest = `${parsed.pathname}${parsed.search}`;
  const port = parsed.protocol === 'https:' ? 443 : 80;
  return [...new Set([url, `${parsed.protocol}//${parsed.host}${rest}`, `${parsed.protocol}//${parsed.host}:${port}${rest}`])];
}

/** Compares in constant time; a missing or malformed signature is simply no match. */
export function verifyTwilioSignature(
  authToken: string,
  url: string,
  params: Record<string, string | string[]>,
  signature: string | undefined,
): boolean {
  if (!signature) return false;
  const given = Buffer.from(signature);
  let ok = false;
  for (const variant of urlVariants(url)) {
    const expected = Buffer.from(twilioSignature(authToken, variant, params));
    if (expected.length === given.length && timingSafeEqual(expected, given)) ok = true;
  }
  return ok;
}
