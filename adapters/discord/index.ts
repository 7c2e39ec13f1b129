import { once } from 'node:events';
import { Client, Events, GatewayIntentBits, type Guild } from 'discord.js';
import { ConfigError, type Config } from '../../src/config/config.ts';
import { StartupError } from '../../src/lifecycle/start-up-errors.ts';
import type { AdapterOptions, RunningAdapter, StartAdapter } from '../../src/core/adapter.ts';
import { ButtonIds } from './button-ids.ts';
import { buildCommandBindings } from './commands.ts';
import { editInChannel, sendToChannel, sendToUser } from './deliver.ts';
import { DEFAULT_TIMING, InteractionHandler, type DiscordTiming } from './interactions.ts';
import { checkRegistration, type RegistrationCheck } from './register.ts';
import { attachmentUploads, registerFileDrops } from './file-drops.ts';

export { buildCommandBindings, commandPayloads } from './commands.ts';
export { checkRegistration, registerCommands } from './register.ts';
export { renderReply } from './render.ts';
export { DISCORD_LIMITS } from './limits.ts';
export { BOT_PERMISSIONS, inviteUrl } from './invite.ts';

export interface DiscordAdapterOptions extends AdapterOptions {
  timing?: Partial<DiscordTiming>;
  /** How long login may take before start fails. */
  readyTimeoutMs?: number;
}

export interface RunningDiscord extends RunningAdapter {
  client: Client;
  handler: InteractionHandler;
  /** The start-up comparison of Discord's registered commands with the registry (undefined when it could not be made). */
  registration: Promise<RegistrationCheck | undefined>;
  /** The servers not on the allow-list that the bot has left since it started, by id. */
  left: string[];
}

/** The servers the bot serves: DISCORD_GUILD_IDS and DISCORD_GUILD_ID; empty means any. */
export function allowedGuildIds(config: Config): string[] {
  return [...new Set([...config.DISCORD_GUILD_IDS, ...(config.DISCORD_GUILD_ID ? [config.DISCORD_GUILD_ID] : [])])];
}

/**
 * Connects to the Discord gateway (Guilds and GuildMessages intents) and answers slash commands, buttons and
 * autocomplete through the shared Bot; registers the 'discord' notifier for channel posts.
 */
