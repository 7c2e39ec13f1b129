/**
 * A fake Twilio-compatible Messages API on 127.0.0.1, as strict as the real one where the bot depends on it:
 * HTTP Basic auth with the account SID and auth token (401 otherwise), a form-encoded body with To, From
 * (or MessagingServiceSid), Body and StatusCallback (400 otherwise), 201 with the message's `sid`. A message
 * exists from the moment its POST is read, whether or not the sender ever sees the answer (as at Twilio).
 * GET Messages.json?To=&From= lists them, newest first. It also plays the provider's side of the status
 * webhook: signed delivery receipts and replies (STOP), and forged ones.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TWILIO_SIGNATURE_HEADER, twilioSignature } from '../../src/sms/signature.ts';
import { readBody } from './http-body.ts';

export interface FakeMessage {
  sid: string;
  to: string;
  from: string;
  body: string;
  statusCallback: string;
  status: string;
  createdAt: Date;
  /** What the request carried, for assertions. */
  authorization: string | undefined;
  contentType: string | undefined;
  idempotencyKey: string | undefined;
}

/**
 * What to answer one POST with; undefined: the usual 201. An error status refuses it (the message is gone)
 * unless `keep` (created, but the answer is an error: a proxy's 502); `hold: true` never answers.
 */
export type SendHook = (
  message: FakeMessage,
  index: number,
) => { status: number; body: unknown; headers?: Record<string, string>; keep?: boolean } | { hold: true } | undefined;

export class FakeTwilio {
  readonly messages: FakeMessage[] = [];
  /** Every POST, accepted or not (with the refusal's status). */
  readonly posts: { status: number; to?: string }[] = [];
  lookups = 0;
  onSend: SendHook | undefined;
  #server: Server | undefined;
  port = 0;

  constructor(
    readonly accountSid: string,
    readonly authToken: string,
    /** The provider's clock (date_created); a test clock when the bot runs on one. */
    readonly now: () => Date = () => new Date(),
  ) {}

  get apiUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.#server = createServer((req, res) => void this.#handle(req, res));
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.#server!.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.#server?.close(() => resolve());
      this.#server?.closeAllConnections();
    });
  }

  /** Messages to each number. */
  countsByNumber(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const m of this.messages) counts.set(m.to, (counts.get(m.to) ?? 0) + 1);
    return counts;
  }

  /** A message as the provider would have it, created by a request the bot made but whose answer it never read. */
  addMessage(fields: Pick<FakeMessage, 'to' | 'from' | 'body'> & Partial<FakeMessage>): FakeMessage {
    const message: FakeMessage = {
      sid: `SM${randomBytes(16).toString('hex')}`,
      statusCallback: '',
      status: 'queued',
      createdAt: this.now(),
      authorization: undefined,
      contentType: undefined,
      idempotencyKey: undefined,
      ...fields,
    };
    this.messages.push(message);
    return message;
  }

  /** Posts a signed delivery receipt for `message` to its StatusCallback. */
  receipt(message: FakeMessage, status: string, errorCode?: string): Promise<{ status: number; body: string }> {
    const params: Record<string, string> = {
      AccountSid: this.accountSid,
      MessageSid: message.sid,
      SmsSid: message.sid,
      MessageStatus: status,
      SmsStatus: status,
      To: message.to,
      From: message.from,
      ApiVersion: '2010-04-01',
      ...(errorCode ? { ErrorCode: errorCode } : {}),
    };
    return this.post(message.statusCallback, params, this.authToken);
  }

  /** Posts a reply texted by `from` to the incoming-message webhook `url`, signed with `token` (a forger's, to test refusals). */
  inbound(url: string, from: string, body: string, token: string | null = this.authToken, sid = `SM${randomBytes(16).toString('hex')}`) {
    const params = {
      AccountSid: this.accountSid,
      MessageSid: sid,
      SmsSid: sid,
      From: from,
      To: '+15005550006',
      Body: body,
      NumMedia: '0',
      SmsStatus: 'received',
      ApiVersion: '2010-04-01',
    };
    return this.post(url, params, token);
  }

  async post(url: string, params: Record<string, string>, token: string | null): Promise<{ status: number; body: string }> {
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
    if (token !== null) headers[TWILIO_SIGNATURE_HEADER] = twilioSignature(token, url, params);
    const response = await fetch(url, { method: 'POST', headers, body: new URLSearchParams(params).toString() });
    return { status: response.status, body: await response.text() };
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.apiUrl);
    const json = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
    };
    const path = `/2010-04-01/Accounts/${this.accountSid}/Messages.json`;
    const basic = `Basic ${Buffer.from(`${this.accountSid}:${this.authToken}`).toString('base64')}`;
    const raw = await readBody(req);
    if (url.pathname !== path) return json(404, { code: 20404, message: 'The requested resource was not found', status: 404 });
    if (req.headers.authorization !== basic) {
      if (req.method === 'POST') this.posts.push({ status: 401 });
      return json(401, { code: 20003, message: 'Authentication Error - invalid username', status: 401 });
    }
    if (req.method === 'GET') {
      this.lookups++;
      const to = url.searchParams.get('To');
      const from = url.searchParams.get('From');
      const found = this.messages
        .filter((m) => (!to || m.to === to) && (!from || m.from === from))
        .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())
        .slice(0, Number(url.searchParams.get('PageSize') ?? 50));
      return json(200, {
        messages: found.map((m) => ({
          sid: m.sid,
          to: m.to,
          from: m.from,
          body: m.body,
          status: m.status,
          date_created: m.createdAt.toUTCString(),
        })),
      });
    }
    if (req.method !== 'POST') return json(405, { code: 20004, message: 'Method not allowed', status: 405 });
    const contentType = req.headers['content-type'];
    const form = new URLSearchParams(raw.toString('utf8'));
    const to = form.get('To') ?? '';
    const from = form.get('From') ?? form.get('MessagingServiceSid') ?? '';
    const body = form.get('Body') ?? '';
    if (!contentType?.startsWith('application/x-www-form-urlencoded') || !/^\+[1-9]\d{7,14}$/.test(to) || !from || !body) {
      this.posts.push({ status: 400, to });
      return json(400, { code: 21211, message: `The 'To' number ${to} is not a valid phone number.`, status: 400 });
    }
    const message = this.addMessage({
      to,
      from,
      body,
      statusCallback: form.get('StatusCallback') ?? '',
      authorization: req.headers.authorization,
      contentType,
      idempotencyKey: req.headers['idempotency-key'] as string | undefined,
    });
    const hook = this.onSend?.(message, this.messages.length);
    if (hook && 'hold' in hook) {
      this.posts.push({ status: 0, to });
      return; // never answered
    }
    if (hook && hook.status >= 300) {
      // refused after all: the message does not exist, unless only the answer was lost
      if (!hook.keep) this.messages.splice(this.messages.indexOf(message), 1);
      this.posts.push({ status: hook.status, to });
      return json(hook.status, hook.body, hook.headers);
    }
    this.posts.push({ status: 201, to });
    return json(201, { sid: message.sid, account_sid: this.accountSid, to, from, body, status: 'queued', num_segments: '1' });
  }
}
