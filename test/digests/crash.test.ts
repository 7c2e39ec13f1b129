import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSchedule } from '../../src/digests/schedules.ts';
import { FakeSlack } from '../fakes/slack.ts';
import { freePort, killAllBots, SPAWN_TEST_TIMEOUT_MS, spawnBot, type SpawnedBot } from '../helpers/spawn-bot.ts';
import { createTestStore, type TestStore } from '../helpers/store.ts';

// kill -9 between the claim of a digest fire time and its post, in the real program (npm start) against
// FakeSlack: the next start takes the expired claim over and posts it exactly once, saying it is late.
// GROWTHBOT_TEST_CRASH_AT=digest-after-claim makes the bot SIGKILL itself right after the claim.
const BOT_TOKEN = 'xoxb-digest-crash';
const SIGNING_SECRET = 'digest-crash-secret';
const CHANNEL = 'C0CRASHED';
const LEASE_SECONDS = 2;

let fake: FakeSlack;
let store: TestStore;
let scheduleId: number;
let fireTime: string;

beforeAll(async () => {
  fake = new FakeSlack({ botToken: BOT_TOKEN });
  await fake.start();
  store = await createTestStore();
  // Daily at the minute two minutes ago (UTC): a fire time the bot missed, well inside the 6 h grace.
  const fire = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 2 * 60_000);
  fireTime = fire.toISOString();
  scheduleId = (
    await createSchedule(
      store.db,
      {
        platform: 'slack',
        channelId: CHANNEL,
        cron: `${fire.getUTCMinutes()} ${fire.getUTCHours()} * * *`,
        timeZone: 'UTC',
        sections: ['kpis'],
        period: 'week',
        onlyOnChange: false,
        createdBy: 'U0OWNER',
        createdByPlatform: 'slack',
        createdByChannel: 'C0OWNER',
      },
      new Date(fire.getTime() - 3_600_000),
    )
  ).id;
});

afterAll(async () => {
  await killAllBots();
  await fake?.stop();
  await store?.close();
});

async function startBot(env: Record<string, string> = {}): Promise<SpawnedBot> {
  return spawnBot({
    databaseUrl: store.url,
    env: {
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: fake.apiUrl,
      PORT: String(await freePort()),
      DIGEST_LEASE_SECONDS: String(LEASE_SECONDS),
      LOG_LEVEL: 'info',
      ...env,
    },
  });
}

const digestPosts = () => fake.callsTo('chat.postMessage').filter((c) => c.params.channel === CHANNEL);
const runsOf = () => store.db.selectFrom('digest_runs').selectAll().where('schedule_id', '=', scheduleId).execute();

describe('a digest survives kill -9 between claim and post', () => {
  it(
    'the killed start leaves a claim; the next start posts it once, delayed; a third start posts nothing',
    async () => {
      const crashing = await startBot({ GROWTHBOT_TEST_CRASH_AT: 'digest-after-claim' });
      const exit = await crashing.exited;
      expect(exit.signal, crashing.describe()).toBe('SIGKILL');
      const claimed = await runsOf();
      expect(claimed).toHaveLength(1);
      expect(claimed[0]).toMatchObject({ fire_time: fireTime, status: 'claimed', posted_at: null });
      expect(claimed[0]!.claimed_by).toMatch(/:\d+:[0-9a-f]{6}$/);
      expect(digestPosts()).toHaveLength(0);

      const second = await startBot();
      await second.ready();
      // taken over at start if its lease (2 s) had already expired, else by the lease timer once it does
      const deadline = Date.now() + 30_000;
      while ((await runsOf())[0]!.status === 'claimed' && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
      const [posted] = await runsOf();
      expect(posted, second.describe()).toMatchObject({ fire_time: fireTime, status: 'posted', delayed: 1, attempts: 1 });
      expect(posted!.detail).toMatch(/^delayed: the bot was down from \d{4}-\d\d-\d\d \d\d:\d\d .*UTC.* to /);
      expect(digestPosts()).toHaveLength(1);
      expect(JSON.stringify(digestPosts()[0]!.params)).toContain('(delayed: the bot was down from ');
      expect(second.logs().some((l) => l.msg === 'taking over a digest claim whose lease expired without a post')).toBe(true);
      expect(await second.stop()).toEqual({ code: 0, signal: null });

      const third = await startBot();
      await third.ready();
      await new Promise((resolve) => setTimeout(resolve, (LEASE_SECONDS + 1) * 1_000));
      expect(await third.stop()).toEqual({ code: 0, signal: null });
      expect(digestPosts()).toHaveLength(1);
      expect(await runsOf()).toHaveLength(1);
    },
    SPAWN_TEST_TIMEOUT_MS * 2,
  );
});
