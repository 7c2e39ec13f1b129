import type { Kysely } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Bot } from '../../src/core/bot.ts';
import type { Platform } from '../../src/core/context.ts';
import type { Reply } from '../../src/core/reply.ts';
import { resumeRun, runDigest, runtimeOf } from '../../src/digests/run-digest.ts';
import { claimRun, findRun, takeOverRun } from '../../src/digests/runs.ts';
import { startDigestScheduler, type TaskFactory } from '../../src/digests/scheduler.ts';
import { findSchedule } from '../../src/digests/schedules.ts';
import { createDatabase } from '../../src/store/database.ts';
import type { Database } from '../../src/store/schema.ts';
import { createTestBot, run } from '../helpers/bot.ts';
import { createTestStore, type TestStore } from '../helpers/store.ts';
import { seedDigestStore } from './seed.ts';

// Digest claims with a lease: a claim whose holder died (kill -9 between claim and post) is re-run by
// whichever instance sees it first once its lease has expired, within the catch-up grace, exactly once.
let store: TestStore;
let otherDb: Kysely<Database>;
let bot: Bot;
let other: Bot;
let clock = new Date('2026-11-20T10:00:00Z');
let posts: { target: { platform: Platform; channelId: string }; reply: Reply }[] = [];
/** Channels whose posts fail with a network error (transient). */
const unreachable = new Set<string>();
const noSleep = { retry: { attempts: 2, baseDelayMs: 1 }, sleep: async () => {} };
const LEASE_MS = 60_000;
const FIRE = new Date('2026-11-23T08:00:00Z'); // Monday 09:00 in Berlin
const at = (ms: number) => new Date(FIRE.getTime() + ms);
const noTasks: TaskFactory = () => ({ stop: () => {} });

beforeAll(async () => {
  store = await createTestStore();
  await seedDigestStore(store.db);
  otherDb = createDatabase(store.url);
  const env = { DATABASE_URL: store.url, DIGEST_LEASE_SECONDS: String(LEASE_MS / 1000) };
  bot = await createTestBot(store.db, store.dir, { env, now: () => clock });
  other = await createTestBot(otherDb, store.dir, { env, now: () => clock });
  for (const b of [bot, other]) {
    b.setNotifier('console', async (target, reply) => {
      if (unreachable.has(target.channelId)) throw new Error('connect ECONNREFUSED 127.0.0.1:443');
      posts.push({ target, reply });
    });
  }
});
afterAll(async () => {
  await otherDb.destroy();
  await store.close();
});
beforeEach(() => {
  posts = [];
  unreachable.clear();
});

async function schedule(channel: string): Promise<number> {
  clock = new Date('2026-11-20T10:00:00Z');
  const r = await run(bot, `/digest schedule cron="0 9 * * MON" tz=Europe/Berlin channel=${channel}`);
  expect(r.ok, JSON.stringify(r.data)).toBe(true);
  return r.data.id as number;
}

/** A claim made by an instance that died before posting (as GROWTHBOT_TEST_CRASH_AT=digest-after-claim leaves it). */
async function deadClaim(id: number, fire = FIRE): Promise<number> {
  const runId = await claimRun(store.db, id, fire.toISOString(), fire, 'claimed', { owner: 'dead-host:4242:abcdef', leaseMs: LEASE_MS });
  expect(runId).not.toBeNull();
  return runId!;
}

const postsTo = (channel: string) => posts.filter((p) => p.target.channelId === channel);

