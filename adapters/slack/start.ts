import type { EventEmitter } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, webApi, type CustomRoute } from '@slack/bolt';
import { ConfigError, type Config } from '../../src/config/config.ts';
import { closeServer, listen } from '../../src/http/server.ts';
import { StartupError } from '../../src/lifecycle/start-up-errors.ts';
import { openForeground } from '../../src/jobs/foreground.ts';
import type { AdapterOptions, RunningAdapter, StartAdapter } from '../../src/core/adapter.ts';
import type { Reply } from '../../src/core/reply.ts';
import { PLAIN_ACTION, registerAskModal } from './ask-modal.ts';
import { boltLogger } from './bolt-logger.ts';
import { ChannelQueue } from './channel-queue.ts';
import { CommandFlow, slashCommandRequest, type AcceptedCommand, type AckPayload } from './command-flow.ts';
import { SLACK_LIMITS, type SlackLimits } from './limits.ts';
import { customRoutesListener, SlackHttpReceiver } from './http-receiver.ts';
import { SharedReplayStore } from './request-guard.ts';
import { slackErrorCode, SlackPoster } from './poster.ts';
import { UserGroupCache } from './user-groups.ts';
import { homeButtonChannel, registerHomeTab } from './home.ts';
import { SlackForms } from './forms.ts';
import { registerFileDrops } from './file-drops.ts';

/** A few retries that wait out Retry-After on 429 (never the 10-retries-in-30-minutes default, nor Socket Mode's 100). */
export const SLACK_RETRY_CONFIG: webApi.RetryOptions = { retries: 3, factor: 2, minTimeout: 500, maxTimeout: 10_000, randomize: true };

export interface SlackAdapterOptions extends AdapterOptions {
  /** Extra HTTP routes served on the same port (e.g. POST /webhooks/events). */
  routes?: CustomRoute[];
  /** HTTP listen address; default all interfaces, port default config.PORT. */
  host?: string;
  port?: number;
  retryConfig?: webApi.RetryOptions;
  limits?: Partial<SlackLimits>;
  /** How long a cached user-group list is used (ROLE_MAP with slack entries). */
  userGroupTtlMs?: number;
}

export interface RunningSlackAdapter extends RunningAdapter {
  mode: 'socket' | 'http';
  app: App;
  client: webApi.WebClient;
  /** The HTTP server: Slack's events endpoint in HTTP mode; the extra routes in Socket Mode (when any). */
  server?: Server;
  port?: number;
  /** Posts a reply to a channel, as the notifier does. Throws on failure. */
  post(channelId: string, reply: Reply): Promise<void>;
  /** Resolves when every acknowledged command has delivered its answer. */
  idle(): Promise<void>;
}

function apiUrl(value: string | undefined): string | undefined {
  if (!value) return undefined;
  return value.endsWith('/') ? value : `${value}/`;
}

/** Socket Mode has no HTTP server of its own for our routes: a small one serves them. */
async function startRouteServer(routes: CustomRoute[], port: number, host: string | undefined): Promise<Server> {
  const server = createServer(customRoutesListener(routes));
  await listen(server, port, host);
  return server;
}

