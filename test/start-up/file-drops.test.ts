import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blockActionPayload, FakeSlack, postBlockAction } from '../fakes/slack.ts';
import { fileShareEvent, postSlackEvent } from '../fakes/slack-requests.ts';
import { killAllBots, SPAWN_TEST_TIMEOUT_MS, type SpawnedBot, spawnSlackHttpBot } from '../helpers/spawn-bot.ts';
import { createEmptyTestStore, type TestStore } from '../helpers/store.ts';

// npm start (env only) against FakeSlack in HTTP mode: a CSV shared in a channel with no command gets the
// "Import this as …?" prompt; the Orders button imports that file, run as the person who clicks.
const BOT_TOKEN = 'xoxb-file-drops';
const SIGNING_SECRET = 'file-drops-secret';
const CHANNEL = 'C0DROPPED';
const USER = 'U0DROPPER';

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
    env: { BOT_ADMINS: USER },
  }));
});

afterAll(async () => {
  await killAllBots();
  await fake?.stop();
  await store?.close();
});

describe('a CSV dropped in Slack, deployed', () => {
  it(
    'is answered with the prompt; its Orders button imports the file',
    async () => {
      await bot.ready();
      const csv = 'order_id,customer_id,order_date,amount\nDEP1,DC1,2026-10-02,10.50\nDEP2,DC2,2026-10-03,20.00\n';
      const file = fake.addFile({ name: 'dropped.csv', content: csv, channels: [CHANNEL], user: USER });
      const shared = await postSlackEvent(
        baseUrl,
        SIGNING_SECRET,
        fileShareEvent({
          channel: CHANNEL,
          user: USER,
          files: [{ id: file.id, name: file.name, filetype: 'csv', size: file.size, user: USER }],
        }),
      );
      expect(shared.status).toBe(200);
      const prompt = await fake.waitFor(() => fake.callsTo('chat.postEphemeral').find((c) => c.params.channel === CHANNEL), 20_000);
      expect(prompt.params.user).toBe(USER);
      expect(JSON.stringify(prompt.params.blocks)).toContain(`"value":"/import orders file:${file.id}"`);

      const click = await postBlockAction(
        baseUrl,
        SIGNING_SECRET,
        blockActionPayload({
          actionId: 'growthbot:1',
          value: `/import orders file:${file.id}`,
          userId: USER,
          channelId: CHANNEL,
          responseUrl: fake.responseUrl('drop'),
        }),
      );
      expect(click.status).toBe(200);
      const deadline = Date.now() + 30_000;
      let stored: { order_id: string }[] = [];
      while (Date.now() < deadline) {
        stored = await store.db
          .selectFrom('orders')
          .select('order_id')
          .orderBy('order_id')
          .execute()
          .catch(() => []);
        if (stored.length === 2) break;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(stored.map((r) => r.order_id)).toEqual(['DEP1', 'DEP2']);
      expect(fake.downloads).toContainEqual({ fileId: file.id, authorized: true });
      expect(await bot.stop()).toEqual({ code: 0, signal: null });
    },
    SPAWN_TEST_TIMEOUT_MS,
  );
});
