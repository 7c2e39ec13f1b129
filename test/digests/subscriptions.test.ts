import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Bot } from '../../src/core/bot.ts';
import type { Caller, Platform } from '../../src/core/context.ts';
import type { Reply } from '../../src/core/reply.ts';
import { resumeRun, runDigest, runtimeOf } from '../../src/digests/run-digest.ts';
import { findRun } from '../../src/digests/runs.ts';
import { startDigestScheduler, type TaskFactory } from '../../src/digests/scheduler.ts';
import { findSchedule } from '../../src/digests/schedules.ts';
import { createTestBot, run } from '../helpers/bot.ts';
import { createTestStore, type TestStore } from '../helpers/store.ts';
import { seedDigestStore } from './seed.ts';

// The buttons on each digest post (Pause, Change schedule, Send me this privately) and /digest subscribe:
// a subscriber gets each run by direct message, once per fire time, and a failed DM is recorded, not retried.
let store: TestStore;
let bot: Bot;
let clock = new Date('2026-11-20T10:00:00Z');
let posts: { target: { platform: Platform; channelId: string; direct?: boolean }; reply: Reply }[] = [];
/** User ids whose direct messages fail: refused (closed DMs) or transient. */
const refusing = new Set<string>();
const flaky = new Set<string>();
const noSleep = { retry: { attempts: 2, baseDelayMs: 1 }, sleep: async () => {} };
const FIRE = new Date('2026-11-23T08:00:00Z'); // Monday 09:00 in Berlin
const noTasks: TaskFactory = () => ({ stop: () => {} });

const viewer: Caller = { platform: 'slack', userId: 'U0VIEWER', channelId: 'D0VIEWER', directMessage: true };
const other: Caller = { platform: 'slack', userId: 'U0OTHER', channelId: 'C0GROWTH' };
const discordViewer: Caller = { platform: 'discord', userId: '4242', channelId: '900', workspaceId: '800' };

beforeAll(async () => {
  store = await createTestStore();
  await seedDigestStore(store.db);
  bot = await createTestBot(store.db, store.dir, { env: { DATABASE_URL: store.url }, now: () => clock });
  for (const platform of ['console', 'slack', 'discord'] as const) {
    bot.setNotifier(platform, async (target, reply) => {
      if (refusing.has(target.channelId)) throw Object.assign(new Error('cannot_dm_bot'), { data: { error: 'cannot_dm_bot' } });
      if (flaky.has(target.channelId)) throw new Error('connect ECONNREFUSED 127.0.0.1:443');
      posts.push({ target, reply });
    });
  }
});
afterAll(() => store.close());
beforeEach(() => {
  posts = [];
  refusing.clear();
  flaky.clear();
});

async function schedule(channel: string): Promise<number> {
  clock = new Date('2026-11-20T10:00:00Z');
  const r = await run(bot, `/digest schedule cron="0 9 * * MON" tz=Europe/Berlin channel=${channel} sections=kpis,channels`);
  expect(r.ok, JSON.stringify(r.data)).toBe(true);
  return r.data.id as number;
}

const postsTo = (channel: string) => posts.filter((p) => p.target.channelId === channel);
const commands = (reply: Reply) => (reply.view.buttons ?? []).map((b) => `${b.label}: ${b.command}`);