/** Starts the Slack adapter: Socket Mode when SLACK_APP_TOKEN is set, HTTP mode (/slack/events) otherwise. */
export async function startSlackAdapter(options: SlackAdapterOptions): Promise<RunningSlackAdapter> {
  const { bot, config, logger } = options;
  const token = config.SLACK_BOT_TOKEN;
  if (!token)
    throw new ConfigError(
      'SLACK_BOT_TOKEN is not set: copy the Bot User OAuth Token (xoxb-…) from your Slack app’s OAuth & Permissions page.',
    );
  const socketMode = Boolean(config.SLACK_APP_TOKEN);
  if (!socketMode && !config.SLACK_SIGNING_SECRET) {
    throw new ConfigError(
      'SLACK_APP_TOKEN or SLACK_SIGNING_SECRET is needed: set SLACK_APP_TOKEN (xapp-…, Socket Mode) or SLACK_SIGNING_SECRET (HTTP mode).',
    );
  }
  const limits: SlackLimits = { ...SLACK_LIMITS, ...options.limits };
  const clientOptions: webApi.WebClientOptions = {
    retryConfig: { ...(options.retryConfig ?? SLACK_RETRY_CONFIG) },
    ...(apiUrl(config.SLACK_API_URL) ? { slackApiUrl: apiUrl(config.SLACK_API_URL) } : {}),
  };
  const routes = options.routes ?? [];
  // auth.test first, so a bad token stops start-up with our message (and Bolt skips its own check).
  let identity: webApi.AuthTestResponse;
  try {
    identity = await new webApi.WebClient(token, { ...clientOptions, retryConfig: { ...clientOptions.retryConfig } }).auth.test();
  } catch (error) {
    const code = slackErrorCode(error);
    if (/invalid_auth|not_authed|account_inactive|token_revoked|token_expired/.test(code)) {
      throw new ConfigError(
        `SLACK_BOT_TOKEN was rejected by Slack (${code}): copy the current Bot User OAuth Token (xoxb-…) from OAuth & Permissions.`,
      );
    }
    throw new StartupError(
      `Slack could not be reached${config.SLACK_API_URL ? ` at SLACK_API_URL=${config.SLACK_API_URL}` : ''} (${code}): check the network connection${config.SLACK_API_URL ? ' and SLACK_API_URL' : ''}, then start the bot again.`,
    );
  }
  const allowed = allowedWorkspaces(config, identity);
  bot.tenancy.set('slack', { allowed, setting: 'SLACK_TEAM_ID', restrictDirectMessages: false });
  if (config.SLACK_TEAM_ID && config.SLACK_TEAM_ID !== identity.team_id && config.SLACK_TEAM_ID !== identity.enterprise_id) {
    logger.error(
      { teamId: identity.team_id, enterpriseId: identity.enterprise_id, allowed },
      `SLACK_TEAM_ID=${config.SLACK_TEAM_ID} is not the workspace SLACK_BOT_TOKEN belongs to (${identity.team_id ?? 'unknown'}): commands from that workspace are refused. Set SLACK_TEAM_ID to ${identity.team_id ?? 'the token’s workspace id'} or leave it empty.`,
    );
  } else if (allowed.length === 0) {
    logger.warn(
      'slack: auth.test named no workspace and SLACK_TEAM_ID is empty: requests from any workspace are answered. Set SLACK_TEAM_ID.',
    );
  } else {
    logger.info({ allowed }, 'slack: answering requests from these workspaces only');
  }
  // HTTP mode: our own receiver; it acknowledges slash commands itself (see SlackHttpReceiver)
  let flow!: CommandFlow; // made below, once the app's client exists
  const receiver = socketMode
    ? undefined
    : new SlackHttpReceiver({
        // seen signatures in memory and in the database (stored after the ack): a replay to another instance is refused too
        guard: { signingSecret: config.SLACK_SIGNING_SECRET!, logger, store: new SharedReplayStore(bot.writes) },
        logger,
        routes,
        acceptCommand: (body, ack, receipt) => flow.accept(slashCommandRequest(body, async (payload: AckPayload) => ack(payload), receipt)),
      });
  const app = new App({
    token,
    botId: identity.bot_id,
    botUserId: identity.user_id,
    logger: boltLogger(logger),
    clientOptions,
    // no conversation context is used: one middleware less per request
    convoStore: false,
    ...(socketMode ? { appToken: config.SLACK_APP_TOKEN, socketMode: true } : { receiver }),
  });
  const receiptOf = (context: Record<string, unknown>) => context.slackReceipt as Promise<boolean> | undefined;

  // a burst of commands from the same people: one role lookup each per few seconds
  bot.cacheRoles(5000);
  const poster = new SlackPoster(app.client, new ChannelQueue(limits.channelPostIntervalMs), limits, logger);
  const slackRoles = config.ROLE_MAP.some((item) => item.startsWith('slack:'));
  const forms = new SlackForms({ bot, client: app.client, logger, limits, flow: () => flow });
  forms.register(app);
  flow = new CommandFlow({
    forms,
    bot,
    poster,
    logger,
    limits,
    botToken: token,
    ...(receiver ? { afterAcks: receiver.afterAcks } : {}),
    ...(slackRoles ? { groups: new UserGroupCache(app.client, logger, options.userGroupTtlMs) } : {}),
  });

  app.command(/.*/, async ({ command, ack, respond, context }) => {
    // HTTP mode: validated and acknowledged by the receiver before this dispatch
    const accepted = context.acceptedFirst as AcceptedCommand | undefined;
    if (accepted) return flow.complete(accepted, respond);
    // Socket Mode: background work in worker threads pauses until the ack has gone out
    const acknowledged = openForeground();
    try {
      const acknowledge = async (payload: AckPayload) => {
        await (payload ? ack(payload) : ack());
      };
      await flow.handle({ ...slashCommandRequest(command, acknowledge, receiptOf(context)), respond });
    } finally {
      acknowledged();
    }
  });

  // Slash commands and buttons are checked by the flow (and refused with a message); anything else
  // from a workspace the bot does not answer (an event) stops here, audited.
  app.use(async (args) => {
    const { body, context, next } = args;
    const kind = (body as { type?: string }).type;
    const isCommandOrButton = typeof (body as { command?: unknown }).command === 'string' || kind === 'block_actions';
    const caller = {
      platform: 'slack' as const,
      userId: context.userId ?? '',
      ...(context.teamId ? { workspaceId: context.teamId } : {}),
      ...(context.enterpriseId ? { enterpriseId: context.enterpriseId } : {}),
    };
    const refusal = isCommandOrButton ? undefined : bot.tenancy.workspaceRefusal(caller);
    if (!refusal) return next();
    const what = kind === 'event_callback' ? `event ${String((body as { event?: { type?: unknown } }).event?.type ?? '?')}` : (kind ?? '?');
    logger.warn({ teamId: context.teamId, kind: what }, 'slack: refused a request from a workspace the bot does not answer');
    bot.auditRefusal(caller, what.slice(0, 100), refusal.message);
    // events were acknowledged by Bolt already; a shortcut or a view is acknowledged with nothing
    const ack = (args as { ack?: () => Promise<void> }).ack;
    if (ack) await ack();
  });

  // A button carries its typed command; running it through the same flow applies the same role checks.
  app.action(PLAIN_ACTION, async ({ ack, body, action, respond, context }) => {
    await ack();
    const value = (action as { value?: string }).value;
    const channelId =
      (body as { channel?: { id?: string } }).channel?.id ??
      (body as { container?: { channel_id?: string } }).container?.channel_id ??
      (value ? await homeButtonChannel(body, poster, logger) : undefined);
    if (!value || !channelId) return;
    const hasResponseUrl = Boolean((body as { response_url?: string }).response_url);
    await flow.handle({
      receipt: receiptOf(context),
      text: value,
      userId: body.user.id,
      userName: (body.user as { username?: string }).username,
      channelId,
      ...(context.teamId ? { teamId: context.teamId } : {}),
      ...(context.enterpriseId ? { enterpriseId: context.enterpriseId } : {}),
      respond: hasResponseUrl ? respond : undefined,
      acknowledge: async (payload) => {
        if (!payload) return;
        const message = { text: payload.text, ...(payload.blocks ? { blocks: payload.blocks } : {}) };
        await flow.answer(
          { text: value, userId: body.user.id, channelId, acknowledge: async () => {}, respond: hasResponseUrl ? respond : undefined },
          message as never,
          true,
        );
      },
    });
  });

  registerAskModal(app, { bot, flow, logger, limits, receiptOf });
  registerHomeTab(app, { bot, flow, client: app.client, logger, limits });
  // a CSV shared with no command: ask what it holds (the buttons run /import through the flow above)
  registerFileDrops(app, { bot, client: app.client, logger, limits });

  app.error(async (error) => {
    logger.error({ err: error }, 'slack: unhandled error in a listener');
  });

  bot.setNotifier(
    'slack',
    async (target, reply) => {
      // `direct`: channelId is a user; their direct messages with the bot are a conversation of its own (charts upload there)
      const channelId = target.direct ? await poster.directChannel(target.channelId) : target.channelId;
      return { platform: 'slack', channelId, messageIds: await poster.postReply(channelId, reply, target.thread) };
    },
    (posted, reply) => poster.updateReply(posted.channelId, posted.messageIds, reply),
  );

  const port = options.port ?? config.PORT;
  let server: Server | undefined;
  let routeServer: Server | undefined;
  if (socketMode) {
    try {
      await app.start();
    } catch (error) {
      const code = slackErrorCode(error);
      await app.stop().catch(() => undefined);
      throw new ConfigError(
        `SLACK_APP_TOKEN could not open a Socket Mode connection (${code}): create an app-level token with the connections:write scope (Basic Information > App-Level Tokens) and turn Socket Mode on.`,
      );
    }
    if (routes.length) routeServer = server = await startRouteServer(routes, port, options.host);
  } else {
    server = (await app.start({ port, ...(options.host ? { host: options.host } : {}) })) as Server;
  }
  // Socket Mode: the connection's state as its client reports it (Bolt keeps its receiver private)
  let socketUp = true;
  const socketClient = (app as unknown as { receiver?: { client?: EventEmitter } }).receiver?.client;
  if (socketMode && socketClient) {
    socketClient.on('connected', () => (socketUp = true));
    for (const event of ['disconnected', 'reconnecting']) socketClient.on(event, () => (socketUp = false));
  }
  const boundPort = server ? (server.address() as AddressInfo).port : undefined;
  logger.info({ mode: socketMode ? 'socket' : 'http', port: boundPort }, 'slack adapter started');

  /** Acknowledged commands dispatched (HTTP mode), run and answered. */
  const idle = async () => {
    await receiver?.idle();
    await forms.idle();
    await flow.idle();
  };
  return {
    name: 'slack',
    mode: socketMode ? 'socket' : 'http',
    app,
    client: app.client,
    server,
    port: boundPort,
    post: async (channelId, reply) => {
      await poster.postReply(channelId, reply);
    },
    idle,
    connected: () => socketUp,
    stop: async () => {
      await idle();
      if (routeServer) await closeServer(routeServer);
      await app.stop();
    },
  };
}

/**
 * The workspaces the bot answers: SLACK_TEAM_ID when set (a workspace id, or an Enterprise Grid
 * organization id for an org-wide install), else the workspace the token belongs to (auth.test)
 * and, on Enterprise Grid, its organization.
 */
export function allowedWorkspaces(config: Config, identity: { team_id?: string; enterprise_id?: string }): string[] {
  if (config.SLACK_TEAM_ID) return [config.SLACK_TEAM_ID];
  return [identity.team_id, identity.enterprise_id].filter((id): id is string => Boolean(id));
}

export const startSlack: StartAdapter = (options) => startSlackAdapter(options);
