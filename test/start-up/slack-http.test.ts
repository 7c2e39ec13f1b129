import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeSlack, postSlashCommand } from '../fakes/slack.ts';
import { killAllBots, SPAWN_TEST_TIMEOUT_MS, type SpawnedBot, spawnSlackHttpBot } from '../helpers/spawn-bot.ts';
import { createEmptyTestStore, type TestStore } from '../helpers/store.ts';
import { httpSend, SLACK_USER, slackImportAndShow } from './chat-flows.ts';

const BOT_TOKEN = 'xoxb-startup-bot-token';
const SIGNING_SECRET = 'startup-signing-secret';

let fake: FakeSlack;
let store: TestStore;
let bot: SpawnedBot;
let baseUrl: string;

beforeAll(async () => {
  fake = new FakeSlack({ botToken: BOT_TOKEN });
  await fake.start();
  store = await createEmptyTestStore();
  ({ bot, baseUrl } = await spawnSlackHttpBot({
    databaseUrl: store.url,
    apiUrl: fake.apiUrl,
    botToken: BOT_TOKEN,
    signingSecret: SIGNING_SECRET,
    env: { BOT_ADMINS: SLACK_USER },
  }));
});

afterAll(async () => {
  await killAllBots();
  await fake?.stop();
  await store?.close();
});

describe('npm start with Slack in HTTP mode', () => {
  it(
    'starts, serves /slack/events on PORT and logs that it is running',
    async () => {
      const ready = await bot.ready();
      expect(ready.adapters).toEqual(['slack', 'campaigns', 'digests', 'sources']);
      expect(fake.callsTo('auth.test')[0]!.token).toBe(BOT_TOKEN);
      expect(bot.logs().find((line) => line.msg === 'slack adapter started')).toMatchObject({ mode: 'http' });
    },
    SPAWN_TEST_TIMEOUT_MS,
  );

  it(
    'refuses a slash command signed with another secret',
    async () => {
      const refused = await postSlashCommand(baseUrl, 'not-the-secret', { command: '/help', response_url: fake.responseUrl('forged') });
      expect(refused.status).toBe(401);
    },
    SPAWN_TEST_TIMEOUT_MS,
  );

  it(
    'imports a CSV shared in the channel with /import customers, then shows a customer',
    async () => {
      await slackImportAndShow(fake, httpSend(baseUrl, SIGNING_SECRET), store.db, 'http');
    },
    SPAWN_TEST_TIMEOUT_MS,
  );

  it(
    'exits with code 0 on SIGTERM',
    async () => {
      expect(await bot.stop()).toEqual({ code: 0, signal: null });
    },
    SPAWN_TEST_TIMEOUT_MS,
  );
});
