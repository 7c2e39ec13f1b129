import { maskPhone } from '../../sms/phone.ts';
import { parseRetryAfter } from './retry.ts';
import { isTemporaryStatus } from './webhook.ts';

/** A Twilio-compatible Messages API (Twilio's own, or a gateway that speaks it). */
export interface TwilioAccount {
  /** The API base, e.g. https://api.twilio.com */
  apiUrl: string;
  accountSid: string;
  authToken: string;
  /** An E.164 number, or a Messaging Service SID (MG…). */
  from: string;
  timeoutMs?: number;
}

export interface SentMessage {
  sid: string;
  status: string;
}

export type SendOutcome =
  { ok: true; sid: string } | { ok: false; error: string; temporary: boolean; retryAfterMs?: number; code?: number };

const messagesUrl = (account: TwilioAccount) =>
  `${account.apiUrl.replace(/\/+$/, '')}/2010-04-01/Accounts/${encodeURIComponent(account.accountSid)}/Messages.json`;

const authorization = (account: TwilioAccount) => `Basic ${Buffer.from(`${account.accountSid}:${account.authToken}`).toString('base64')}`;

/** Phone numbers in a provider's error text are masked before it is stored or logged. */
const maskPhones = (text: string) => text.replace(/\+\d{7,15}/g, maskPhone);

/** `fetch failed` says little: the cause (ECONNREFUSED, ENOTFOUND…) says what happened. */
function networkError(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && error.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  const message = String((error as Error)?.message ?? error);
  const cause = (error as { cause?: { code?: string } })?.cause;
  return cause?.code ? `${message} (${cause.code})` : message;
}

/** POST …/Messages.json: one message, form-encoded, Basic auth. 429, 408, 5xx and network errors are temporary. */
export async function sendMessage(
  account: TwilioAccount,
  message: { to: string; body: string; statusCallback: string; idempotencyKey: string },
): Promise<SendOutcome> {
  const timeoutMs = account.timeoutMs ?? 10_000;
  const form = new URLSearchParams({ To: message.to, Body: message.body, StatusCallback: message.statusCallback });
  form.set(account.from.startsWith('MG') ? 'MessagingServiceSid' : 'From', account.from);
  let response: Response;
  try {
    response = await fetch(messagesUrl(account), {
      method: 'POST',
      headers: {
        authorization: authorization(account),
        'content-type': 'application/x-www-form-urlencoded',
        // a gateway that honours it drops a repeat; Twilio's own API does not, hence the look-up before a retry
        'idempotency-key': message.idempotencyKey,
      },
      body: form.toString(),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    return { ok: false, error: networkError(error, timeoutMs), temporary: true };
  }
  const body = (await response.json().catch(() => ({}))) as { sid?: string; code?: number; message?: string };
  if (response.ok && typeof body.sid === 'string') return { ok: true, sid: body.sid };
  const what =
    body.code !== undefined ? `error ${body.code}${body.message ? `: ${maskPhones(String(body.message)).slice(0, 200)}` : ''}` : '';
  const temporary = isTemporaryStatus(response.status);
  const error =
    response.status === 401 || response.status === 403
      ? `the SMS API refused the credentials (HTTP ${response.status}): check SMS_ACCOUNT_SID and SMS_AUTH_TOKEN`
      : `the SMS API answered HTTP ${response.status}${what ? ` (${what})` : ''}`;
  return {
    ok: false,
    error,
    temporary,
    ...(body.code !== undefined ? { code: body.code } : {}),
    ...(temporary ? { retryAfterMs: parseRetryAfter(response.headers.get('retry-after'), new Date()) } : {}),
  };
}

/**
 * The messages to `to` from our sender created since `since` with this exact body, newest first, that
 * did not fail: an earlier try of ours that reached the provider. Throws when the API cannot say.
 */
export async function findSent(account: TwilioAccount, to: string, body: string, since: Date): Promise<SentMessage | undefined> {
  const url = new URL(messagesUrl(account));
  url.searchParams.set('To', to);
  if (!account.from.startsWith('MG')) url.searchParams.set('From', account.from);
  url.searchParams.set('PageSize', '50');
  const timeoutMs = account.timeoutMs ?? 10_000;
  const response = await fetch(url, { headers: { authorization: authorization(account) }, signal: AbortSignal.timeout(timeoutMs) });
  if (!response.ok) {
    await response.arrayBuffer().catch(() => undefined);
    throw new Error(`the SMS API answered HTTP ${response.status} to the look-up`);
  }
  const page = (await response.json()) as { messages?: { sid: string; body?: string; status?: string; date_created?: string }[] };
  return (page.messages ?? [])
    .filter((m) => m.body === body && !['failed', 'undelivered', 'canceled'].includes(m.status ?? ''))
    .filter((m) => !m.date_created || Date.parse(m.date_created) >= since.getTime())
    .map((m) => ({ sid: m.sid, status: m.status ?? 'queued' }))[0];
}
