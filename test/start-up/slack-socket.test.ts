import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeSlack } from '../fakes/slack.ts';
import { freePort, killAllBots, SPAWN_TEST_TIMEOUT_MS, spawnBot, type SpawnedBot } from '../helpers/spawn-bot.ts';
import { createEmptyTestStore, type TestStore } from '../helpers/store.ts';
import { SLACK_USER, slackImportAndShow, socketSend } from './chat-flows.ts';

const BOT_TOKEN = 'xoxb-startup-bot-token';
const APP_TOKEN = 'xapp-startup-app-token';

let fake: FakeSlack;
let store: TestStore;
let bot: SpawnedBot;

beforeAll(async () => {
  fake = new FakeSlack({ botToken: BOT_TOKEN, appToken: APP_TOKEN });
  await fake.start();
  store = await createEmptyTestStore();
  bot = spawnBot({
    databaseUrl: store.url,
    env: {
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_APP_TOKEN: APP_TOKEN,
      SLACK_API_URL: fake.apiUrl,
      BOT_ADMINS: SLACK_USER,
      PORT: String(await freePort()),
    },
  });
});

afterAll(async () => {
  await killAllBots();
  await fake?.stop();
  await store?.close();
});

describe('npm start with Slack in Socket Mode', () => {
  it(
    'starts, connects over Socket Mode and logs that it is running',
    async () => {
      const ready = await bot.ready();
      expect(ready.adapters).toEqual(['slack', 'campaigns', 'digests', 'sources']);
      expect(fake.callsTo('apps.connections.open')[0]!.token).toBe(APP_TOKEN);
      await fake.waitForSocket();
    },
    SPAWN_TEST_TIMEOUT_MS,
  );

  it(
    'imports a CSV shared in the channel with /import customers, then shows a customer',
    async () => {
      await slackImportAndShow(fake, socketSend(fake), store.db, 'socket');
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
