import { mentionsAsText } from '../../src/core/mention.ts';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Bot } from '../../src/core/bot.ts';
import type { Platform } from '../../src/core/context.ts';
import type { Reply } from '../../src/core/reply.ts';
import { runDigest, runtimeOf } from '../../src/digests/run-digest.ts';
import { startDigestScheduler, type TaskFactory } from '../../src/digests/scheduler.ts';
import { findSchedule } from '../../src/digests/schedules.ts';
import { createTestBot, run } from '../helpers/bot.ts';
import { createTestStore, type TestStore } from '../helpers/store.ts';
import { seedDigestStore } from './seed.ts';

let store: TestStore;
let bot: Bot;
let clock = new Date('2026-11-20T10:00:00Z');
let posts: { target: { platform: Platform; channelId: string }; reply: Reply }[] = [];
let failuresLeft = 0;
let failAlwaysOn: string | null = null;
const noSleep = { retry: { attempts: 3, baseDelayMs: 1 }, sleep: async () => {} };

/** Task timers the test fires by hand, standing in for node-cron's clock. */
function manualTasks() {
  const live = new Map<string, { expression: string; timeZone: string; fire: (at: Date) => void }>();
  const factory: TaskFactory = (expression, timeZone, name, onFire) => {
    live.set(name, { expression, timeZone, fire: onFire });
    return { stop: () => live.delete(name) };
  };
  return { factory, live };
}

beforeAll(async () => {
  store = await createTestStore();
  await seedDigestStore(store.db);
  bot = await createTestBot(store.db, store.dir, { env: { DATABASE_URL: store.url }, now: () => clock });
  bot.setNotifier('console', async (target, reply) => {
    if (failAlwaysOn === target.channelId) throw new Error('channel_not_found');
    if (failuresLeft > 0) {
      failuresLeft--;
      throw new Error('rate limited');
    }
    posts.push({ target, reply });
  });
});
afterAll(() => store.close());
beforeEach(() => {
  posts = [];
  failuresLeft = 0;
  failAlwaysOn = null;
});

async function schedule(options = ''): Promise<number> {
  clock = new Date('2026-11-20T10:00:00Z');
  const r = await run(bot, `/digest schedule cron="0 9 * * MON" tz=Europe/Berlin ${options}`);
  expect(r.ok, JSON.stringify(r.data)).toBe(true);
  return r.data.id as number;
}

describe('/digest schedule and list', () => {
  it('validates, stores and lists with the next run in its own zone', async () => {
    const bad = await run(bot, '/digest schedule cron="0 9 * * FUNDAY" tz=Europe/Berlin');
    expect(bad.data.error.message).toContain('`0 9 * * FUNDAY`');
    expect((await run(bot, '/digest schedule cron="0 9 * * MON" tz=Berlin')).data.error.hint).toContain('tz=Europe/Berlin');
    const viewer = { platform: 'slack' as const, userId: 'U0VIEWER', channelId: 'C0GROWTH' };
    expect((await run(bot, '/digest schedule cron="0 9 * * MON" tz=UTC', viewer)).data.error.code).toBe('forbidden');

    const id = await schedule('channel=growth period=month');
    const list = await run(bot, '/digest list');
    const row = list.data.schedules.find((s: { id: number }) => s.id === id);
    expect(row).toMatchObject({
      channel: 'growth',
      platform: 'console',
      time_zone: 'Europe/Berlin',
      period: 'month',
      next_run: '2026-11-23T08:00:00.000Z',
      last_outcome: null,
    });
    expect(row.next_run_local).toMatch(/^2026-11-23 09:00 .*\(Europe\/Berlin\)$/);
    await run(bot, `/digest remove ${id}`);
    expect((await run(bot, `/digest pause ${id}`)).data.error.code).toBe('digest_not_found');
  });
});

describe('exactly once', () => {
  it('posts a fire time claimed twice at the same moment once', async () => {
    const id = await schedule();
    const s = (await findSchedule(store.db, id))!;
    const rt = runtimeOf(bot, noSleep);
    const fire = new Date('2026-11-23T08:00:00Z');
    clock = fire;
    const outcomes = await Promise.all([runDigest(rt, s, fire), runDigest(rt, s, fire)]);
    expect(outcomes.map((o) => o.status).sort()).toEqual(['posted', 'taken']);
    expect(posts).toHaveLength(1);
    expect((posts[0]!.reply.data as { period: { from: string } }).period.from).toBe('2026-11-16');
    await run(bot, `/digest remove ${id}`);
  });

  it('runs one digest when the cron task fires, and again for the same fire time only once (restart, DST repeat)', async () => {
    const id = await schedule('channel=weekly');
    const tasks = manualTasks();
    const scheduler = startDigestScheduler({ bot, createTask: tasks.factory, runtime: noSleep });
    await scheduler.ready;
    const task = tasks.live.get(`digest-${id}`)!;
    expect(task).toMatchObject({ expression: '0 9 * * MON', timeZone: 'Europe/Berlin' });
    clock = new Date('2026-11-23T08:00:00Z');
    task.fire(new Date('2026-11-23T08:00:00Z'));
    task.fire(new Date('2026-11-23T08:00:00.400Z'));
    await scheduler.idle();
    expect(posts.filter((p) => p.target.channelId === 'weekly')).toHaveLength(1);

    await run(bot, `/digest pause ${id}`);
    expect(tasks.live.has(`digest-${id}`)).toBe(false);
    await run(bot, `/digest resume ${id}`);
    await scheduler.idle();
    expect(tasks.live.has(`digest-${id}`)).toBe(true);
    await scheduler.stop();
    expect(tasks.live.size).toBe(0);

    // A second instance (or a restart) that catches up the same fire time posts nothing.
    clock = new Date('2026-11-23T09:00:00Z');
    const again = startDigestScheduler({ bot, createTask: manualTasks().factory, runtime: noSleep });
    await again.ready;
    await again.stop();
    expect(posts.filter((p) => p.target.channelId === 'weekly')).toHaveLength(1);
    await run(bot, `/digest remove ${id}`);
  });
});

