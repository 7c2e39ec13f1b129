import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { WebSocket, WebSocketServer } from 'ws';
import { closeServer, listen, parseMultipart, readBody, sendJson } from './http-body.ts';
import { closeSocketsGracefully } from './ws-close.ts';
import { waitFor } from './wait-for.ts';

export { signSlackRequest, postSlashCommand, postBlockAction, slashCommandFields, blockActionPayload } from './slack-requests.ts';
export { appHomeOpenedEvent, eventCallback, homeBlockActionPayload, postEvent } from './slack-requests.ts';
export { waitFor } from './wait-for.ts';

export interface SlackCall {
  method: string;
  /** Form fields; JSON-valued fields (blocks, attachments, files, metadata, view) parsed. */
  params: Record<string, unknown>;
  headers: IncomingHttpHeaders;
  /** Bearer token, if any. */
  token?: string;
}

const HTTP_REPLY = Symbol('slack http reply');

export interface SlackHttpReply {
  [HTTP_REPLY]: true;
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** An answer other than 200 JSON, e.g. `slackHttp(429, undefined, { 'Retry-After': '1' })`. */
export function slackHttp(status: number, body?: unknown, headers?: Record<string, string>): SlackHttpReply {
  return { [HTTP_REPLY]: true, status, body, headers };
}

/**
 * Overrides a Web API method. `attempt` counts calls to this method, from 1.
 * Return a JSON body, a `slackHttp(...)` reply, or undefined for the default answer.
 */
export type SlackMethodHandler = (
  params: Record<string, unknown>,
  ctx: { call: SlackCall; attempt: number; fake: FakeSlack },
) => Record<string, unknown> | SlackHttpReply | undefined | Promise<Record<string, unknown> | SlackHttpReply | undefined>;

export interface SlackFile {
  id: string;
  name: string;
  title: string;
  filetype: string;
  mimetype: string;
  size: number;
  user: string;
  channels: string[];
  created: number;
  url_private: string;
  url_private_download: string;
  data: Buffer;
}

export interface SlackUpload {
  fileId: string;
  filename: string;
  length: number;
  data?: Buffer;
  completed: boolean;
  channelId?: string;
  initialComment?: string;
  threadTs?: string;
}

export interface NewSlackFile {
  name: string;
  content: Buffer | string;
  title?: string;
  filetype?: string;
  channels?: string[];
  user?: string;
}

export interface FakeSlackOptions {
  /** When set, Web API calls with another bearer token get `invalid_auth`. */
  botToken?: string;
  appToken?: string;
  teamId?: string;
  /** An Enterprise Grid organization id: auth.test then names it (enterprise_id). */
  enterpriseId?: string;
  botUserId?: string;
  botId?: string;
  appId?: string;
}

const JSON_FIELDS = new Set(['blocks', 'attachments', 'files', 'metadata', 'view', 'unfurls']);

const MIME_BY_TYPE: Record<string, string> = { csv: 'text/csv', png: 'image/png', txt: 'text/plain', json: 'application/json' };

interface PendingAck {
  resolve: (payload: unknown) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

export class FakeSlack {
  readonly calls: SlackCall[] = [];
  /** JSON bodies POSTed to response URLs (what Bolt's `respond()` sends). */
  readonly responses: { id: string; body: unknown }[] = [];
  readonly uploads = new Map<string, SlackUpload>();
  readonly files = new Map<string, SlackFile>();
  readonly downloads: { fileId: string; authorized: boolean }[] = [];
  /** Every ack received over Socket Mode, in order. */
  readonly socketAcks: { envelope_id: string; payload?: unknown }[] = [];
  /** HTTP status the response URL answers with. */
  responseUrlStatus = 200;

  readonly teamId: string;
  readonly botUserId: string;
  readonly botId: string;
  readonly appId: string;
  private readonly options: FakeSlackOptions;
  private readonly handlers = new Map<string, SlackMethodHandler>();
  private readonly attempts = new Map<string, number>();
  private readonly pendingAcks = new Map<string, PendingAck>();
  private server?: Server;
  private wss?: WebSocketServer;
  private port = 0;
  private seq = 0;