describe('the buttons of a digest post', () => {
  it('Pause, Change schedule and Send me this privately, each a typed command run with the clicker’s role', async () => {
    const id = await schedule('C0BUTTONS');
    const s = (await findSchedule(store.db, id))!;
    clock = FIRE;
    expect(await runDigest(runtimeOf(bot, noSleep), s, FIRE)).toMatchObject({ status: 'posted' });
    const [post] = postsTo('C0BUTTONS');
    expect(commands(post!.reply)).toEqual(
      expect.arrayContaining([
        `Pause: /digest pause ${id}`,
        `Change schedule: /digest edit ${id}`,
        `Send me this privately: /digest show ${id} as_of=2026-11-23`,
      ]),
    );

    // a viewer clicking Pause or Change schedule is refused: they need the admin role, as typed
    for (const button of [`/digest pause ${id}`, `/digest edit ${id}`]) {
      const refused = await run(bot, button, other);
      expect(refused.ok).toBe(false);
      expect(refused.data.error).toMatchObject({ code: 'forbidden' });
      expect(refused.data.error.message).toContain('needs the *admin* role; you have *viewer*');
    }
    expect((await findSchedule(store.db, id))!.paused).toBe(0);

    // Send me this privately: the same figures as the post, only to the clicker
    const mine = await run(bot, `/digest show ${id} as_of=2026-11-23`, other);
    expect(mine.ok, JSON.stringify(mine.data)).toBe(true);
    expect(mine.view.ephemeral).toBe(true);
    expect(mine.view.title).toBe(post!.reply.view.title);
    expect(mine.view.fields).toEqual(post!.reply.view.fields);
    expect(mine.data).toMatchObject({ schedule_id: id, send_date: '2026-11-23', period: { from: '2026-11-16', to: '2026-11-22' } });
    expect(commands(mine)).toContain(`Subscribe: /digest subscribe ${id}`);

    // Change schedule with nothing to change: how to type it, to the clicker alone
    const usage = await run(bot, `/digest edit ${id}`);
    expect(usage.view.ephemeral).toBe(true);
    expect(usage.view.text).toContain(`/digest edit ${id} cron="0 9 * * MON" tz=Europe/Berlin`);
    const edited = await run(bot, `/digest edit ${id} cron="30 7 * * TUE" tz=America/New_York`);
    expect(edited.ok, JSON.stringify(edited.data)).toBe(true);
    expect(edited.data).toMatchObject({ cron: '30 7 * * TUE', time_zone: 'America/New_York', changed: true });
    expect((await findSchedule(store.db, id))!).toMatchObject({ cron: '30 7 * * TUE', time_zone: 'America/New_York' });
    const bad = await run(bot, `/digest edit ${id} tz=Mars/Olympus`);
    expect(bad.ok).toBe(false);
    expect((await findSchedule(store.db, id))!.time_zone).toBe('America/New_York');

    // an admin's Pause pauses it
    const paused = await run(bot, `/digest pause ${id}`);
    expect(paused.ok).toBe(true);
    expect((await findSchedule(store.db, id))!.paused).toBe(1);
    await run(bot, `/digest remove ${id}`);
  });

  it('a changed schedule is re-armed by a running scheduler with the new cron and zone', async () => {
    const id = await schedule('C0REARM');
    const armed: string[] = [];
    const tasks: TaskFactory = (expression, timeZone) => {
      armed.push(`${expression} ${timeZone}`);
      return { stop: () => {} };
    };
    const scheduler = startDigestScheduler({ bot, createTask: tasks, runtime: noSleep, reconcileMs: 0 });
    await scheduler.ready;
    await run(bot, `/digest edit ${id} cron="0 8 * * FRI"`);
    await scheduler.idle();
    await scheduler.stop();
    expect(armed.at(-1)).toBe('0 8 * * FRI Europe/Berlin');
    await run(bot, `/digest remove ${id}`);
  });
});

