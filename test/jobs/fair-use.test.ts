import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Bot } from '../../src/core/bot.ts';
import type { Caller } from '../../src/core/context.ts';
import { UserError } from '../../src/core/errors.ts';
import { defaultWorkers, WorkerPool, workerPool } from '../../src/jobs/worker-pool.ts';
import { postSlashCommand } from '../fakes/slack.ts';
import { seedDigestStore } from '../digests/seed.ts';
import { createTestBot } from '../helpers/bot.ts';
import { createTestStore, type TestStore } from '../helpers/store.ts';
import { SIGNING_SECRET, startHarness, type SlackHarness } from '../slack/helpers/slack-harness.ts';
import type { EchoInput, EchoOutput } from './echo-task.ts';

const task = new URL('./echo-task.ts', import.meta.url);
const BUSY = /^The bot is busy: \d+ jobs? ahead, try again in a minute\.$/;

describe('WorkerPool bounds', () => {
  const pool = new WorkerPool({ maxWorkers: 2, maxQueue: 2, maxIdle: 2, niceness: 0 });
  afterAll(() => pool.close());

  it('runs at most maxWorkers tasks at once, queues maxQueue more in order, refuses the rest as busy before they start', async () => {
    const started: number[] = [];
    const runs = Array.from({ length: 6 }, (_, n) =>
      pool
        .run<EchoInput, EchoOutput>(task, { n, waitMs: 150 }, () => started.push(n))
        .then(
          (r) => r.doubled,
          (e: unknown) => e,
        ),
    );
    const results = await Promise.all(runs);
    expect(results.slice(0, 4)).toEqual([0, 2, 4, 6]);
    for (const refused of results.slice(4)) {
      expect(refused).toBeInstanceOf(UserError);
      expect((refused as UserError).code).toBe('busy');
      expect((refused as UserError).message).toMatch(BUSY);
    }
    expect([...started].sort()).toEqual([0, 1, 2, 3]);
    // the queue is first in, first out; which of the two first tasks reports first depends on its worker's start-up
    expect(started.indexOf(2)).toBeLessThan(started.indexOf(3));
    expect(pool.stats()).toEqual({ running: 0, waiting: 0, peakRunning: 2 });
  });

  it('a queued task cancelled while it waits leaves the queue', async () => {
    const controller = new AbortController();
    const first = pool.run<EchoInput, EchoOutput>(task, { n: 1, waitMs: 100 });
    const second = pool.run<EchoInput, EchoOutput>(task, { n: 2, waitMs: 100 });
    const queued = pool.run<EchoInput, EchoOutput>(task, { n: 3 }, undefined, controller.signal).catch((e: unknown) => e);
    expect(pool.stats().waiting).toBe(1);
    controller.abort();
    expect(((await queued) as UserError).code).toBe('cancelled');
    expect(pool.stats().waiting).toBe(0);
    expect((await Promise.all([first, second])).map((r) => r.doubled)).toEqual([2, 4]);
  });
});

describe('fair use of heavy commands', () => {
  let store: TestStore;
  const viewer: Caller = { platform: 'slack', userId: 'U0VIEWER', channelId: 'C0GROWTH' };

  beforeAll(async () => {
    store = await createTestStore();
    await seedDigestStore(store.db);
  });
  afterAll(() => store.close());
  afterEach(() => workerPool.configure({ maxWorkers: defaultWorkers(), maxQueue: 20 }));

  it('100 /digest preview at once from one viewer: at most WORKERS threads, WORKERS + JOB_QUEUE accepted, the rest refused as busy', async () => {
    const bot: Bot = await createTestBot(store.db, store.dir, {
      env: { DATABASE_URL: store.url, WORKERS: '2', JOB_QUEUE: '3', RATE_LIMIT_PER_MIN: '0' },
      now: () => new Date('2026-11-23T08:00:00Z'),
    });
    workerPool.configure({ maxWorkers: 2, maxQueue: 3 });
    workerPool.resetPeak();
    const replies = await Promise.all(
      Array.from({ length: 100 }, () => bot.execute({ caller: viewer, text: '/digest preview sections=kpis as_of=2026-11-23' })),
    );
    const accepted = replies.filter((r) => r.ok);
    const refused = replies.filter((r) => !r.ok);
    expect(accepted.length).toBeGreaterThanOrEqual(1);
    expect(accepted.length).toBeLessThanOrEqual(5);
    expect(accepted.length + refused.length).toBe(100);
    for (const r of refused) {
      const error = (r.data as { error: { code: string; message: string } }).error;
      expect(error.code).toBe('busy');
      expect(error.message).toMatch(BUSY);
    }
    expect(workerPool.stats().peakRunning).toBeLessThanOrEqual(2);
    expect(bot.fairUse.inFlight).toBe(0);
    // the queue drained: the next one runs
    expect((await bot.execute({ caller: viewer, text: '/digest preview sections=kpis as_of=2026-11-23' })).ok).toBe(true);
  }, 120_000);

  it('a user past RATE_LIMIT_PER_MIN heavy commands in a minute is refused with when to retry; others and light commands are not', async () => {
    const bot = await createTestBot(store.db, store.dir, { env: { DATABASE_URL: store.url, RATE_LIMIT_PER_MIN: '2' } });
    const preview = (caller: Caller) => bot.execute({ caller, text: '/digest preview sections=kpis as_of=2026-11-23' });
    expect((await preview(viewer)).ok).toBe(true);
    expect((await preview(viewer)).ok).toBe(true);
    const third = await preview(viewer);
    expect(third.ok).toBe(false);
    const error = (third.data as { error: { code: string; message: string } }).error;
    expect(error.code).toBe('rate_limited');
    expect(error.message).toMatch(/^You have started 2 heavy commands in the last minute, the most allowed; try again in \d+ seconds\.$/);
    expect((await bot.execute({ caller: viewer, text: '/digest list' })).ok).toBe(true);
    expect((await preview({ ...viewer, userId: 'U0OTHER' })).ok).toBe(true);
    // the console (one operator running scripts) has no rate limit
    const local: Caller = { platform: 'console', userId: 'local', channelId: 'console' };
    for (let i = 0; i < 3; i++) expect((await preview(local)).ok).toBe(true);
  }, 120_000);
});

describe('fair use through the Slack adapter', () => {
  let h: SlackHarness;
  let seq = 0;
  beforeAll(async () => {
    h = await startHarness({ mode: 'http', env: { RATE_LIMIT_PER_MIN: '1' } });
    await seedDigestStore(h.store.db);
  }, 60_000);
  afterAll(() => h?.close());

  it('the refusal is the ephemeral ack itself: no work, no progress message', async () => {
    const slash = (text: string) =>
      postSlashCommand(h.baseUrl, SIGNING_SECRET, {
        command: '/digest',
        text,
        user_id: 'U0VIEWER',
        channel_id: 'C0GROWTH',
        response_url: h.fake.responseUrl(`r${++seq}`),
      });
    const first = await slash('preview sections=kpis as_of=2026-11-23');
    expect(JSON.stringify(first.body)).toContain('Working on /digest preview');
    await h.adapter.idle();
    const posts = h.fake.callsTo('chat.postMessage').length;
    const second = await slash('preview sections=kpis as_of=2026-11-23');
    const body = second.body as { response_type: string; text: string; blocks: unknown };
    expect(body.response_type).toBe('ephemeral');
    expect(JSON.stringify(body.blocks)).toMatch(/heavy commands in the last minute, the most allowed; try again in \d+ seconds/);
    await h.adapter.idle();
    expect(h.fake.callsTo('chat.postMessage').length).toBe(posts);
  }, 120_000);
});
