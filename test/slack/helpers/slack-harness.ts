import pino from 'pino';
import type { Bot } from '../../../src/core/bot.ts';
import type { CustomRoute } from '@slack/bolt';
import { startSlackAdapter, type RunningSlackAdapter } from '../../../adapters/slack/start.ts';
import type { SlackLimits } from '../../../adapters/slack/limits.ts';
import { foregroundOpen } from '../../../src/jobs/foreground.ts';
import { FakeSlack, type FakeSlackOptions } from '../../fakes/slack.ts';
import { createTestBot } from '../../helpers/bot.ts';
import { createTestStore, type TestStore } from '../../helpers/store.ts';
import { slackTestCommands } from './test-commands.ts';

export const BOT_TOKEN = 'xoxb-test-bot-token';
export const APP_TOKEN = 'xapp-test-app-token';
export const SIGNING_SECRET = 'test-signing-secret';

export interface SlackHarness {
  fake: FakeSlack;
  store: TestStore;
  bot: Bot;
  adapter: RunningSlackAdapter;
  /** http://127.0.0.1:<port> of the adapter's server. */
  baseUrl: string;
  /** Socket Mode: sends an envelope and resolves with the app's ack payload. */
  sendEnvelope(type: string, payload: unknown): Promise<unknown>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  mode: 'http' | 'socket';
  env?: Record<string, string>;
  routes?: CustomRoute[];
  limits?: Partial<SlackLimits>;
  /** More options of the fake Slack (its workspace, organization). */
  fake?: FakeSlackOptions;
}

/** The real Bolt app of the adapter, over the real bot core, against FakeSlack on 127.0.0.1. */
export async function startHarness(options: HarnessOptions): Promise<SlackHarness> {
  const fake = new FakeSlack({ botToken: BOT_TOKEN, appToken: APP_TOKEN, ...options.fake });
  await fake.start();
  const store = await createTestStore();
  const env = {
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_API_URL: fake.apiUrl,
    ...(options.mode === 'socket' ? { SLACK_APP_TOKEN: APP_TOKEN } : { SLACK_SIGNING_SECRET: SIGNING_SECRET }),
    ...options.env,
  };
  const bot = await createTestBot(store.db, store.dir, { env });
  for (const command of slackTestCommands()) bot.registry.add(command);
  const adapter = await startSlackAdapter({
    bot,
    config: bot.config,
    logger: pino({ level: 'silent' }),
    host: '127.0.0.1',
    port: 0,
    retryConfig: { retries: 2, factor: 1, minTimeout: 10, maxTimeout: 50 },
    limits: { channelPostIntervalMs: 20, ...options.limits },
    ...(options.routes ? { routes: options.routes } : {}),
  });
  if (options.mode === 'socket') await fake.waitForSocket();
  return {
    fake,
    store,
    bot,
    adapter,
    baseUrl: adapter.port ? `http://127.0.0.1:${adapter.port}` : '',
    sendEnvelope: (type, payload) => fake.sendEnvelope(type, payload),
    close: async () => {
      await adapter.stop();
      await fake.stop();
      await store.close();
    },
  };
}

/** Every block of every message the adapter sent for one response URL id. */
export function responseBodies(
  fake: FakeSlack,
  id: string,
): { response_type?: string; text?: string; blocks?: { type: string; text?: { text: string } }[] }[] {
  return fake.responsesTo(id) as never;
}

export function blockTexts(blocks: unknown): string {
  return JSON.stringify(blocks ?? []);
}

/**
 * Sends `/ingest` (which lists the channel's files before its ack) through `send` and returns
 * how many chat requests were open at that moment, and after the command was answered.
 */
export async function openAroundAck(h: SlackHarness, send: () => Promise<void>): Promise<{ beforeAck: number[]; after: number }> {
  const beforeAck: number[] = [];
  h.fake.on('files.list', () => {
    beforeAck.push(foregroundOpen());
    return undefined;
  });
  try {
    await send();
    await h.adapter.idle();
    return { beforeAck, after: foregroundOpen() };
  } finally {
    h.fake.off('files.list');
  }
}
