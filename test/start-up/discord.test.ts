import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeDiscord } from '../fakes/discord.ts';
import { freePort, killAllBots, SPAWN_TEST_TIMEOUT_MS, spawnBot, type SpawnedBot } from '../helpers/spawn-bot.ts';
import { createEmptyTestStore, type TestStore } from '../helpers/store.ts';
import { DISCORD_USER, discordImportAndShow } from './chat-flows.ts';

const TOKEN = 'fake-startup-discord-token';

let fake: FakeDiscord;
let store: TestStore;
let bot: SpawnedBot;

beforeAll(async () => {
  fake = new FakeDiscord({ token: TOKEN });
  await fake.start();
  store = await createEmptyTestStore();
  bot = spawnBot({
    databaseUrl: store.url,
    env: {
      DISCORD_TOKEN: TOKEN,
      DISCORD_APP_ID: fake.applicationId,
      DISCORD_GUILD_ID: fake.guilds[0]!.id,
      DISCORD_API_URL: fake.apiUrl,
      BOT_ADMINS: DISCORD_USER,
      PORT: String(await freePort()),
    },
  });
});

afterAll(async () => {
  await killAllBots();
  await fake?.stop();
  await store?.close();
});

describe('npm start with Discord', () => {
  it(
    'starts, logs in over the gateway and logs that it is running',
    async () => {
      const ready = await bot.ready();
      expect(ready.adapters).toEqual(['discord', 'campaigns', 'digests', 'sources']);
      expect(fake.identifies[0]!.token).toBe(TOKEN);
      expect(fake.socketCount).toBe(1);
    },
    SPAWN_TEST_TIMEOUT_MS,
  );

  it(
    'imports a CSV attached to /import customers, then shows a customer',
    async () => {
      await discordImportAndShow(fake, store.db, 'discord');
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