  constructor(options: FakeSlackOptions = {}) {
    this.options = options;
    this.teamId = options.teamId ?? 'T0FAKE001';
    this.botUserId = options.botUserId ?? 'U0FAKEBOT';
    this.botId = options.botId ?? 'B0FAKEBOT';
    this.appId = options.appId ?? 'A0FAKEAPP';
  }

  get baseUrl(): string {
    if (!this.port) throw new Error('FakeSlack not started');
    return `http://127.0.0.1:${this.port}`;
  }

  /** For `clientOptions.slackApiUrl`. */
  get apiUrl(): string {
    return `${this.baseUrl}/api/`;
  }

  responseUrl(id: string): string {
    return `${this.baseUrl}/response/${encodeURIComponent(id)}`;
  }

  responsesTo(id: string): unknown[] {
    return this.responses.filter((r) => r.id === id).map((r) => r.body);
  }

  callsTo(method: string): SlackCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  on(method: string, handler: SlackMethodHandler): this {
    this.handlers.set(method, handler);
    return this;
  }

  off(method: string): this {
    this.handlers.delete(method);
    return this;
  }

  /** Answer the first `times` calls of `method` with 429 and `Retry-After: retryAfterSec`. */
  rateLimit(method: string, times: number, retryAfterSec = 0): this {
    return this.on(method, (_p, { attempt }) =>
      attempt <= times ? slackHttp(429, { ok: false, error: 'ratelimited' }, { 'Retry-After': String(retryAfterSec) }) : undefined,
    );
  }

  waitFor<T>(predicate: () => T | undefined | null | false, timeoutMs = 2_000): Promise<T> {
    return waitFor(predicate, timeoutMs);
  }

  /** Register a file the bot can see (files.info, files.list) and download with its bearer token. */
  addFile(file: NewSlackFile): SlackFile {
    return this.storeFile(this.nextId('F'), file);
  }

  private storeFile(id: string, file: NewSlackFile): SlackFile {
    const data = typeof file.content === 'string' ? Buffer.from(file.content) : file.content;
    const filetype = file.filetype ?? (file.name.split('.').pop() ?? 'text').toLowerCase();
    const record: SlackFile = {
      id,
      name: file.name,
      title: file.title ?? file.name,
      filetype,
      mimetype: MIME_BY_TYPE[filetype] ?? 'application/octet-stream',
      size: data.length,
      user: file.user ?? 'U0MARKETER',
      channels: file.channels ?? [],
      created: 1_700_000_000 + this.seq,
      url_private: `${this.baseUrl}/files-pri/${this.teamId}-${id}/${encodeURIComponent(file.name)}`,
      url_private_download: `${this.baseUrl}/files-pri/${this.teamId}-${id}/download/${encodeURIComponent(file.name)}`,
      data,
    };
    this.files.set(id, record);
    return record;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      this.route(req, res).catch((err: unknown) => {
        if (!res.headersSent) sendJson(res, 500, { ok: false, error: 'fake_error', detail: String(err) });
        else res.end();
      });
    });
    this.wss = new WebSocketServer({ noServer: true });
    this.wss.on('connection', (ws) => this.onSocket(ws));
    this.server.on('upgrade', (req, socket, head) => {
      if (!req.url?.startsWith('/socket')) return socket.destroy();
      this.wss!.handleUpgrade(req, socket, head, (ws) => this.wss!.emit('connection', ws, req));
    });
    this.port = await listen(this.server);
  }

  async stop(): Promise<void> {
    for (const [id, pending] of this.pendingAcks) {
      clearTimeout(pending.timer);
      pending.reject(new Error(`FakeSlack stopped before envelope ${id} was acked`));
    }
    this.pendingAcks.clear();
    if (this.wss) await closeSocketsGracefully(this.wss);
    if (this.server) await closeServer(this.server);
    this.server = undefined;
    this.wss = undefined;
  }

  // ---- Socket Mode ----

  get socketCount(): number {
    return [...(this.wss?.clients ?? [])].filter((ws) => ws.readyState === WebSocket.OPEN).length;
  }

