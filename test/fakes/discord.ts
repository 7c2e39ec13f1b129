import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { WebSocket, WebSocketServer } from 'ws';
import {
  ALL_PERMISSIONS,
  channelObject,
  commandOptions,
  guildCreate,
  memberObject,
  messageObject,
  optionType,
  user,
  type DiscordGuild,
  type DiscordUser,
  type InteractionInput,
} from './discord-payloads.ts';
import { closeServer, listen, parseMultipart, readBody, sendEmpty, sendJson, type MultipartFile } from './http-body.ts';
import { waitFor } from './wait-for.ts';
import { closeSocketsGracefully } from './ws-close.ts';

export type { AttachmentInput, CommandOption, DiscordGuild, DiscordUser, InteractionInput } from './discord-payloads.ts';
export { waitFor } from './wait-for.ts';

export interface DiscordRequest {
  method: string;
  /** Decoded path below `/api/v10`, e.g. `/webhooks/1/tok/messages/@original`. */
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  /** JSON body, or the `payload_json` part of a multipart body. */
  body?: unknown;
  files: MultipartFile[];
}

export interface InteractionCallback {
  interactionId: string;
  token: string;
  /** 4 reply, 5 deferred reply, 6 deferred update, 7 update, 8 autocomplete result, 9 modal. */
  type: number;
  data?: Record<string, unknown>;
  files: MultipartFile[];
}

export interface WebhookMessage {
  kind: 'edit' | 'followup' | 'delete';
  token: string;
  /** '@original' or a follow-up message id. */
  messageId: string;
  body?: Record<string, unknown>;
  files: MultipartFile[];
}

export interface ChannelMessage {
  id: string;
  channelId: string;
  body: Record<string, unknown>;
  files: MultipartFile[];
}

export interface DiscordFailure {
  status: number;
  code: number;
  message: string;
}

export interface RegisteredCommands {
  /** null for global commands. */
  guildId: string | null;
  commands: Record<string, unknown>[];
}

/** Overrides any REST route; return undefined to fall through to the default behaviour. */
export type DiscordRouteHandler = (req: DiscordRequest) => { status: number; body?: unknown } | undefined;

export interface FakeDiscordOptions {
  /** When set, REST calls (except interaction callbacks and webhooks) need `Bot <token>`. */
  token?: string;
  applicationId?: string;
  botUser?: DiscordUser;
  guilds?: DiscordGuild[];
  /** Send GUILD_CREATE after READY (default true): gives cached channels, roles and GuildMembers. */
  sendGuildCreate?: boolean;
}

const API_PREFIX = '/api/v10';
const MISSING_ACCESS: DiscordFailure = { status: 403, code: 50001, message: 'Missing Access' };

export class FakeDiscord {
  readonly requests: DiscordRequest[] = [];
  readonly callbacks: InteractionCallback[] = [];
  readonly webhookMessages: WebhookMessage[] = [];
  readonly channelMessages: ChannelMessage[] = [];
  /** `PATCH /channels/:id/messages/:id` bodies, in order (the message in channelMessages shows the result). */
  readonly channelEdits: ChannelMessage[] = [];
  readonly registeredCommands: RegisteredCommands[] = [];
  /** Direct-message channels the bot opened (`POST /users/@me/channels`), by user id. */
  readonly dmChannels = new Map<string, string>();
  /** IDENTIFY payloads received on the gateway. */
  readonly identifies: Record<string, unknown>[] = [];
  /** Interactions sent with `sendInteraction`, by id. */
  readonly interactions = new Map<string, Record<string, unknown>>();
  /** Servers the bot left (`DELETE /users/@me/guilds/:id`), in order; they stay in `guilds` for interactions. */
  readonly leftGuilds: string[] = [];
  /** Messages people sent with `sendUserMessage` (MESSAGE_CREATE), as Discord stores them; `GET` of one answers it. */
  readonly userMessages: Record<string, unknown>[] = [];

  readonly applicationId: string;
  readonly botUser: DiscordUser;
  readonly marketer: DiscordUser;
  readonly guilds: DiscordGuild[];
  private readonly options: FakeDiscordOptions;
  private readonly channelFailures = new Map<string, DiscordFailure>();
  private readonly overrides: { method: string; pattern: RegExp; handler: DiscordRouteHandler }[] = [];
  private readonly acknowledged = new Set<string>();
  private readonly originalIds = new Map<string, string>();
  private readonly hostedFiles = new Map<string, { data: Buffer; contentType: string }>();
  private server?: Server;
  private wss?: WebSocketServer;
  private port = 0;
  private seq = 0;
  private gatewaySeq = 0;

