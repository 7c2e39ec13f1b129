import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSlackAdapter } from '../../adapters/slack/start.ts';
import { ConfigError } from '../../src/config/config.ts';
import { FakeSlack } from '../fakes/slack.ts';
import { createTestBot } from '../helpers/bot.ts';
import { createTestStore, type TestStore } from '../helpers/store.ts';
import { APP_TOKEN, BOT_TOKEN } from './helpers/slack-harness.ts';

let fake: FakeSlack;
let store: TestStore;

beforeAll(async () => {
  fake = new FakeSlack({ botToken: BOT_TOKEN, appToken: APP_TOKEN });
  await fake.start();
  store = await createTestStore();
});

afterAll(async () => {
  await fake.stop();
  await store.close();
});

async function start(env: Record<string, string>) {
  const bot = await createTestBot(store.db, store.dir, { env: { SLACK_API_URL: fake.apiUrl, ...env } });
  return startSlackAdapter({
    bot,
    config: bot.config,
    logger: pino({ level: 'silent' }),
    host: '127.0.0.1',
    port: 0,
    retryConfig: { retries: 0 },
  });
}

describe('Slack adapter start-up', () => {
  it('names SLACK_BOT_TOKEN when Slack rejects the bot token', async () => {
    const error = await start({ SLACK_BOT_TOKEN: 'xoxb-revoked', SLACK_SIGNING_SECRET: 's' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/^SLACK_BOT_TOKEN was rejected by Slack \(invalid_auth\)/);
  });

  it('names SLACK_APP_TOKEN when the Socket Mode connection is refused', async () => {
    const error = await start({ SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_APP_TOKEN: 'xapp-wrong' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/^SLACK_APP_TOKEN could not open a Socket Mode connection \(invalid_auth\)/);
  });

  it('needs the bot token and an app token or signing secret', async () => {
    const bot = await createTestBot(store.db, store.dir);
    await expect(startSlackAdapter({ bot, config: bot.config, logger: pino({ level: 'silent' }) })).rejects.toThrow(
      /^SLACK_BOT_TOKEN is not set/,
    );
  });

  it('starts in HTTP mode with the signing secret and stops cleanly', async () => {
    const adapter = await start({ SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_SIGNING_SECRET: 's' });
    expect(adapter.mode).toBe('http');
    expect(adapter.port).toBeGreaterThan(0);
    await adapter.stop();
  });
});