  /** Resolves once a Socket Mode client is connected (hello sent). */
  waitForSocket(timeoutMs = 5_000): Promise<true> {
    return waitFor(() => this.socketCount > 0, timeoutMs);
  }

  /**
   * Send an envelope (`slash_commands`, `interactive`, `events_api`) to the connected app and
   * resolve with the payload of its ack (`{}` when acked without one).
   */
  async sendEnvelope(
    type: 'slash_commands' | 'interactive' | 'events_api' | string,
    payload: unknown,
    timeoutMs = 3_000,
  ): Promise<unknown> {
    const ws = [...(this.wss?.clients ?? [])].find((c) => c.readyState === WebSocket.OPEN);
    if (!ws) throw new Error('FakeSlack: no Socket Mode client connected');
    const envelopeId = `env-${++this.seq}`;
    const acked = new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pendingAcks.delete(envelopeId);
        reject(new Error(`FakeSlack: envelope ${envelopeId} (${type}) not acked within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pendingAcks.set(envelopeId, { resolve, reject, timer });
    });
    ws.send(
      JSON.stringify({
        envelope_id: envelopeId,
        type,
        accepts_response_payload: type !== 'events_api',
        payload,
        retry_attempt: 0,
        retry_reason: '',
      }),
    );
    return acked;
  }

  /** Ask connected clients to reconnect (they call apps.connections.open again). */
  sendDisconnect(reason = 'refresh_requested'): void {
    for (const ws of this.wss?.clients ?? []) ws.send(JSON.stringify({ type: 'disconnect', reason, debug_info: { host: 'fake' } }));
  }

  private onSocket(ws: WebSocket): void {
    ws.send(
      JSON.stringify({
        type: 'hello',
        num_connections: this.wss?.clients.size ?? 1,
        debug_info: { host: 'fake-slack', approximate_connection_time: 3600 },
        connection_info: { app_id: this.appId },
      }),
    );
    ws.on('message', (data) => {
      let msg: { envelope_id?: string; payload?: unknown };
      try {
        msg = JSON.parse(String(data));
      } catch {
        return;
      }
      if (!msg.envelope_id) return;
      this.socketAcks.push({ envelope_id: msg.envelope_id, payload: msg.payload });
      const pending = this.pendingAcks.get(msg.envelope_id);
      if (pending) {
        clearTimeout(pending.timer);
        this.pendingAcks.delete(msg.envelope_id);
        pending.resolve(msg.payload ?? {});
      }
    });
  }

  // ---- HTTP ----

  private nextId(prefix: string): string {
    return `${prefix}0FAKE${String(++this.seq).padStart(4, '0')}`;
  }

  private nextTs(): string {
    return `${1_700_000_000 + ++this.seq}.${String(this.seq).padStart(6, '0')}`;
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.baseUrl);
    const body = await readBody(req);
    const path = url.pathname;
    if (req.method === 'POST' && path.startsWith('/api/')) return this.apiCall(path.slice(5), req, body, res);
    if (req.method === 'POST' && path.startsWith('/upload/')) return this.upload(path.slice(8), req, body, res);
    if (req.method === 'POST' && path.startsWith('/response/')) {
      const id = decodeURIComponent(path.slice(10));
      const text = body.toString('utf8');
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // keep raw text
      }
      this.responses.push({ id, body: parsed });
      return sendJson(res, this.responseUrlStatus, this.responseUrlStatus < 300 ? { ok: true } : { ok: false, error: 'expired_url' });
    }
    if (req.method === 'GET' && path.startsWith('/files-pri/')) return this.download(path, req, res);
    sendJson(res, 404, { ok: false, error: 'unknown_route', path });
  }

  private async apiCall(method: string, req: IncomingMessage, body: Buffer, res: ServerResponse): Promise<void> {
    const contentType = req.headers['content-type'] ?? '';
    let raw: Record<string, string> = {};
    if (contentType.startsWith('multipart/form-data')) raw = (await parseMultipart(body, contentType)).fields;
    else if (contentType.startsWith('application/json')) raw = JSON.parse(body.toString('utf8') || '{}');
    else raw = Object.fromEntries(new URLSearchParams(body.toString('utf8')));
    const params: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(raw)) {
      if (JSON_FIELDS.has(k) && typeof v === 'string') {
        try {
          params[k] = JSON.parse(v);
          continue;
        } catch {
          // leave malformed JSON as sent
        }
      }
      params[k] = v;
    }
    const auth = req.headers.authorization;
    const token = auth?.startsWith('Bearer ') ? auth.slice(7) : typeof raw.token === 'string' ? raw.token : undefined;
    const call: SlackCall = { method, params, headers: req.headers, token };
    this.calls.push(call);
    const attempt = (this.attempts.get(method) ?? 0) + 1;
    this.attempts.set(method, attempt);

    const handler = this.handlers.get(method);
    const override = handler ? await handler(params, { call, attempt, fake: this }) : undefined;
    const answer = override ?? this.defaultAnswer(method, params, token);
    if (HTTP_REPLY in answer) {
      const reply = answer as SlackHttpReply;
      if (reply.body === undefined) {
        res.writeHead(reply.status, reply.headers ?? {});
        res.end();
      } else sendJson(res, reply.status, reply.body, reply.headers);
      return;
    }
    sendJson(res, 200, answer);
  }

  private tokenError(method: string, token: string | undefined): Record<string, unknown> | undefined {
    if (!token) return { ok: false, error: 'not_authed' };
    if (method === 'apps.connections.open') {
      if (!token.startsWith('xapp-') || (this.options.appToken && token !== this.options.appToken)) {
        return { ok: false, error: 'invalid_auth' };
      }
      return undefined;
    }
    if (this.options.botToken && token !== this.options.botToken) return { ok: false, error: 'invalid_auth' };
    return undefined;
  }

  private defaultAnswer(method: string, p: Record<string, unknown>, token: string | undefined): Record<string, unknown> {
    const denied = this.tokenError(method, token);
    if (denied) return denied;
    const str = (k: string): string | undefined => (typeof p[k] === 'string' ? (p[k] as string) : undefined);
    switch (method) {
      case 'auth.test':
        return {
          ok: true,
          url: 'https://fake.slack.com/',
          team: 'Fake Team',
          user: 'growthbot',
          team_id: this.teamId,
          ...(this.options.enterpriseId ? { enterprise_id: this.options.enterpriseId } : {}),
          user_id: this.botUserId,
          bot_id: this.botId,
          is_enterprise_install: false,
        };
      case 'conversations.open': {
        const users = str('users');
        if (!users) return { ok: false, error: 'users_not_found' };
        return { ok: true, channel: { id: `D${users.split(',')[0]}` } };
      }
      case 'apps.connections.open':
        return { ok: true, url: `ws://127.0.0.1:${this.port}/socket?ticket=${++this.seq}` };
      case 'chat.postMessage': {
        const channel = str('channel');
        if (!channel) return { ok: false, error: 'channel_not_found' };
        const ts = this.nextTs();
        return {
          ok: true,
          channel,
          ts,
          message: {
            type: 'message',
            subtype: 'bot_message',
            text: p.text ?? '',
            blocks: p.blocks,
            ts,
            user: this.botUserId,
            bot_id: this.botId,
          },
        };
      }
      case 'chat.update': {
        const channel = str('channel');
        const ts = str('ts');
        if (!channel || !ts) return { ok: false, error: 'message_not_found' };
        return { ok: true, channel, ts, text: p.text ?? '', message: { text: p.text ?? '', blocks: p.blocks } };
      }
      case 'chat.postEphemeral':
        return { ok: true, message_ts: this.nextTs() };
      case 'chat.delete':
        return { ok: true, channel: p.channel, ts: p.ts };
      case 'conversations.info': {
        const channel = str('channel') ?? '';
        return {
          ok: true,
          channel: { id: channel, name: channel.toLowerCase(), is_channel: true, is_private: false, is_member: true, is_archived: false },
        };
      }
      case 'conversations.join':
        return { ok: true, channel: { id: p.channel, is_member: true } };
      case 'files.getUploadURLExternal': {
        const filename = str('filename');
        const length = Number(p.length);
        if (!filename || !Number.isFinite(length)) return { ok: false, error: 'invalid_arguments' };
        const fileId = this.nextId('F');
        this.uploads.set(fileId, { fileId, filename, length, completed: false });
        return { ok: true, upload_url: `${this.baseUrl}/upload/${fileId}`, file_id: fileId };
      }
      case 'files.completeUploadExternal':
        return this.completeUploads(p);
      case 'files.info': {
        const file = this.files.get(str('file') ?? '');
        return file ? { ok: true, file: this.publicFile(file) } : { ok: false, error: 'file_not_found' };
      }
      case 'files.list': {
        const channel = str('channel');
        const types = str('types')?.split(',');
        const files = [...this.files.values()]
          .filter((f) => !channel || f.channels.includes(channel))
          .filter((f) => !types || types.includes('all') || types.includes(f.filetype))
          .map((f) => this.publicFile(f));
        return { ok: true, files, paging: { count: files.length, total: files.length, page: 1, pages: 1 } };
      }
      default:
        return { ok: true };
    }
  }

  private completeUploads(p: Record<string, unknown>): Record<string, unknown> {
    const list = Array.isArray(p.files) ? (p.files as { id: string; title?: string }[]) : [];
    if (list.length === 0) return { ok: false, error: 'invalid_arguments' };
    const out: Record<string, unknown>[] = [];
    for (const entry of list) {
      const upload = this.uploads.get(entry.id);
      if (!upload) return { ok: false, error: 'file_not_found' };
      if (!upload.data) return { ok: false, error: 'file_upload_not_uploaded' };
      upload.completed = true;
      upload.channelId = typeof p.channel_id === 'string' ? p.channel_id : undefined;
      upload.initialComment = typeof p.initial_comment === 'string' ? p.initial_comment : undefined;
      upload.threadTs = typeof p.thread_ts === 'string' ? p.thread_ts : undefined;
      const file = this.storeFile(entry.id, {
        name: upload.filename,
        content: upload.data,
        title: entry.title,
        channels: upload.channelId ? [upload.channelId] : [],
        user: this.botUserId,
      });
      out.push(this.publicFile(file));
    }
    return { ok: true, files: out };
  }

  private publicFile(f: SlackFile): Record<string, unknown> {
    const { data: _data, ...rest } = f;
    return { ...rest, is_external: false, mode: 'hosted', editable: false, is_public: true };
  }

  private async upload(fileId: string, req: IncomingMessage, body: Buffer, res: ServerResponse): Promise<void> {
    const upload = this.uploads.get(fileId);
    if (!upload) return sendJson(res, 404, { ok: false, error: 'unknown_upload' });
    const contentType = req.headers['content-type'] ?? '';
    if (contentType.startsWith('multipart/form-data')) {
      const form = await parseMultipart(body, contentType);
      upload.data = form.files[0]?.data ?? Buffer.from(Object.values(form.fields)[0] ?? '');
    } else upload.data = body;
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`OK - ${upload.data.length}`);
  }

  /** Like Slack: without a valid bearer token the "download" is an HTML login page with status 200. */
  private download(path: string, req: IncomingMessage, res: ServerResponse): void {
    const match = /^\/files-pri\/[^/]+-(F[^/]+)\//.exec(path);
    const file = match ? this.files.get(match[1]) : undefined;
    if (!file) return sendJson(res, 404, { ok: false, error: 'file_not_found' });
    const auth = req.headers.authorization;
    const token = auth?.startsWith('Bearer ') ? auth.slice(7) : undefined;
    const authorized = !!token && (!this.options.botToken || token === this.options.botToken);
    this.downloads.push({ fileId: file.id, authorized });
    if (!authorized) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<!DOCTYPE html><html><head><title>Slack</title></head><body>Sign in to Fake Team</body></html>');
      return;
    }
    res.writeHead(200, {
      'content-type': file.mimetype,
      'content-length': file.data.length,
      'content-disposition': `attachment; filename="${file.name}"`,
    });
    res.end(file.data);
  }
}
