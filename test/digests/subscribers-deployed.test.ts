import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSchedule, findSchedule } from '../../src/digests/schedules.ts';
import { blockActionPayload, FakeSlack, postBlockAction, postSlashCommand } from '../fakes/slack.ts';
import { killAllBots, SPAWN_TEST_TIMEOUT_MS, type SpawnedBot, spawnSlackHttpBot } from '../helpers/spawn-bot.ts';
import { createTestStore, type TestStore } from '../helpers/store.ts';

// The real program (npm start, env only) against FakeSlack: a person subscribes by typing /digest subscribe in
// a direct message; the digest fire time the bot catches up at start reaches the channel and that person's
// direct messages once; the post's Pause button is refused for a viewer and pauses for an admin.
const BOT_TOKEN = 'xoxb-digest-subscribers';
const SIGNING_SECRET = 'digest-subscribers-secret';
const CHANNEL = 'C0WEEKLY';
const ADMIN = 'U0ADMIN';
const READER = 'U0READER';

let fake: FakeSlack;
let store: TestStore;
let bot: SpawnedBot;
let baseUrl: string;
let scheduleId: number;

beforeAll(async () => {
  fake = new FakeSlack({ botToken: BOT_TOKEN });
  await fake.start();
  store = await createTestStore();
  // daily at the minute two minutes ago (UTC): missed, inside the grace, so the start catches it up
  const fire = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 2 * 60_000);
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
        createdBy: ADMIN,
        createdByPlatform: 'slack',
        createdByChannel: CHANNEL,
      },
      new Date(fire.getTime() - 3_600_000),
    )
  ).id;
  ({ bot, baseUrl } = await spawnSlackHttpBot({
    databaseUrl: store.url,
    apiUrl: fake.apiUrl,
    botToken: BOT_TOKEN,
    signingSecret: SIGNING_SECRET,
    env: { BOT_ADMINS: ADMIN, LOG_LEVEL: 'info' },
  }));
});

afterAll(async () => {
  await killAllBots();
  await fake?.stop();
  await store?.close();
});

const postsTo = (channel: string) => fake.callsTo('chat.postMessage').filter((c) => c.params.channel === channel);

describe('digest subscribers and buttons, deployed', () => {
  it(
    'a subscriber gets the caught-up run by direct message once; Pause is role-checked',
    async () => {
      // subscribed before the start, as a person would have done the day before
      await store.db
        .insertInto('digest_subscriptions')
        .values({
          schedule_id: scheduleId,
          platform: 'slack',
          user_id: READER,
          created_at: new Date(Date.now() - 86_400_000).toISOString(),
        })
        .execute();
      await bot.ready();
      const dm = await fake.waitFor(() => postsTo(`D${READER}`)[0], 30_000);
      expect(JSON.stringify(dm.params.blocks)).toContain(`/digest unsubscribe ${scheduleId}`);
      expect(postsTo(CHANNEL)).toHaveLength(1);
      const values = JSON.stringify(postsTo(CHANNEL)[0]!.params.blocks);
      expect(values).toContain(`"value":"/digest pause ${scheduleId}"`);
      expect(values).toContain(`"value":"/digest edit ${scheduleId}"`);
      expect(values).toMatch(new RegExp(`"value":"/digest show ${scheduleId} as_of=\\d{4}-\\d\\d-\\d\\d"`));

      // typed in a direct message: a second subscriber
      const typed = await postSlashCommand(baseUrl, SIGNING_SECRET, {
        command: '/digest',
        text: `subscribe ${scheduleId}`,
        user_id: 'U0SECOND',
        channel_id: 'DU0SECOND',
        response_url: fake.responseUrl('sub'),
      });
      expect(typed.status).toBe(200);
      const [subscribed] = await fake.waitFor(() => fake.responsesTo('sub').length > 0 && fake.responsesTo('sub'), 20_000);
      expect(JSON.stringify(subscribed)).toContain(`You are subscribed to digest #${scheduleId}`);
      const rows = await store.db.selectFrom('digest_subscriptions').select('user_id').where('schedule_id', '=', scheduleId).execute();
      expect(rows.map((r) => r.user_id).sort()).toEqual([READER, 'U0SECOND']);

      await postBlockAction(
        baseUrl,
        SIGNING_SECRET,
        blockActionPayload({
          actionId: 'growthbot:0',
          value: `/digest pause ${scheduleId}`,
          userId: READER,
          channelId: CHANNEL,
          responseUrl: fake.responseUrl('p1'),
        }),
      );
      const [refused] = await fake.waitFor(() => fake.responsesTo('p1').length > 0 && fake.responsesTo('p1'), 20_000);
      expect(JSON.stringify(refused)).toContain('needs the *admin* role');
      expect((await findSchedule(store.db, scheduleId))!.paused).toBe(0);
      await postBlockAction(
        baseUrl,
        SIGNING_SECRET,
        blockActionPayload({
          actionId: 'growthbot:0',
          value: `/digest pause ${scheduleId}`,
          userId: ADMIN,
          channelId: CHANNEL,
          responseUrl: fake.responseUrl('p2'),
        }),
      );
      await fake.waitFor(() => fake.responsesTo('p2').length > 0, 20_000);
      expect((await findSchedule(store.db, scheduleId))!.paused).toBe(1);

      expect(await bot.stop()).toEqual({ code: 0, signal: null });
      expect(postsTo(`D${READER}`)).toHaveLength(1);
      const sends = await store.db.selectFrom('digest_subscription_sends').selectAll().execute();
      expect(sends.map((s) => s.status)).toEqual(['sent']);
    },
    SPAWN_TEST_TIMEOUT_MS,
  );
});