  constructor(options: FakeDiscordOptions = {}) {
    this.options = options;
    this.applicationId = options.applicationId ?? '1100000000000000001';
    this.botUser = options.botUser ?? user(this.applicationId, 'growthbot', true);
    this.marketer = user('1100000000000000009', 'marketer');
    this.guilds = options.guilds ?? [
      {
        id: '1200000000000000001',
        name: 'Marketing HQ',
        channels: [
          { id: '1300000000000000001', name: 'growth', type: 0 },
          { id: '1300000000000000002', name: 'digests', type: 0 },
        ],
        roles: [{ id: '1400000000000000001', name: 'Marketing', position: 1 }],
      },
    ];
  }

  get baseUrl(): string {
    if (!this.port) throw new Error('FakeDiscord not started');
    return `http://127.0.0.1:${this.port}`;
  }

  /** For discord.js `rest.api` (requests then go to `${apiUrl}/v10/...`). */
  get apiUrl(): string {
    return `${this.baseUrl}/api`;
  }

  get gatewayUrl(): string {
    return `ws://127.0.0.1:${this.port}/gateway`;
  }

  get socketCount(): number {
    return [...(this.wss?.clients ?? [])].filter((ws) => ws.readyState === WebSocket.OPEN).length;
  }

  waitFor<T>(predicate: () => T | undefined | null | false, timeoutMs = 2_000): Promise<T> {
    return waitFor(predicate, timeoutMs);
  }

  callbacksFor(interactionId: string): InteractionCallback[] {
    return this.callbacks.filter((c) => c.interactionId === interactionId);
  }

  webhookMessagesFor(token: string): WebhookMessage[] {
    return this.webhookMessages.filter((m) => m.token === token);
  }

  /** Messages the bot sent to a user's direct messages. */
  directMessagesTo(userId: string): ChannelMessage[] {
    const channelId = this.dmChannels.get(userId);
    return channelId ? this.messagesIn(channelId) : [];
  }

  messagesIn(channelId: string): ChannelMessage[] {
    return this.channelMessages.filter((m) => m.channelId === channelId);
  }

  /** Make `POST /channels/:id/messages` fail (default 403 Missing Access, code 50001); undefined clears. */
  failChannelMessages(channelId: string | '*', failure: DiscordFailure | undefined = MISSING_ACCESS): this {
    if (failure) this.channelFailures.set(channelId, failure);
    else this.channelFailures.delete(channelId);
    return this;
  }

  /**
   * Host a file as Discord's CDN does for an attachment; returns its URL (for `attachments` of
   * `sendInteraction`). Downloads need no token, like Discord's signed CDN URLs.
   */
  hostAttachment(filename: string, content: Buffer | string): { filename: string; url: string; size: number; contentType: string } {
    const data = typeof content === 'string' ? Buffer.from(content) : content;
    const key = `/attachments/${this.nextId()}/${encodeURIComponent(filename)}`;
    const contentType = filename.endsWith('.csv') ? 'text/csv' : 'application/octet-stream';
    this.hostedFiles.set(key, { data, contentType });
    return { filename, url: `${this.baseUrl}${key}`, size: data.length, contentType };
  }