export async function createDiscordAdapter(options: DiscordAdapterOptions): Promise<RunningDiscord> {
  const { bot, config } = options;
  const logger = options.logger.child({ adapter: 'discord' });
  if (!config.DISCORD_TOKEN || !config.DISCORD_APP_ID)
    throw new ConfigError('DISCORD_TOKEN and DISCORD_APP_ID are both needed: copy them from the Discord Developer Portal (your app).');
  const client = new Client({
    // GuildMessages: messages that mention the bot with a CSV attached (file-drops.ts); no privileged intent
    intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages],
    ...(config.DISCORD_API_URL ? { rest: { api: config.DISCORD_API_URL } } : {}),
  });
  const buttonIds = new ButtonIds();
  const handler = new InteractionHandler({
    bot,
    client,
    logger,
    bindings: buildCommandBindings(bot.registry),
    buttonIds,
    timing: { ...DEFAULT_TIMING, ...options.timing },
    sharedUploads: attachmentUploads,
  });
  registerFileDrops({ bot, client, logger, render: (reply) => handler.render(reply) });

  const allowed = allowedGuildIds(config);
  bot.tenancy.set('discord', { allowed, setting: 'DISCORD_GUILD_IDS', restrictDirectMessages: true });
  if (allowed.length === 0) {
    logger.warn(
      'DISCORD_GUILD_IDS is empty: any Discord server that adds the bot can use it and read its data. Set DISCORD_GUILD_IDS to your server ids.',
    );
  }
  const left: string[] = [];
  /** A server not on the allow-list is left at once (its id logged; nothing about its members). */
  const leaveIfNotAllowed = async (guild: Guild) => {
    if (bot.tenancy.allowsId('discord', guild.id)) return;
    try {
      await guild.leave();
      left.push(guild.id);
      logger.warn({ guild: guild.id }, 'discord: left a server that is not in DISCORD_GUILD_IDS');
    } catch (error) {
      logger.error({ err: error, guild: guild.id }, 'discord: could not leave a server that is not in DISCORD_GUILD_IDS');
    }
  };
  client.on(Events.GuildCreate, (guild) => void leaveIfNotAllowed(guild));
  client.on(Events.InteractionCreate, (interaction) => void handler.handle(interaction));
  client.on(Events.Error, (error) => logger.error({ err: error }, 'discord client error'));
  client.on(Events.Warn, (message) => logger.warn({ message }, 'discord client warning'));
  client.on(Events.ShardError, (error, shardId) => logger.error({ err: error, shardId }, 'discord shard error'));
  client.on(Events.ShardDisconnect, (event, shardId) => logger.warn({ code: event.code, shardId }, 'discord shard disconnected'));
  client.on(Events.ShardReconnecting, (shardId) => logger.info({ shardId }, 'discord shard reconnecting'));
  client.on(Events.Invalidated, () => logger.error('discord session invalidated'));

  bot.setNotifier(
    'discord',
    async (target, reply) => {
      if (target.direct) return sendToUser(client, target.channelId, handler.render(reply));
      return {
        platform: 'discord',
        channelId: target.channelId,
        messageIds: await sendToChannel(client, target.channelId, handler.render(reply), undefined, target.thread),
      };
    },
    (posted, reply) => editInChannel(client, posted.channelId, posted.messageIds, handler.render(reply)),
  );

  const timeoutMs = options.readyTimeoutMs ?? 60_000;
  const abort = AbortSignal.timeout(timeoutMs);
  const ready = once(client, Events.ClientReady, { signal: abort });
  try {
    await client.login(config.DISCORD_TOKEN);
    await ready;
  } catch (error) {
    await client.destroy();
    throw loginProblem(error, abort.aborted ? timeoutMs : undefined, config.DISCORD_API_URL);
  }
  logger.info({ user: client.user?.tag, commands: bot.registry.names().length }, 'discord adapter ready');
  // the servers it was in before this start (joined while it was down): those not allowed are left now
  await Promise.all([...client.guilds.cache.values()].map(leaveIfNotAllowed));
  const registration = checkRegistration(config, bot.registry, client.rest).then(
    (check) => {
      const { scope, missing, outdated, extra } = check;
      if (missing.length + outdated.length + extra.length > 0) {
        const what = [
          missing.length ? `not registered: /${missing.join(', /')}` : '',
          outdated.length ? `changed since they were registered: /${outdated.join(', /')}` : '',
          extra.length ? `no longer defined: /${extra.join(', /')}` : '',
        ]
          .filter(Boolean)
          .join('; ');
        logger.warn(
          { scope, missing, outdated, extra },
          `Discord's ${scope} slash commands are out of date (${what}): run npm run discord:register`,
        );
      }
      return check;
    },
    (error: unknown) => {
      logger.warn({ err: error }, 'could not compare the slash commands registered in Discord with the bot’s');
      return undefined;
    },
  );
  return {
    name: 'discord',
    client,
    handler,
    registration,
    left,
    connected: () => client.isReady(),
    stop: async () => {
      await client.destroy();
    },
  };
}

/** Why login failed, as one sentence naming the setting or resource and what to do. */
function loginProblem(error: unknown, timedOutAfterMs: number | undefined, apiUrl: string | undefined): Error {
  const { code, status } = error as { code?: unknown; status?: unknown };
  if (code === 'TokenInvalid' || status === 401)
    return new ConfigError(
      'DISCORD_TOKEN was rejected by Discord (401 Unauthorized): copy the current bot token from the Developer Portal (your app > Bot > Reset Token).',
    );
  const at = apiUrl ? ` at DISCORD_API_URL=${apiUrl}` : '';
  const check = `check the network connection${apiUrl ? ' and DISCORD_API_URL' : ''}, then start the bot again`;
  if (timedOutAfterMs !== undefined)
    return new StartupError(`Discord${at} did not let the bot connect within ${timedOutAfterMs / 1000} s: ${check}.`, { cause: error });
  const reason = error instanceof Error ? error.message : String(error);
  return new StartupError(`Discord could not be reached${at} (${reason}): ${check}.`, { cause: error });
}

export const startDiscord: StartAdapter = (options) => createDiscordAdapter(options);
