import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { readCappedBody } from '../http/capped-body.ts';
import { TWILIO_SIGNATURE_HEADER, verifyTwilioSignature } from '../sms/signature.ts';
import type { Database } from '../store/schema.ts';
import { recordReceipt } from './sms-receipts.ts';
import { applyInboundSms, auditRefusedSms } from './sms-replies.ts';

export const SMS_PATH = '/webhooks/sms';
const MAX_SMS_BODY_BYTES = 64 * 1024;

export interface SmsEndpointDeps {
  db: Kysely<Database>;
  /** SMS_AUTH_TOKEN: verifies X-Twilio-Signature; without it (or SMS_STATUS_URL) every request is refused (503). */
  authToken: string | undefined;
  /** SMS_STATUS_URL: the address the provider calls, which its signature covers. */
  statusUrl: string | undefined;
  now: () => Date;
  logger?: Logger;
}

export interface SmsEndpointResponse {
  status: number;
  /** TwiML for the provider (an empty <Response/> sends no reply), or JSON for a refusal. */
  body: string;
  contentType: string;
}

const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>';
const accepted: SmsEndpointResponse = { status: 200, body: EMPTY_TWIML, contentType: 'text/xml' };
const refuse = (status: number, error: string, message: string): SmsEndpointResponse => ({
  status,
  body: JSON.stringify({ ok: false, error, message }),
  contentType: 'application/json',
});

/** The URL the provider signed: SMS_STATUS_URL's origin and path, with the query the request came with (a status callback's key). */
export function signedUrl(statusUrl: string, requestUrl: string): string {
  const base = new URL(statusUrl);
  const at = requestUrl.indexOf('?');
  return `${base.origin}${base.pathname}${at >= 0 ? requestUrl.slice(at) : ''}`;
}

/** Form fields as the signature reads them (a repeated name keeps all its values). */
function formParams(rawBody: Buffer): Record<string, string | string[]> {
  const params: Record<string, string | string[]> = {};
  for (const [name, value] of new URLSearchParams(rawBody.toString('utf8'))) {
    const seen = params[name];
    params[name] = seen === undefined ? value : [...[seen].flat(), value];
  }
  return params;
}

/**
 * POST /webhooks/sms: delivery receipts (MessageStatus) and replies (Body), form-encoded and signed with
 * the auth token. An unsigned or wrongly signed request is refused with 403 and audited; a signed one is
 * acted on at once: a receipt updates its outbox row, a STOP withdraws SMS consent.
 */
export async function handleSmsRequest(
  deps: SmsEndpointDeps,
  headers: Record<string, string | string[] | undefined>,
  requestUrl: string,
  rawBody: Buffer,
): Promise<SmsEndpointResponse> {
  if (!deps.authToken || !deps.statusUrl)
    return refuse(503, 'not_configured', 'SMS_AUTH_TOKEN and SMS_STATUS_URL must be set to verify SMS webhooks.');
  const header = headers[TWILIO_SIGNATURE_HEADER];
  const signature = Array.isArray(header) ? header[0] : header;
  const params = formParams(rawBody);
  const now = deps.now();
  if (!verifyTwilioSignature(deps.authToken, signedUrl(deps.statusUrl, requestUrl), params, signature)) {
    const reason = signature ? 'the X-Twilio-Signature does not match the request' : 'no X-Twilio-Signature';
    await auditRefusedSms(deps.db, `Refused an SMS webhook request: ${reason}.`, now);
    deps.logger?.warn({ reason }, 'SMS webhook request refused');
    return refuse(403, signature ? 'bad_signature' : 'unsigned', `Refused: ${reason}.`);
  }
  const field = (name: string) => {
    const value = params[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const sid = field('MessageSid') ?? field('SmsSid');
  if (!sid) return refuse(400, 'bad_body', 'A MessageSid is expected.');
  const status = field('MessageStatus');
  if (status) {
    const key = new URL(requestUrl, 'http://localhost').searchParams.get('key') ?? undefined;
    const errorCode = field('ErrorCode');
    const result = await recordReceipt(
      deps.db,
      { sid, status, ...(errorCode ? { errorCode } : {}), ...(key ? { key } : {}) },
      now.toISOString(),
    );
    deps.logger?.debug({ status, result }, 'SMS delivery receipt');
    return accepted;
  }
  const body = field('Body');
  const from = field('From');
  if (body !== undefined && from) {
    const outcome = await applyInboundSms(deps.db, { sid, from, body }, now);
    if (outcome.action !== 'none') deps.logger?.info({ action: outcome.action, customers: outcome.customers.length }, 'SMS reply acted on');
  }
  return accepted;
}

/** A plain Node handler for POST /webhooks/sms (Slack's receiver custom route, or src/http). */
export function smsWebhookHandler(deps: SmsEndpointDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const send = (res: ServerResponse, response: SmsEndpointResponse) => {
    if (res.headersSent) return;
    res.writeHead(response.status, { 'content-type': response.contentType }).end(response.body);
  };
  return (req, res) => {
    if ((req.method ?? 'GET').toUpperCase() !== 'POST') return send(res, refuse(405, 'method', 'POST only.'));
    void readCappedBody(req, MAX_SMS_BODY_BYTES).then((read) => {
      if (!read.ok)
        return send(
          res,
          read.reason === 'error'
            ? refuse(400, 'bad_request', 'The request body could not be read.')
            : refuse(413, 'too_large', `The body is over ${MAX_SMS_BODY_BYTES} bytes.`),
        );
      handleSmsRequest(deps, req.headers, req.url ?? SMS_PATH, read.body).then(
        (response) => send(res, response),
        (error) => {
          deps.logger?.error({ err: error }, 'SMS webhook failed');
          send(res, refuse(500, 'internal_error', 'The request could not be handled; it may be sent again.'));
        },
      );
    });
  };
}