describe('/digest subscribe', () => {
  it('sends each run to the subscriber by direct message, once per fire time, and stops after unsubscribe', async () => {
    const id = await schedule('C0SUBS');
    const s = (await findSchedule(store.db, id))!;
    const subscribed = await run(bot, `/digest subscribe ${id}`, viewer);
    expect(subscribed.ok, JSON.stringify(subscribed.data)).toBe(true);
    expect(subscribed.view.ephemeral).toBe(true);
    expect(subscribed.view.text).toContain(`You are subscribed to digest #${id}`);
    expect((await run(bot, `/digest subscribe ${id}`, viewer)).view.text).toContain('already');
    expect((await run(bot, `/digest subscribe ${id}`, discordViewer)).ok).toBe(true);
    expect((await run(bot, '/digest list', viewer)).data.subscribed).toEqual([id]);

    clock = FIRE;
    const outcome = await runDigest(runtimeOf(bot, noSleep), s, FIRE);
    expect(outcome).toMatchObject({ status: 'posted' });
    expect(postsTo('C0SUBS')).toHaveLength(1);
    const dm = postsTo('U0VIEWER');
    expect(dm).toHaveLength(1);
    expect(dm[0]!.target).toEqual({ platform: 'slack', channelId: 'U0VIEWER', direct: true });
    expect(dm[0]!.reply.view.title).toBe(postsTo('C0SUBS')[0]!.reply.view.title);
    expect(commands(dm[0]!.reply)).toContain(`Unsubscribe: /digest unsubscribe ${id}`);
    expect(commands(dm[0]!.reply)).not.toContain(`Pause: /digest pause ${id}`);
    expect(dm[0]!.reply.view.notes).toContain(
      `You get digest #${id} by direct message because you subscribed to it. To stop: /digest unsubscribe ${id}.`,
    );
    expect(postsTo('4242')).toHaveLength(1);
    expect(postsTo('4242')[0]!.target).toEqual({ platform: 'discord', channelId: '4242', direct: true });
    expect(postsTo('4242')[0]!.reply.view.notes?.at(-1)).toContain('in a channel of the server');

    // the same fire time again (another instance, a restart, a takeover): nobody gets it twice
    expect(await runDigest(runtimeOf(bot, noSleep), s, FIRE)).toMatchObject({ status: 'taken' });
    const sends = await store.db
      .selectFrom('digest_subscription_sends')
      .selectAll()
      .where('run_id', '=', outcome.status === 'posted' ? outcome.run_id : -1)
      .execute();
    expect(sends.map((r) => r.status)).toEqual(['sent', 'sent']);
    expect(postsTo('U0VIEWER')).toHaveLength(1);

    // the next week: one more each
    const next = new Date(FIRE.getTime() + 7 * 86_400_000);
    clock = next;
    expect(await runDigest(runtimeOf(bot, noSleep), s, next)).toMatchObject({ status: 'posted' });
    expect(postsTo('U0VIEWER')).toHaveLength(2);

    const gone = await run(bot, `/digest unsubscribe ${id}`, viewer);
    expect(gone.view.text).toBe(`You no longer get digest #${id} by direct message.`);
    expect((await run(bot, `/digest unsubscribe ${id}`, viewer)).view.text).toContain('were not subscribed');
    const third = new Date(next.getTime() + 7 * 86_400_000);
    clock = third;
    expect(await runDigest(runtimeOf(bot, noSleep), s, third)).toMatchObject({ status: 'posted' });
    expect(postsTo('U0VIEWER')).toHaveLength(2);
    expect(postsTo('4242')).toHaveLength(3);
    await run(bot, `/digest remove ${id}`);
    const left = await store.db.selectFrom('digest_subscriptions').selectAll().where('schedule_id', '=', id).execute();
    expect(left).toHaveLength(0);
  });

  it('a run re-posted after a takeover reaches an earlier subscriber once; one who subscribed meanwhile gets it once', async () => {
    const id = await schedule('C0TAKEOVER');
    const s = (await findSchedule(store.db, id))!;
    await run(bot, `/digest subscribe ${id}`, viewer);
    clock = FIRE;
    const first = await runDigest(runtimeOf(bot, { ...noSleep, owner: 'A' }), s, FIRE);
    expect(first.status).toBe('posted');
    const runId = first.status === 'posted' ? first.run_id : -1;
    // as if the post had been left claimed (a stalled holder): a takeover re-posts the channel, not the DM
    await store.db.updateTable('digest_runs').set({ status: 'claimed', claimed_by: 'A', lease_until: 0 }).where('id', '=', runId).execute();
    await run(bot, `/digest subscribe ${id}`, other);
    clock = new Date(FIRE.getTime() + 120_000);
    const again = await resumeRun(runtimeOf(bot, { ...noSleep, owner: 'B' }), s, (await findRun(store.db, runId))!);
    expect(again.status).toBe('posted');
    expect(postsTo('C0TAKEOVER')).toHaveLength(2);
    expect(postsTo('U0VIEWER')).toHaveLength(1);
    // U0OTHER subscribed after the first post, before the re-post: their first and only copy
    expect(postsTo('U0OTHER')).toHaveLength(1);
    await run(bot, `/digest remove ${id}`);
  });

  it('a direct message that fails is recorded and logged, never retried, and the channel post stands', async () => {
    const id = await schedule('C0CLOSED');
    const s = (await findSchedule(store.db, id))!;
    await run(bot, `/digest subscribe ${id}`, viewer);
    await run(bot, `/digest subscribe ${id}`, other);
    refusing.add('U0VIEWER');
    flaky.add('U0OTHER');
    clock = FIRE;
    const outcome = await runDigest(runtimeOf(bot, noSleep), s, FIRE);
    expect(outcome).toMatchObject({ status: 'posted' });
    expect(postsTo('C0CLOSED')).toHaveLength(1);
    const runId = outcome.status === 'posted' ? outcome.run_id : -1;
    const sends = await store.db
      .selectFrom('digest_subscription_sends')
      .selectAll()
      .where('run_id', '=', runId)
      .orderBy('subscription_id')
      .execute();
    expect(sends.map((r) => [r.status, Number(r.attempts)])).toEqual([
      ['failed', 1],
      ['failed', 2],
    ]);
    expect(sends[0]!.detail).toContain('refused: cannot_dm_bot');
    expect(sends[1]!.detail).toContain('failed after 2 attempts: connect ECONNREFUSED');
    expect((await findRun(store.db, runId))!.status).toBe('posted');

    // later looks (a scheduler start, a resume) do not try them again
    refusing.clear();
    flaky.clear();
    const scheduler = startDigestScheduler({ bot, createTask: noTasks, runtime: noSleep, reconcileMs: 0 });
    await scheduler.ready;
    await scheduler.resumeAbandoned();
    await scheduler.stop();
    expect(postsTo('U0VIEWER')).toHaveLength(0);
    expect(postsTo('U0OTHER')).toHaveLength(0);
    await run(bot, `/digest remove ${id}`);
  });

  it('needs a schedule that exists; anyone with read access may subscribe', async () => {
    const missing = await run(bot, '/digest subscribe 999', viewer);
    expect(missing.ok).toBe(false);
    expect(missing.data.error).toMatchObject({ code: 'digest_not_found' });
    expect(missing.data.error.hint).toContain('/digest list');
  });
});