describe('a claim whose holder died', () => {
  it('is left alone while its lease holds, then re-run once by the next look, posted as delayed', async () => {
    const id = await schedule('orphan');
    const runId = await deadClaim(id);

    clock = at(30_000); // the holder's lease still holds: nobody takes it over
    const scheduler = startDigestScheduler({ bot, createTask: noTasks, runtime: noSleep, reconcileMs: 0 });
    await scheduler.ready;
    expect(postsTo('orphan')).toHaveLength(0);
    const running = await run(bot, `/digest runs ${id}`);
    expect(running.data.runs[0]).toMatchObject({ state: 'running', claimed_by: 'dead-host:4242:abcdef', posted_at: null });

    clock = at(LEASE_MS + 90_000); // expired: the next look (a tick, the lease timer, a start) runs it
    await scheduler.resumeAbandoned();
    await scheduler.idle();
    expect(postsTo('orphan')).toHaveLength(1);
    const text = postsTo('orphan')[0]!.reply.view.text!;
    expect(text).toMatch(
      /^\(delayed: the bot was down from 2026-11-23 09:00 .*\(Europe\/Berlin\) to 2026-11-23 09:02 .*\(Europe\/Berlin\)\)/,
    );
    expect(postsTo('orphan')[0]!.reply.data).toMatchObject({
      fire_time: FIRE.toISOString(),
      delayed: { from: FIRE.toISOString(), to: at(LEASE_MS + 90_000).toISOString() },
    });
    const done = await findRun(store.db, runId);
    expect(done).toMatchObject({
      status: 'posted',
      delayed: 1,
      attempts: 1,
      lease_until: null,
      posted_at: at(LEASE_MS + 90_000).toISOString(),
    });

    // more looks, another instance's start: nothing more
    await scheduler.resumeAbandoned();
    await scheduler.stop();
    const again = startDigestScheduler({ bot: other, createTask: noTasks, runtime: noSleep, reconcileMs: 0 });
    await again.ready;
    await again.stop();
    expect(postsTo('orphan')).toHaveLength(1);
    await run(bot, `/digest remove ${id}`);
  });

  it('is re-run by the lease timer of a live instance, without a restart', async () => {
    const id = await schedule('timer');
    // On the real clock: a fire time a minute ago whose holder's lease ends 300 ms from now.
    const fire = new Date(Date.now() - 60_000);
    await deadClaim(id, fire);
    await store.db
      .updateTable('digest_runs')
      .set({ lease_until: Date.now() + 300 })
      .where('schedule_id', '=', id)
      .execute();
    const started = Date.now();
    const scheduler = startDigestScheduler({ bot, createTask: noTasks, runtime: { ...noSleep, now: () => new Date() }, reconcileMs: 0 });
    await scheduler.ready;
    expect(postsTo('timer')).toHaveLength(0);
    const deadline = Date.now() + 10_000;
    while (postsTo('timer').length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    await scheduler.stop();
    expect(postsTo('timer')).toHaveLength(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    await run(bot, `/digest remove ${id}`);
  });

  it('outside the grace window is recorded as missed, not posted', async () => {
    const id = await schedule('stale');
    const runId = await deadClaim(id);
    clock = at(7 * 3_600_000);
    const scheduler = startDigestScheduler({ bot, createTask: noTasks, runtime: noSleep, reconcileMs: 0, graceHours: 6 });
    await scheduler.ready;
    await scheduler.stop();
    expect(postsTo('stale')).toHaveLength(0);
    const missed = await findRun(store.db, runId);
    expect(missed?.status).toBe('missed');
    expect(missed?.detail).toMatch(
      /claimed by an instance that stopped before posting; not re-run after 7\.0 h, outside the 6 h grace window/,
    );
    await run(bot, `/digest remove ${id}`);
  });
});

describe('two instances see the same expired claim', () => {
  it('the conditional takeover lets exactly one win, round after round', async () => {
    const id = await schedule('race');
    for (let round = 0; round < 8; round++) {
      const fire = new Date(FIRE.getTime() + round * 7 * 86_400_000);
      const runId = await deadClaim(id, fire);
      const now = new Date(fire.getTime() + LEASE_MS + 1);
      const won = await Promise.all([
        takeOverRun(store.db, runId, { owner: 'A', leaseMs: LEASE_MS }, now),
        takeOverRun(otherDb, runId, { owner: 'B', leaseMs: LEASE_MS }, now),
      ]);
      expect(won.filter(Boolean), `round ${round}`).toHaveLength(1);
      expect((await findRun(store.db, runId))?.claimed_by).toBe(won[0] ? 'A' : 'B');
    }
    await run(bot, `/digest remove ${id}`);
  });

  it('resumed by both at once: posted once, the other is told it is taken', async () => {
    const id = await schedule('both');
    const runId = await deadClaim(id);
    clock = at(LEASE_MS + 5_000);
    const dead = (await findRun(store.db, runId))!;
    const s = (await findSchedule(store.db, id))!;
    const outcomes = await Promise.all([
      resumeRun(runtimeOf(bot, { ...noSleep, owner: 'A' }), s, dead),
      resumeRun(runtimeOf(other, { ...noSleep, owner: 'B' }), s, dead),
    ]);
    expect(outcomes.map((o) => o.status).sort()).toEqual(['posted', 'taken']);
    expect(postsTo('both')).toHaveLength(1);
    await run(bot, `/digest remove ${id}`);
  });
});

describe('transient failures', () => {
  it('leave the claim to be retried within the grace; past it the run is failed and the creator told once', async () => {
    const id = await schedule('flaky');
    const s = (await findSchedule(store.db, id))!;
    unreachable.add('flaky');
    clock = FIRE;
    const first = await runDigest(runtimeOf(bot, noSleep), s, FIRE);
    expect(first).toMatchObject({ status: 'retrying', attempts: 2, retry_at: at(LEASE_MS).toISOString() });
    const runs = await run(bot, `/digest runs ${id}`);
    expect(runs.data.runs[0]).toMatchObject({ state: 'waiting to retry', attempts: 2 });
    expect(runs.data.runs[0].reason).toContain('ECONNREFUSED');

    const scheduler = startDigestScheduler({ bot, createTask: noTasks, runtime: noSleep, reconcileMs: 0, graceHours: 6 });
    await scheduler.ready;
    clock = at(LEASE_MS + 1_000); // still unreachable: tried again, left again
    await scheduler.resumeAbandoned();
    expect((await run(bot, `/digest runs ${id}`)).data.runs[0]).toMatchObject({ state: 'waiting to retry', attempts: 4 });
    expect(postsTo('flaky')).toHaveLength(0);

    clock = at(6 * 3_600_000 + 1_000); // the grace is over: failed for good, the creator told
    await scheduler.resumeAbandoned();
    await scheduler.resumeAbandoned();
    await scheduler.stop();
    const told = posts.filter((p) => p.target.channelId === 'console');
    expect(told).toHaveLength(1);
    expect(told[0]!.reply.view.text).toContain(`your digest #${id} for flaky was not delivered`);
    const failed = (await run(bot, `/digest runs ${id}`)).data.runs[0];
    expect(failed).toMatchObject({ state: 'failed', attempts: 4 });
    expect(failed.reason).toMatch(/^gave up after the 6 h grace window: delivery to console channel flaky failed after 4 attempts/);
    await run(bot, `/digest remove ${id}`);
  });

  it('a retry that gets through is posted once, saying it is late', async () => {
    const id = await schedule('hiccup');
    const s = (await findSchedule(store.db, id))!;
    unreachable.add('hiccup');
    clock = FIRE;
    expect((await runDigest(runtimeOf(bot, noSleep), s, FIRE)).status).toBe('retrying');
    unreachable.clear();
    clock = at(LEASE_MS + 1_000);
    const scheduler = startDigestScheduler({ bot, createTask: noTasks, runtime: noSleep, reconcileMs: 0 });
    await scheduler.ready;
    await scheduler.resumeAbandoned();
    await scheduler.stop();
    expect(postsTo('hiccup')).toHaveLength(1);
    expect(postsTo('hiccup')[0]!.reply.view.text).toMatch(/^\(delayed: console could not be reached from 2026-11-23 09:00 /);
    expect((await run(bot, `/digest runs ${id}`)).data.runs[0]).toMatchObject({ state: 'delayed', attempts: 3 });
    await run(bot, `/digest remove ${id}`);
  });
});

describe('/digest runs', () => {
  it('lists the last runs, newest first, with fire time, state and posted time, for viewers', async () => {
    const id = await schedule('listed');
    const s = (await findSchedule(store.db, id))!;
    const rt = runtimeOf(bot, noSleep);
    for (let week = 0; week < 12; week++) {
      const fire = new Date(FIRE.getTime() + week * 7 * 86_400_000);
      clock = fire;
      await runDigest(rt, s, fire);
    }
    clock = at(13 * 7 * 86_400_000);
    await deadClaim(id, clock); // running now
    const viewer = { platform: 'slack' as const, userId: 'U0VIEWER', channelId: 'C0GROWTH' };
    const listed = await run(bot, `/digest runs ${id}`, viewer);
    expect(listed.ok, JSON.stringify(listed.data)).toBe(true);
    expect(listed.data.runs).toHaveLength(10);
    expect(listed.data.runs[0]).toMatchObject({ schedule_id: id, state: 'running', fire_time: clock.toISOString(), posted_at: null });
    expect(listed.data.runs[1]).toMatchObject({
      state: 'posted',
      fire_time: '2027-02-08T08:00:00.000Z',
      posted_at: '2027-02-08T08:00:00.000Z',
      attempts: 1,
    });
    expect(listed.data.runs[1].fire_time_local).toMatch(/^2027-02-08 09:00 .*\(Europe\/Berlin\)$/);
    const table = listed.view.tables![0]!;
    expect(table.columns).toEqual(['#', 'Fire time', 'State', 'Posted', 'Attempts']);
    expect(table.rows[0]![2]).toBe('running');
    expect(table.rows[0]![3]).toBe('—');

    // all schedules: the refused one shows its reason
    const gone = await schedule('gone-channel');
    const g = (await findSchedule(store.db, gone))!;
    clock = at(14 * 7 * 86_400_000);
    bot.setNotifier('console', async (target, reply) => {
      if (target.channelId === 'gone-channel')
        throw Object.assign(new Error('An API error occurred: is_archived'), { data: { error: 'is_archived' } });
      posts.push({ target, reply });
    });
    try {
      expect(await runDigest(rt, g, clock)).toMatchObject({ status: 'failed', attempts: 1 });
    } finally {
      bot.setNotifier('console', async (target, reply) => {
        if (unreachable.has(target.channelId)) throw new Error('connect ECONNREFUSED 127.0.0.1:443');
        posts.push({ target, reply });
      });
    }
    const all = await run(bot, '/digest runs');
    expect(all.data.runs[0]).toMatchObject({ schedule_id: gone, state: 'failed' });
    expect(all.data.runs[0].reason).toMatch(
      /^console channel gone-channel refused the digest: An API error occurred: is_archived \(told tester/,
    );
    expect(all.view.tables![0]!.rows[0]![2]).toMatch(/^failed: console channel gone-channel refused/);

    const unknown = await run(bot, '/digest runs 9999');
    expect(unknown.data.error.code).toBe('digest_not_found');
    await run(bot, `/digest remove ${id}`);
    await run(bot, `/digest remove ${gone}`);
  });
});