describe('catch-up at start', () => {
  it('posts a fire time missed inside the grace window', async () => {
    const id = await schedule('channel=caught');
    clock = new Date('2026-11-23T13:30:00Z'); // 5.5 h after Monday 09:00 Berlin
    const scheduler = startDigestScheduler({ bot, createTask: manualTasks().factory, runtime: noSleep, graceHours: 6 });
    await scheduler.ready;
    await scheduler.stop();
    expect(posts.map((p) => p.target.channelId)).toEqual(['caught']);
    const list = await run(bot, '/digest list');
    expect(list.data.schedules.find((s: { id: number }) => s.id === id).last_outcome).toMatchObject({
      status: 'posted',
      fire_time: '2026-11-23T08:00:00.000Z',
      attempts: 1,
    });
    await run(bot, `/digest remove ${id}`);
  });

  it('skips one missed outside the grace window with a log line and records it', async () => {
    const id = await schedule('channel=late');
    clock = new Date('2026-11-23T14:30:00Z'); // 6.5 h late
    const lines: string[] = [];
    const logged = Object.create(bot, {
      logger: {
        value: {
          ...bot.logger,
          info: () => {},
          error: () => {},
          warn: (_: unknown, message: string) => lines.push(message),
          child: () => bot.logger,
        },
      },
    }) as Bot;
    const scheduler = startDigestScheduler({ bot: logged, createTask: manualTasks().factory, runtime: noSleep, graceHours: 6 });
    await scheduler.ready;
    await scheduler.stop();
    expect(posts).toHaveLength(0);
    expect(lines.join('\n')).toMatch(
      new RegExp(`skipping digest #${id} missed at 2026-11-23 09:00 .*6\\.5 h ago, outside the 6 h grace window`),
    );
    const list = await run(bot, '/digest list');
    expect(list.data.schedules.find((s: { id: number }) => s.id === id).last_outcome).toMatchObject({
      status: 'missed',
      fire_time: '2026-11-23T08:00:00.000Z',
    });
    await run(bot, `/digest remove ${id}`);
  });

  it('does not catch up a fire time from before the schedule existed', async () => {
    const id = await schedule('channel=fresh');
    clock = new Date('2026-11-20T11:00:00Z');
    const scheduler = startDigestScheduler({ bot, createTask: manualTasks().factory, runtime: noSleep });
    await scheduler.ready;
    await scheduler.stop();
    expect(posts).toHaveLength(0);
    await run(bot, `/digest remove ${id}`);
  });
});

describe('delivery', () => {
  it('retries a failing notifier until it succeeds', async () => {
    const id = await schedule('channel=flaky');
    failuresLeft = 2;
    const s = (await findSchedule(store.db, id))!;
    const outcome = await runDigest(runtimeOf(bot, noSleep), s, new Date('2026-11-23T08:00:00Z'));
    expect(outcome).toMatchObject({ status: 'posted', attempts: 3 });
    expect(posts).toHaveLength(1);
    await run(bot, `/digest remove ${id}`);
  });

  it('records a channel that refuses as failed at once, tells the creator, and /digest list shows it', async () => {
    const id = await schedule('channel=gone');
    failAlwaysOn = 'gone';
    const s = (await findSchedule(store.db, id))!;
    const outcome = await runDigest(runtimeOf(bot, noSleep), s, new Date('2026-11-23T08:00:00Z'));
    expect(outcome).toMatchObject({ status: 'failed', attempts: 1 });
    expect(posts).toHaveLength(1);
    expect(posts[0]!.target.channelId).toBe('console');
    expect(mentionsAsText(posts[0]!.reply.view.text!)).toContain(`<@tester> your digest #${id} for gone was not delivered`);
    expect(mentionsAsText(posts[0]!.reply.view.text!)).toContain('channel_not_found');
    const last = (await run(bot, '/digest list')).data.schedules.find((r: { id: number }) => r.id === id).last_outcome;
    expect(last.status).toBe('failed');
    expect(last.detail).toMatch(/console channel gone refused the digest: channel_not_found \(told tester in console\)/);
    await run(bot, `/digest remove ${id}`);
  });

  it('only_on_change skips a digest with the same figures as the last one', async () => {
    const id = await schedule('channel=quiet only_on_change=true');
    clock = new Date('2026-11-23T08:00:00Z');
    expect((await run(bot, `/digest send ${id}`)).data.status).toBe('posted');
    clock = new Date('2026-11-23T08:05:00Z');
    const second = await run(bot, `/digest send ${id}`);
    expect(second.data.status).toBe('unchanged');
    expect(posts).toHaveLength(1);
    await run(bot, `/digest remove ${id}`);
  });
});
