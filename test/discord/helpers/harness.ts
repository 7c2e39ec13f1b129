import { createServer, type Server } from 'node:http';
import path from 'node:path';
import pino from 'pino';
import { createDiscordAdapter, type RunningDiscord } from '../../../adapters/discord/index.ts';
import type { DiscordTiming } from '../../../adapters/discord/interactions.ts';
import { loadConfig, type Config } from '../../../src/config/config.ts';
import { Bot } from '../../../src/core/bot.ts';
import { FakeDiscord, type InteractionInput } from '../../fakes/discord.ts';
import { closeServer, listen } from '../../fakes/http-body.ts';
import { createTestStore, type TestStore } from '../../helpers/store.ts';
import type { CommandRegistry } from '../../../src/core/registry.ts';
import { testRegistry } from './test-registry.ts';

export const TOKEN = 'fake-discord-bot-token';
export const MARKETING_ROLE = '1400000000000000001';
export const GROWTH_CHANNEL = '1300000000000000001';
export const DIGEST_CHANNEL = '1300000000000000002';

export interface Harness {
  fake: FakeDiscord;
  store: TestStore;
  bot: Bot;
  config: Config;
  adapter: RunningDiscord;
  files: FileHost;
  rejections: unknown[];
  close(): Promise<void>;
}

/** Serves attachment bytes on 127.0.0.1, as Discord's CDN would. */
export class FileHost {
  readonly #files = new Map<string, Buffer>();
  #server?: Server;
  #port = 0;

  async start(): Promise<void> {
    this.#server = createServer((req, res) => {
      const data = this.#files.get(req.url ?? '');
      res.writeHead(data ? 200 : 404, { 'content-type': 'text/csv' });
      res.end(data ?? '');
    });
    this.#port = await listen(this.#server);
  }

  add(name: string, data: string): string {
    const key = `/attachments/${this.#files.size + 1}/${name}`;
    this.#files.set(key, Buffer.from(data));
    return `http://127.0.0.1:${this.#port}${key}`;
  }

  async stop(): Promise<void> {
    if (this.#server) await closeServer(this.#server);
  }
}

/** The real Bot over a test store, the real discord.js client against the fake Discord. */
export async function startHarness(
  timing: Partial<DiscordTiming> = {},
  env: Record<string, string> = {},
  registry?: CommandRegistry,
  logger: pino.Logger = pino({ level: process.env.HARNESS_LOG ?? 'silent' }),
): Promise<Harness> {
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown) => rejections.push(reason);
  process.on('unhandledRejection', onRejection);
  const fake = new FakeDiscord({ token: TOKEN });
  await fake.start();
  const files = new FileHost();
  await files.start();
  const store = await createTestStore();
  const config = loadConfig({
    DATABASE_URL: store.url,
    DISCORD_TOKEN: TOKEN,
    DISCORD_APP_ID: fake.applicationId,
    DISCORD_GUILD_ID: fake.guilds[0]!.id,
    DISCORD_API_URL: fake.apiUrl,
    ROLE_MAP: `discord:${MARKETING_ROLE}=analyst`,
    LOG_LEVEL: 'silent',
    ...env,
  });
  const bot = new Bot({ db: store.db, config, logger, registry: registry ?? (await testRegistry()), outDir: path.join(store.dir, 'out') });
  const adapter = await createDiscordAdapter({
    bot,
    config,
    logger,
    timing: { ackAfterMs: 300, progressIntervalMs: 20, ...timing },
    readyTimeoutMs: 10_000,
  });
  return {
    fake,
    store,
    bot,
    config,
    adapter,
    files,
    rejections,
    close: async () => {
      await adapter.stop();
      await fake.stop();
      await files.stop();
      await store.close();
      process.off('unhandledRejection', onRejection);
    },
  };
}

/** An INTERACTION_CREATE whose options include attachments (type 11) resolved as Discord does. */
export function sendWithAttachments(
  fake: FakeDiscord,
  input: InteractionInput,
  attachments: Record<string, { filename: string; url: string; size: number }>,
): Record<string, unknown> {
  const interaction = fake.buildInteraction(input);
  const data = interaction.data as { options: { name: string; type: number; value?: unknown; options?: unknown[] }[]; resolved?: unknown };
  const resolved: Record<string, unknown> = {};
  const leaf = (data.options[0]?.type === 1 ? data.options[0].options : data.options) as { name: string; type: number; value?: unknown }[];
  for (const [option, file] of Object.entries(attachments)) {
    const id = `17000000000000000${String(Object.keys(resolved).length + 1).padStart(2, '0')}`;
    resolved[id] = { id, filename: file.filename, size: file.size, url: file.url, proxy_url: file.url, content_type: 'text/csv' };
    leaf.push({ name: option, type: 11, value: id });
  }
  data.resolved = { attachments: resolved };
  fake.interactions.set(interaction.id as string, interaction);
  fake.dispatch('INTERACTION_CREATE', interaction);
  return interaction;
}

/** Every message body the bot sent for one interaction: the callback's data, edits and follow-ups, in order. */
export function answersTo(
  fake: FakeDiscord,
  interaction: Record<string, unknown>,
): { kind: string; body: Record<string, unknown>; files: string[] }[] {
  const out: { kind: string; body: Record<string, unknown>; files: string[] }[] = [];
  for (const callback of fake.callbacksFor(interaction.id as string)) {
    out.push({ kind: `callback-${callback.type}`, body: callback.data ?? {}, files: callback.files.map((f) => f.filename) });
  }
  for (const message of fake.webhookMessagesFor(interaction.token as string)) {
    out.push({ kind: message.kind, body: message.body ?? {}, files: message.files.map((f) => f.filename) });
  }
  return out;
}