  /** Override a REST route: `pattern` is matched against the decoded path below /api/v10. */
  on(method: string, pattern: RegExp, handler: DiscordRouteHandler): this {
    this.overrides.unshift({ method: method.toUpperCase(), pattern, handler });
    return this;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      this.route(req, res).catch((err: unknown) => {
        if (!res.headersSent) sendJson(res, 500, { message: String(err), code: 0 });
        else res.end();
      });
    });
    this.wss = new WebSocketServer({ noServer: true });
    this.wss.on('connection', (ws) => this.onGateway(ws));
    this.server.on('upgrade', (req, socket, head) => {
      if (!req.url?.startsWith('/gateway')) return socket.destroy();
      this.wss!.handleUpgrade(req, socket, head, (ws) => this.wss!.emit('connection', ws, req));
    });
    this.port = await listen(this.server);
  }

  async stop(): Promise<void> {
    if (this.wss) await closeSocketsGracefully(this.wss);
    if (this.server) await closeServer(this.server);
    this.wss = undefined;
    this.server = undefined;
  }

  // ---- gateway ----

  /** The bot is added to a server while connected: GUILD_CREATE, as Discord sends it. */
  joinGuild(guild: DiscordGuild): void {
    if (!this.guilds.some((g) => g.id === guild.id)) this.guilds.push(guild);
    this.dispatch('GUILD_CREATE', guildCreate(guild, this.botUser));
  }

  /** Send a dispatch (op 0) event to every connected client. */
  dispatch(t: string, d: unknown): void {
    for (const ws of this.wss?.clients ?? []) {
      if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ op: 0, t, s: ++this.gatewaySeq, d }));
    }
  }

  /**
   * A person posts a message in a server channel (MESSAGE_CREATE, as the GuildMessages intent delivers it):
   * `mentionBot` mentions the bot (`<@id>` in the content and in `mentions`), `attachments` from hostAttachment.
   */
  sendUserMessage(input: {
    content?: string;
    mentionBot?: boolean;
    attachments?: { filename: string; url: string; size: number; contentType?: string }[];
    user?: DiscordUser;
    roles?: string[];
    channelId?: string;
    guildId?: string;
  }): Record<string, unknown> {
    if (this.socketCount === 0) throw new Error('FakeDiscord: no gateway client connected');
    const guild = this.guilds.find((g) => !input.guildId || g.id === input.guildId)!;
    const who = input.user ?? this.marketer;
    const channelId = input.channelId ?? guild.channels.find((c) => (c.type ?? 0) === 0)!.id;
    const content = `${input.mentionBot ? `<@${this.botUser.id}> ` : ''}${input.content ?? ''}`.trim();
    const message = messageObject(
      this.nextId(),
      channelId,
      who,
      { content },
      {
        guild_id: guild.id,
        member: { ...memberObject(who, input.roles ?? []), user: undefined },
        mentions: input.mentionBot ? [{ ...this.botUser, member: memberObject(this.botUser, []) }] : [],
        attachments: (input.attachments ?? []).map((file) => ({
          id: this.nextId(),
          filename: file.filename,
          size: file.size,
          url: file.url,
          proxy_url: file.url,
          content_type: file.contentType ?? (file.filename.endsWith('.csv') ? 'text/csv' : 'application/octet-stream'),
        })),
      },
    );
    this.userMessages.push(message);
    this.dispatch('MESSAGE_CREATE', message);
    return message;
  }

  /** Build a valid INTERACTION_CREATE from the short form, dispatch it and return it (id, token...). */
  sendInteraction(input: InteractionInput): Record<string, unknown> {
    if (this.socketCount === 0) throw new Error('FakeDiscord: no gateway client connected');
    const interaction = this.buildInteraction(input);
    this.interactions.set(interaction.id as string, interaction);
    this.dispatch('INTERACTION_CREATE', interaction);
    return interaction;
  }

  buildInteraction(input: InteractionInput): Record<string, unknown> {
    const guild = input.guildId === null ? undefined : this.guilds.find((g) => !input.guildId || g.id === input.guildId);
    if (input.guildId && !guild) throw new Error(`FakeDiscord: unknown guild ${input.guildId}`);
    const who = input.user ?? this.marketer;
    const channelId = input.channelId ?? guild?.channels.find((c) => (c.type ?? 0) === 0)?.id ?? '1300000000000000099';
    const channelDef = guild?.channels.find((c) => c.id === channelId) ?? { id: channelId, name: 'unknown', type: guild ? 0 : 1 };
    const id = this.nextId();
    const base: Record<string, unknown> = {
      id,
      application_id: this.applicationId,
      token: `fake-interaction-token-${id}`,
      version: 1,
      locale: input.locale ?? 'en-US',
      entitlements: [],
      app_permissions: ALL_PERMISSIONS,
      attachment_size_limit: 26_214_400,
      channel_id: channelId,
    };
    if (guild) {
      Object.assign(base, {
        guild_id: guild.id,
        guild_locale: 'en-US',
        guild: { id: guild.id, locale: 'en-US', features: [] },
        channel: { ...channelObject(channelDef, guild.id), permissions: ALL_PERMISSIONS },
        member: { ...memberObject(who, input.roles ?? []), permissions: ALL_PERMISSIONS },
        authorizing_integration_owners: { '0': guild.id },
        context: 0,
      });
    } else {
      Object.assign(base, {
        channel: { id: channelId, type: 1, flags: 0, last_message_id: null, recipients: [who] },
        user: who,
        authorizing_integration_owners: { '0': '0' },
        context: 1,
      });
    }
    const commandId = (name: string, given?: string) => given ?? this.commandIdFor(name);
    switch (input.type) {
      case 'command': {
        const attachments: Record<string, unknown> = {};
        const extra = Object.entries(input.attachments ?? {}).map(([name, file]) => {
          const attachmentId = this.nextId();
          attachments[attachmentId] = {
            id: attachmentId,
            filename: file.filename,
            size: file.size,
            url: file.url,
            proxy_url: file.url,
            content_type: file.contentType ?? 'application/octet-stream',
          };
          return { name, type: 11, value: attachmentId };
        });
        const given = Array.isArray(input.options)
          ? input.options
          : Object.entries(input.options ?? {}).map(([name, value]) => ({ name, type: optionType(value), value }));
        return {
          ...base,
          type: 2,
          data: {
            id: commandId(input.name, input.commandId),
            name: input.name,
            type: 1,
            options: commandOptions({ ...input, options: [...given, ...extra] }),
            ...(extra.length > 0 ? { resolved: { attachments } } : {}),
            ...(guild ? { guild_id: guild.id } : {}),
          },
        };
      }
      case 'autocomplete':
        return {
          ...base,
          type: 4,
          data: {
            id: commandId(input.name, input.commandId),
            name: input.name,
            type: 1,
            options: commandOptions(input, input.focused),
            ...(guild ? { guild_id: guild.id } : {}),
          },
        };
      case 'button': {
        const components = [{ type: 1, components: [{ type: 2, style: 1, label: input.customId, custom_id: input.customId }] }];
        return {
          ...base,
          type: 3,
          data: { custom_id: input.customId, component_type: 2 },
          message: messageObject(
            input.messageId ?? this.nextId(),
            channelId,
            this.botUser,
            { content: input.messageContent ?? '', components },
            { application_id: this.applicationId, ...(guild ? { guild_id: guild.id } : {}) },
          ),
        };
      }
    }
  }

  private commandIdFor(name: string): string {
    for (const reg of this.registeredCommands) {
      const found = reg.commands.find((c) => c.name === name);
      if (found) return found.id as string;
    }
    return '1500000000000000001';
  }

  private onGateway(ws: WebSocket): void {
    ws.send(JSON.stringify({ op: 10, d: { heartbeat_interval: 41_250 } }));
    ws.on('message', (raw) => {
      let msg: { op: number; d?: unknown };
      try {
        msg = JSON.parse(String(raw));
      } catch {
        return;
      }
      if (msg.op === 1) ws.send(JSON.stringify({ op: 11 }));
      else if (msg.op === 2) this.onIdentify(ws, (msg.d ?? {}) as Record<string, unknown>);
      else if (msg.op === 6) ws.send(JSON.stringify({ op: 0, t: 'RESUMED', s: ++this.gatewaySeq, d: {} }));
    });
  }

  private onIdentify(ws: WebSocket, identify: Record<string, unknown>): void {
    this.identifies.push(identify);
    if (this.options.token && identify.token !== this.options.token) {
      ws.close(4004, 'Authentication failed.');
      return;
    }
    const sendGuildCreate = this.options.sendGuildCreate ?? true;
    const ready = {
      v: 10,
      user: { ...this.botUser, verified: true, mfa_enabled: false, flags: 0, email: null },
      guilds: this.guilds.map((g) => ({ id: g.id, unavailable: true })),
      session_id: `fake-session-${++this.seq}`,
      resume_gateway_url: this.gatewayUrl,
      shard: [0, 1],
      application: { id: this.applicationId, flags: 0 },
      private_channels: [],
      presences: [],
      relationships: [],
      user_settings: {},
      guild_join_requests: [],
      geo_ordered_rtc_regions: [],
      _trace: ['fake-discord'],
    };
    if (!sendGuildCreate) ready.guilds = [];
    ws.send(JSON.stringify({ op: 0, t: 'READY', s: ++this.gatewaySeq, d: ready }));
    if (sendGuildCreate) {
      for (const guild of this.guilds) {
        ws.send(JSON.stringify({ op: 0, t: 'GUILD_CREATE', s: ++this.gatewaySeq, d: guildCreate(guild, this.botUser) }));
      }
    }
  }

  // ---- REST ----

  private nextId(): string {
    return String(1_600_000_000_000_000_000n + BigInt(++this.seq));
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.baseUrl);
    const hosted = req.method === 'GET' ? this.hostedFiles.get(url.pathname) : undefined;
    if (hosted) {
      res.writeHead(200, { 'content-type': hosted.contentType, 'content-length': hosted.data.length });
      return void res.end(hosted.data);
    }
    if (!url.pathname.startsWith(API_PREFIX + '/')) return sendJson(res, 404, { message: '404: Not Found', code: 0 });
    const path = url.pathname.slice(API_PREFIX.length).split('/').map(decodeURIComponent).join('/');
    const raw = await readBody(req);
    const contentType = req.headers['content-type'] ?? '';
    let body: unknown;
    let files: MultipartFile[] = [];
    if (contentType.startsWith('multipart/form-data')) {
      const form = await parseMultipart(raw, contentType);
      files = form.files;
      body = form.fields.payload_json ? JSON.parse(form.fields.payload_json) : {};
    } else if (raw.length > 0) {
      body = JSON.parse(raw.toString('utf8'));
    }
    const request: DiscordRequest = {
      method: req.method ?? 'GET',
      path,
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      body,
      files,
    };
    this.requests.push(request);

    for (const o of this.overrides) {
      if (o.method !== request.method || !o.pattern.test(path)) continue;
      const answer = o.handler(request);
      if (answer) return answer.body === undefined ? sendEmpty(res, answer.status) : sendJson(res, answer.status, answer.body);
    }

    const isWebhook = path.startsWith('/interactions/') || path.startsWith('/webhooks/');
    if (!isWebhook && this.options.token && req.headers.authorization !== `Bot ${this.options.token}`) {
      return sendJson(res, 401, { message: '401: Unauthorized', code: 0 });
    }
    const answer = this.answer(request);
    if (answer.status === 204 || answer.body === undefined) return sendEmpty(res, answer.status);
    sendJson(res, answer.status, answer.body);
  }

  private answer(r: DiscordRequest): { status: number; body?: unknown } {
    const { method, path } = r;
    const body = (r.body ?? {}) as Record<string, unknown>;
    let m: RegExpExecArray | null;

    if (method === 'GET' && path === '/gateway/bot') {
      return {
        status: 200,
        body: {
          url: `ws://127.0.0.1:${this.port}/gateway`,
          shards: 1,
          session_start_limit: { total: 1000, remaining: 999, reset_after: 0, max_concurrency: 1 },
        },
      };
    }
    if (method === 'GET' && path === '/gateway') return { status: 200, body: { url: this.gatewayUrl } };
    if (method === 'GET' && path === '/users/@me') return { status: 200, body: this.botUser };
    if (method === 'DELETE' && (m = /^\/users\/@me\/guilds\/([^/]+)$/.exec(path))) {
      const guildId = m[1]!;
      if (!this.guilds.some((g) => g.id === guildId) || this.leftGuilds.includes(guildId)) {
        return { status: 404, body: { message: 'Unknown Guild', code: 10004 } };
      }
      this.leftGuilds.push(guildId);
      // Discord then tells the client the guild is gone
      setImmediate(() => this.dispatch('GUILD_DELETE', { id: guildId }));
      return { status: 204 };
    }
    if (method === 'GET' && path === '/applications/@me') {
      return { status: 200, body: { id: this.applicationId, name: 'growthbot', flags: 0, bot_public: false, description: '' } };
    }

    if (method === 'POST' && (m = /^\/interactions\/([^/]+)\/([^/]+)\/callback$/.exec(path))) {
      const [, interactionId, token] = m;
      const interaction = this.interactions.get(interactionId);
      if (!interaction || interaction.token !== token) return { status: 404, body: { message: 'Unknown interaction', code: 10062 } };
      if (this.acknowledged.has(interactionId)) {
        return { status: 400, body: { message: 'Interaction has already been acknowledged.', code: 40060 } };
      }
      this.acknowledged.add(interactionId);
      const type = Number(body.type);
      const data = body.data as Record<string, unknown> | undefined;
      this.callbacks.push({ interactionId, token, type, data, files: r.files });
      if (r.query.with_response !== 'true') return { status: 204 };
      const message =
        type === 4 || type === 7
          ? this.interactionMessage(interaction, data ?? {}, this.messageIdFor(token, '@original'), r.files)
          : undefined;
      return {
        status: 200,
        body: {
          interaction: {
            id: interactionId,
            type: interaction.type,
            activity_instance_id: null,
            response_message_id: message?.id ?? null,
            response_message_loading: type === 5,
            response_message_ephemeral: ((Number(data?.flags) || 0) & 64) !== 0,
          },
          ...(message ? { resource: { type, message } } : {}),
        },
      };
    }

    if ((m = /^\/webhooks\/([^/]+)\/([^/]+)(?:\/messages\/([^/]+))?$/.exec(path))) {
      const [, appId, token, messageId] = m;
      const interaction = [...this.interactions.values()].find((i) => i.token === token);
      if (appId !== this.applicationId || !interaction) return { status: 404, body: { message: 'Unknown Webhook', code: 10015 } };
      if (method === 'POST' && !messageId) {
        const message = this.interactionMessage(interaction, body, this.nextId(), r.files);
        this.webhookMessages.push({ kind: 'followup', token, messageId: message.id as string, body, files: r.files });
        return { status: 200, body: message };
      }
      if (method === 'PATCH' && messageId) {
        this.webhookMessages.push({ kind: 'edit', token, messageId, body, files: r.files });
        return { status: 200, body: this.interactionMessage(interaction, body, this.messageIdFor(token, messageId), r.files) };
      }
      if (method === 'GET' && messageId) {
        const last = this.webhookMessagesFor(token)
          .filter((w) => w.messageId === messageId && w.kind === 'edit')
          .pop();
        return { status: 200, body: this.interactionMessage(interaction, last?.body ?? {}, this.messageIdFor(token, messageId)) };
      }
      if (method === 'DELETE' && messageId) {
        this.webhookMessages.push({ kind: 'delete', token, messageId, files: [] });
        return { status: 204 };
      }
    }

    if (method === 'POST' && path === '/users/@me/channels') {
      const recipient = String((body as { recipient_id?: unknown }).recipient_id ?? '');
      if (!recipient) return { status: 400, body: { message: 'Invalid Form Body', code: 50035 } };
      let channelId = this.dmChannels.get(recipient);
      if (!channelId) this.dmChannels.set(recipient, (channelId = this.nextId()));
      return {
        status: 200,
        body: { id: channelId, type: 1, flags: 0, last_message_id: null, recipients: [user(recipient, `user-${recipient}`)] },
      };
    }
    if ((m = /^\/channels\/([^/]+)\/messages$/.exec(path)) && method === 'POST') {
      const channelId = m[1];
      const failure = this.channelFailures.get(channelId) ?? this.channelFailures.get('*');
      if (failure) return { status: failure.status, body: { message: failure.message, code: failure.code } };
      if (!this.findChannel(channelId) && ![...this.dmChannels.values()].includes(channelId))
        return { status: 404, body: { message: 'Unknown Channel', code: 10003 } };
      const id = this.nextId();
      this.channelMessages.push({ id, channelId, body, files: r.files });
      const guild = this.guilds.find((g) => g.channels.some((c) => c.id === channelId));
      return { status: 200, body: this.message(id, channelId, body, r.files, guild ? { guild_id: guild.id } : {}) };
    }
    if ((m = /^\/channels\/([^/]+)\/messages\/([^/]+)$/.exec(path)) && method === 'GET') {
      const [, channelId, messageId] = m;
      const found = this.userMessages.find((u) => u.channel_id === channelId && u.id === messageId);
      if (found) return { status: 200, body: found };
      const posted = this.channelMessages.find((c) => c.channelId === channelId && c.id === messageId);
      if (!posted) return { status: 404, body: { message: 'Unknown Message', code: 10008 } };
      const guild = this.guilds.find((g) => g.channels.some((c) => c.id === channelId));
      return { status: 200, body: this.message(messageId, channelId, posted.body, posted.files, guild ? { guild_id: guild.id } : {}) };
    }
    if ((m = /^\/channels\/([^/]+)\/messages\/([^/]+)$/.exec(path)) && method === 'PATCH') {
      const [, channelId, messageId] = m;
      const posted = this.channelMessages.find((c) => c.channelId === channelId && c.id === messageId);
      if (!posted) return { status: 404, body: { message: 'Unknown Message', code: 10008 } };
      this.channelEdits.push({ id: messageId, channelId, body, files: r.files });
      posted.body = { ...posted.body, ...body };
      const guild = this.guilds.find((g) => g.channels.some((c) => c.id === channelId));
      return { status: 200, body: this.message(messageId, channelId, posted.body, r.files, guild ? { guild_id: guild.id } : {}) };
    }
    if ((m = /^\/channels\/([^/]+)$/.exec(path)) && method === 'GET') {
      const found = this.findChannel(m[1]);
      return found
        ? { status: 200, body: channelObject(found.channel, found.guildId) }
        : { status: 404, body: { message: 'Unknown Channel', code: 10003 } };
    }

    if ((m = /^\/applications\/([^/]+)(?:\/guilds\/([^/]+))?\/commands$/.exec(path))) {
      const [, appId, guildId = null] = m;
      if (appId !== this.applicationId) return { status: 403, body: { message: 'Missing Access', code: 50001 } };
      if (guildId && !this.guilds.some((g) => g.id === guildId)) return { status: 403, body: { message: 'Missing Access', code: 50001 } };
      if (method === 'PUT') {
        const list = Array.isArray(r.body) ? (r.body as Record<string, unknown>[]) : [];
        const commands = list.map((c) => ({
          id: this.nextId(),
          application_id: this.applicationId,
          version: this.nextId(),
          type: 1,
          default_member_permissions: null,
          nsfw: false,
          ...(guildId ? { guild_id: guildId } : { integration_types: [0], contexts: null }),
          ...c,
        }));
        const existing = this.registeredCommands.findIndex((x) => x.guildId === guildId);
        if (existing >= 0) this.registeredCommands.splice(existing, 1);
        this.registeredCommands.push({ guildId, commands });
        return { status: 200, body: commands };
      }
      if (method === 'GET') return { status: 200, body: this.registeredCommands.find((x) => x.guildId === guildId)?.commands ?? [] };
    }

    return { status: 404, body: { message: '404: Not Found', code: 0 } };
  }

  private findChannel(channelId: string): { channel: { id: string; name: string; type?: number }; guildId: string } | undefined {
    for (const g of this.guilds) {
      const channel = g.channels.find((c) => c.id === channelId);
      if (channel) return { channel, guildId: g.id };
    }
    return undefined;
  }

  /** '@original' maps to one stable id per interaction token. */
  private messageIdFor(token: string, messageId: string): string {
    if (messageId !== '@original') return messageId;
    let id = this.originalIds.get(token);
    if (!id) this.originalIds.set(token, (id = this.nextId()));
    return id;
  }

  private interactionMessage(
    interaction: Record<string, unknown>,
    body: Record<string, unknown>,
    id: string,
    files: MultipartFile[] = [],
  ): Record<string, unknown> {
    const extra: Record<string, unknown> = {
      application_id: this.applicationId,
      webhook_id: this.applicationId,
      interaction_metadata: {
        id: interaction.id,
        type: interaction.type,
        user: (interaction.member as { user?: unknown } | undefined)?.user ?? interaction.user,
        authorizing_integration_owners: interaction.authorizing_integration_owners,
      },
    };
    if (interaction.guild_id) extra.guild_id = interaction.guild_id;
    return this.message(id, interaction.channel_id as string, body, files, extra);
  }

  private message(
    id: string,
    channelId: string,
    body: Record<string, unknown>,
    files: MultipartFile[],
    extra: Record<string, unknown>,
  ): Record<string, unknown> {
    const attachments = files.map((f, i) => ({
      id: String(BigInt(id) + BigInt(i + 1)),
      filename: f.filename,
      size: f.data.length,
      url: `${this.baseUrl}/attachments/${channelId}/${id}/${f.filename}`,
      proxy_url: `${this.baseUrl}/attachments/${channelId}/${id}/${f.filename}`,
      content_type: f.contentType,
    }));
    return messageObject(id, channelId, this.botUser, body, { attachments, ...extra });
  }
}
