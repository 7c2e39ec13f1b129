import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeDiscord } from '../fakes/discord.ts';
import { FakeSlack } from '../fakes/slack.ts';
import { freePort, killAllBots, SPAWN_TEST_TIMEOUT_MS, spawnBot, type SpawnedBot } from '../helpers/spawn-bot.ts';
import { createEmptyTestStore, type TestStore } from '../helpers/store.ts';
import { DISCORD_USER, discordImportAndShow, SLACK_USER, slackImportAndShow, socketSend } from './chat-flows.ts';

const SLACK_BOT_TOKEN = 'xoxb-startup-bot-token';
const SLACK_APP_TOKEN = 'xapp-startup-app-token';
const DISCORD_TOKEN = 'fake-startup-discord-token';

let slack: FakeSlack;
let discord: FakeDiscord;
let store: TestStore;
let bot: SpawnedBot;

beforeAll(async () => {
  slack = new FakeSlack({ botToken: SLACK_BOT_TOKEN, appToken: SLACK_APP_TOKEN });
  await slack.start();
  discord = new FakeDiscord({ token: DISCORD_TOKEN });
  await discord.start();
  store = await createEmptyTestStore();
  bot = spawnBot({
    databaseUrl: store.url,
    env: {
      SLACK_BOT_TOKEN,
      SLACK_APP_TOKEN,
      SLACK_API_URL: slack.apiUrl,
      DISCORD_TOKEN,
      DISCORD_APP_ID: discord.applicationId,
      DISCORD_GUILD_ID: discord.guilds[0]!.id,
      DISCORD_API_URL: discord.apiUrl,
      BOT_ADMINS: `${SLACK_USER},${DISCORD_USER}`,
      PORT: String(await freePort()),
    },
  });
});

afterAll(async () => {
  await killAllBots();
  await slack?.stop();
  await discord?.stop();
  await store?.close();
});

describe('npm start with Slack (Socket Mode) and Discord in one process', () => {
  it(
    'starts both adapters and logs that it is running',
    async () => {
      const ready = await bot.ready();
      expect(ready.adapters).toEqual(['slack', 'discord', 'campaigns', 'digests', 'sources']);
      await slack.waitForSocket();
      expect(discord.socketCount).toBe(1);
    },
    SPAWN_TEST_TIMEOUT_MS,
  );

  it(
    'imports and answers on Slack and on Discord, into the one store',
    async () => {
      await slackImportAndShow(slack, socketSend(slack), store.db, 'both');
      await discordImportAndShow(discord, store.db, 'both');
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
