import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeSlack, postSlashCommand } from '../fakes/slack.ts';
import { killAllBots, SPAWN_TEST_TIMEOUT_MS, type SpawnedBot, spawnSlackHttpBot } from '../helpers/spawn-bot.ts';
import { createEmptyTestStore, type TestStore } from '../helpers/store.ts';

// npm start (env only) with SOURCES_FILE, against FakeSlack in HTTP mode: /source sync imports the
// newest export of a directory source, /source list shows it synced.
const BOT_TOKEN = 'xoxb-sources-deployed';
const SIGNING_SECRET = 'sources-deployed-secret';
const CHANNEL = 'C0SOURCES';
const USER = 'U0SOURCER';

let fake: FakeSlack;
let store: TestStore;
let bot: SpawnedBot;
let baseUrl: string;

beforeAll(async () => {
  fake = new FakeSlack({ botToken: BOT_TOKEN });
  await fake.start();
  store = await createEmptyTestStore();
  const exportsDir = path.join(store.dir, 'exports');
  mkdirSync(exportsDir);
  writeFileSync(
    path.join(exportsDir, 'orders-2026-11-24.csv'),
    'order_id,customer_id,order_date,amount\nDS1,DC1,2026-11-24,12.50\nDS2,DC2,2026-11-24,7.50\n',
  );
  const sourcesFile = path.join(store.dir, 'sources.yaml');
  writeFileSync(
    sourcesFile,
    `sources:\n  shop-exports:\n    type: directory\n    kind: orders\n    path: ${exportsDir}\n    glob: "orders-*.csv"\n    schedule: "0 6 * * *"\n`,
  );
  ({ bot, baseUrl } = await spawnSlackHttpBot({
    databaseUrl: store.url,
    apiUrl: fake.apiUrl,
    botToken: BOT_TOKEN,
    signingSecret: SIGNING_SECRET,
    env: { BOT_ADMINS: USER, SOURCES_FILE: sourcesFile },
  }));
});

afterAll(async () => {
  await killAllBots();
  await fake?.stop();
  await store?.close();
});

/** Every message the bot sent for one slash command: its ack, response_url posts and channel posts. */
function messages(id: string, ack: unknown): string[] {
  return [
    JSON.stringify(ack ?? ''),
    ...fake.responsesTo(id).map((body) => JSON.stringify(body)),
    ...fake.callsTo('chat.postMessage').map((call) => JSON.stringify(call.params)),
    ...fake.callsTo('chat.update').map((call) => JSON.stringify(call.params)),
  ];
}

async function command(command: string, text: string, id: string, find: string): Promise<string> {
  const ack = await postSlashCommand(baseUrl, SIGNING_SECRET, {
    command,
    text,
    channel_id: CHANNEL,
    user_id: USER,
    response_url: fake.responseUrl(id),
  });
  expect(ack.status).toBe(200);
  return fake.waitFor(() => messages(id, ack.body).find((m) => m.includes(find)), 45_000);
}

describe('named sources, deployed', () => {
  it(
    'loads SOURCES_FILE at start; /source sync imports, /source list shows the sync',
    async () => {
      const ready = await bot.ready();
      expect(ready).toBeTruthy();
      expect(bot.logs().find((line) => line.msg === 'sources loaded')).toMatchObject({ sources: ['shop-exports'] });
      const synced = await command('/source', 'sync shop-exports', 'sync', '/source sync shop-exports');
      expect(synced).toContain('2 rows read: 2 orders inserted');
      const stored = await store.db.selectFrom('orders').select('order_id').orderBy('order_id').execute();
      expect(stored.map((r) => r.order_id)).toEqual(['DS1', 'DS2']);
      const listed = await command('/source', 'list', 'list', '/source list');
      expect(listed).toContain('shop-exports');
      expect(listed).toContain('2026-11-24');
      expect(await bot.stop()).toEqual({ code: 0, signal: null });
    },
    SPAWN_TEST_TIMEOUT_MS,
  );

  it(
    'a bad sources file stops the start, naming the source and the field',
    async () => {
      const bad = path.join(store.dir, 'bad-sources.yaml');
      writeFileSync(bad, 'sources:\n  shop:\n    type: postgres\n    kind: orders\n    connection: ${SHOP_DB_URL}\n    query: select 1\n');
      const { bot: failing } = await spawnSlackHttpBot({
        databaseUrl: store.url,
        apiUrl: fake.apiUrl,
        botToken: BOT_TOKEN,
        signingSecret: SIGNING_SECRET,
        env: { SOURCES_FILE: bad },
      });
      const exit = await failing.waitForExit(60_000);
      expect(exit.code).toBe(2);
      expect(failing.stderr).toContain('sources.shop.connection: ${SHOP_DB_URL} is not set in the environment');
    },
    SPAWN_TEST_TIMEOUT_MS,
  );
});
