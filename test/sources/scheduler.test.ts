import type { Kysely } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Bot } from '../../src/core/bot.ts';
import { UserError } from '../../src/core/errors.ts';
import type { Reply } from '../../src/core/reply.ts';
import type { TaskFactory } from '../../src/digests/scheduler.ts';
import type { SourceDefinition } from '../../src/sources/definition.ts';
import type { SyncFn } from '../../src/sources/run.ts';
import { nextRun, startSourceScheduler, type SourceScheduler } from '../../src/sources/scheduler.ts';
import { createDatabase } from '../../src/store/database.ts';
import type { Database } from '../../src/store/schema.ts';
import { createTestBot } from '../helpers/bot.ts';
import { createTestStore, type TestStore } from '../helpers/store.ts';

// The scheduler's own behaviour with a sync function of the test's: claims, once across instances, notices.
// The real syncSource is exercised in test/sources/sync-schedule.test.ts.
let store: TestStore;
let otherDb: Kysely<Database>;
let a: Bot;
let b: Bot;
let clock = new Date('2026-12-07T05:00:00Z');
let posts: { channelId: string; reply: Reply<any> }[] = [];
const calls: { name: string; trigger: string; fireTime?: string }[] = [];
let failWith: UserError | null = null;
let syncDelayMs = 0;

const sources: SourceDefinition[] = [
  { name: 'shop_orders', type: 'directory', kind: 'orders', path: '/nowhere', schedule: '0 6 * * *', zone: 'Europe/Berlin' },
  { name: 'ad_spend', type: 'url', kind: 'spend', url: 'https://example.com/spend.csv', schedule: '30 6 * * *' },
  { name: 'manual_only', type: 'directory', kind: 'events', path: '/nowhere' },
];

/** Stands in for syncSource: records the state it would on success, throws a UserError on failure. */
const fakeSync: SyncFn = async (bot, name, options) => {
  calls.push({ name, trigger: options.trigger, fireTime: options.fireTime });
  if (syncDelayMs) await new Promise((resolve) => setTimeout(resolve, syncDelayMs));
  if (failWith) throw failWith;
  const at = bot.now().toISOString();
  await bot.db
    .insertInto('source_state')
    .values({ name, data_through: at, last_success_at: at, last_attempt_at: at, last_rows: 3, updated_at: at })
    .onConflict((oc) =>
      oc.column('name').doUpdateSet({ data_through: at, last_success_at: at, last_attempt_at: at, last_rows: 3, updated_at: at }),
    )
    .execute();
  return { source: name, rows: 3, summary: 'Imported 3 orders.', cursor: null, dataThrough: at };
};

function manualTasks() {
  const live = new Map<string, { expression: string; timeZone: string; fire: (at: Date) => void }>();
  const factory: TaskFactory = (expression, timeZone, name, onFire) => {
    live.set(name, { expression, timeZone, fire: onFire });
    return { stop: () => live.delete(name) };
  };
  return { factory, live };
}

const notices = { retry: { attempts: 1, baseDelayMs: 1 }, sleep: async () => {} };
function scheduler(bot: Bot, factory: TaskFactory, extra: Partial<Parameters<typeof startSourceScheduler>[0]> = {}): SourceScheduler {
  return startSourceScheduler({ bot, createTask: factory, sync: fakeSync, reconcileMs: 0, notices, ...extra });
}

async function runsOf(source: string) {
  return store.db.selectFrom('source_runs').selectAll().where('source', '=', source).orderBy('id').execute();
}

beforeAll(async () => {
  store = await createTestStore();
  otherDb = createDatabase(store.url);
  const env = { DATABASE_URL: store.url, ADMIN_CHANNEL: 'console:admins', BUSINESS_TZ: 'Europe/Berlin' };
  a = await createTestBot(store.db, store.dir, { env, now: () => clock, sources });
  b = await createTestBot(otherDb, store.dir, { env, now: () => clock, sources });
  for (const bot of [a, b])
    bot.setNotifier('console', async (target, reply) => {
      posts.push({ channelId: target.channelId, reply });
    });
});
afterAll(async () => {
  await otherDb.destroy();
  await store.close();
});
beforeEach(() => {
  posts = [];
  calls.length = 0;
  failWith = null;
  syncDelayMs = 0;
});

describe('source schedules', () => {
  it('arms one task per scheduled source in its zone (BUSINESS_TZ by default) and tells the next run', async () => {
    const tasks = manualTasks();
    const s = scheduler(a, tasks.factory);
    await s.ready;
    expect([...tasks.live].map(([name, t]) => [name, t.expression, t.timeZone])).toEqual([
      ['source-shop_orders', '0 6 * * *', 'Europe/Berlin'],
      ['source-ad_spend', '30 6 * * *', 'Europe/Berlin'],
    ]);
    await s.stop();
    expect(tasks.live.size).toBe(0);
    expect(nextRun(sources[0]!, new Date('2026-12-07T05:30:00Z'))?.toISOString()).toBe('2026-12-08T05:00:00.000Z');
    expect(nextRun(sources[1]!, new Date('2026-12-07T05:00:00Z'), 'America/New_York')?.toISOString()).toBe('2026-12-07T11:30:00.000Z');
    expect(nextRun(sources[2]!, new Date())).toBeNull();
  });

  it('claims each fire time: woken twice for it, the source syncs once', async () => {
    const tasks = manualTasks();
    const s = scheduler(a, tasks.factory);
    await s.ready;
    clock = new Date('2026-12-07T05:00:00.300Z');
    tasks.live.get('source-shop_orders')!.fire(new Date('2026-12-07T05:00:00Z'));
    tasks.live.get('source-shop_orders')!.fire(new Date('2026-12-07T05:00:00.400Z'));
    await s.idle();
    await s.stop();
    expect(calls).toEqual([{ name: 'shop_orders', trigger: 'schedule', fireTime: '2026-12-07T05:00:00.000Z' }]);
    const runs = await runsOf('shop_orders');
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({
      fire_time: '2026-12-07T05:00:00.000Z',
      trigger: 'schedule',
      status: 'done',
      rows: 3,
      detail: 'Imported 3 orders.',
    });
    expect(posts).toEqual([]);
  });

  it('two instances on one store, fired at the same moment, run one sync', async () => {
    const tasksA = manualTasks();
    const tasksB = manualTasks();
    const both = [scheduler(a, tasksA.factory), scheduler(b, tasksB.factory)];
    await Promise.all(both.map((s) => s.ready));
    syncDelayMs = 50;
    clock = new Date('2026-12-07T05:30:00Z');
    tasksA.live.get('source-ad_spend')!.fire(new Date('2026-12-07T05:30:00Z'));
    tasksB.live.get('source-ad_spend')!.fire(new Date('2026-12-07T05:30:00.020Z'));
    await Promise.all(both.map((s) => s.idle()));
    await Promise.all(both.map((s) => s.stop()));
    expect(calls.map((c) => c.name)).toEqual(['ad_spend']);
    expect(await runsOf('ad_spend')).toHaveLength(1);
  });
});

describe('failures and recovery', () => {
  it('posts once to ADMIN_CHANNEL over three failing runs, keeps the data, and says when it recovered', async () => {
    const tasks = manualTasks();
    const s = scheduler(a, tasks.factory);
    await s.ready;
    const fire = async (at: string) => {
      clock = new Date(at);
      tasks.live.get('source-shop_orders')!.fire(new Date(at));
      await s.idle();
    };
    failWith = new UserError('source_unreachable', 'the folder /nowhere does not exist.', {
      hint: 'Create the folder or fix path: in SOURCES_FILE, then /source sync shop_orders.',
    });
    await fire('2026-12-08T05:00:00Z');
    await fire('2026-12-09T05:00:00Z');
    await fire('2026-12-10T05:00:00Z');
    expect(posts).toHaveLength(1);
    expect(posts[0]!.channelId).toBe('admins');
    const notice = posts[0]!.reply;
    expect(notice.view.title).toBe('Data source shop_orders is failing');
    expect(notice.view.text).toContain(
      'The scheduled sync of *shop_orders* (orders from a folder) failed: the folder /nowhere does not exist.',
    );
    expect(notice.view.text).toContain('Failing since 2026-12-08 06:00 CET (Europe/Berlin)');
    expect(notice.view.text).toContain('The data of the last good sync (2026-12-07 06:00 CET (Europe/Berlin)) is kept');
    expect(notice.view.notes?.[0]).toBe('Create the folder or fix path: in SOURCES_FILE, then /source sync shop_orders.');
    expect(notice.data.source_failing).toMatchObject({ source: 'shop_orders', failing_since: '2026-12-08T05:00:00.000Z' });

    const state = await store.db.selectFrom('source_state').selectAll().where('name', '=', 'shop_orders').executeTakeFirstOrThrow();
    expect(state).toMatchObject({
      failing_since: '2026-12-08T05:00:00.000Z',
      failure_posted_at: '2026-12-08T05:00:00.000Z',
      last_error: 'the folder /nowhere does not exist.',
      last_success_at: '2026-12-07T05:00:00.300Z',
      data_through: '2026-12-07T05:00:00.300Z',
    });
    expect((await runsOf('shop_orders')).map((r) => r.status)).toEqual(['done', 'failed', 'failed', 'failed']);

    failWith = null;
    await fire('2026-12-11T07:30:00Z');
    expect(posts).toHaveLength(2);
    expect(posts[1]!.reply.view.title).toBe('Data source shop_orders recovered');
    expect(posts[1]!.reply.view.text).toContain('synced again after failing for 3 days 2 h (since 2026-12-08 06:00 CET (Europe/Berlin))');
    const after = await store.db.selectFrom('source_state').selectAll().where('name', '=', 'shop_orders').executeTakeFirstOrThrow();
    expect(after).toMatchObject({ failing_since: null, failure_posted_at: null, last_error: null });

    // a later success says nothing; a new failing spell is told again
    await fire('2026-12-12T05:00:00Z');
    failWith = new UserError('source_query_failed', 'the query failed: relation "orders" does not exist.');
    await fire('2026-12-13T05:00:00Z');
    expect(posts.map((p) => p.reply.view.title)).toEqual([
      'Data source shop_orders is failing',
      'Data source shop_orders recovered',
      'Data source shop_orders is failing',
    ]);
    await s.stop();
  });

  it('a failure on two instances at once is told once; without ADMIN_CHANNEL it is a warning in the log, once', async () => {
    failWith = new UserError('source_auth', 'the server refused the credentials (401).');
    const tasksA = manualTasks();
    const tasksB = manualTasks();
    const both = [scheduler(a, tasksA.factory), scheduler(b, tasksB.factory)];
    await Promise.all(both.map((s) => s.ready));
    clock = new Date('2026-12-14T05:30:00Z');
    tasksA.live.get('source-ad_spend')!.fire(clock);
    await both[0]!.idle();
    clock = new Date('2026-12-15T05:30:00Z');
    tasksB.live.get('source-ad_spend')!.fire(clock);
    await both[1]!.idle();
    await Promise.all(both.map((s) => s.stop()));
    expect(posts.map((p) => p.reply.view.title)).toEqual(['Data source ad_spend is failing']);

    const warnings: string[] = [];
    const quiet = await createTestBot(store.db, store.dir, { env: { DATABASE_URL: store.url }, now: () => clock, sources });
    const logged = Object.create(quiet, {
      logger: {
        value: Object.assign(Object.create(quiet.logger), {
          warn: (_: unknown, message: string) => warnings.push(message),
          child: () => logged.logger,
        }),
      },
    }) as Bot;
    const tasks = manualTasks();
    const s = scheduler(logged, tasks.factory);
    await s.ready;
    await store.db.deleteFrom('source_state').where('name', '=', 'shop_orders').execute();
    failWith = new UserError('source_unreachable', 'the folder /nowhere does not exist.');
    for (const day of ['2026-12-20', '2026-12-21']) {
      clock = new Date(`${day}T05:00:00Z`);
      tasks.live.get('source-shop_orders')!.fire(clock);
      await s.idle();
    }
    await s.stop();
    expect(warnings.filter((w) => w.startsWith('data source shop_orders is failing'))).toHaveLength(1);
    expect(warnings.find((w) => w.startsWith('data source'))).toContain('set ADMIN_CHANNEL');
  });
});

describe('claims whose holder stopped', () => {
  it('re-runs the latest fire time once; an older one is recorded as failed', async () => {
    failWith = null;
    clock = new Date('2026-12-22T06:00:00Z');
    await store.db
      .insertInto('source_runs')
      .values([
        {
          source: 'ad_spend',
          fire_time: '2026-12-21T05:30:00.000Z',
          trigger: 'schedule',
          status: 'running',
          claimed_by: 'dead:1',
          started_at: '2026-12-21T05:30:00.000Z',
        },
        {
          source: 'ad_spend',
          fire_time: '2026-12-22T05:30:00.000Z',
          trigger: 'schedule',
          status: 'running',
          claimed_by: 'dead:1',
          started_at: '2026-12-22T05:30:00.000Z',
        },
      ])
      .execute();
    const both = [
      scheduler(a, manualTasks().factory, { leaseMs: 10 * 60_000 }),
      scheduler(b, manualTasks().factory, { leaseMs: 10 * 60_000 }),
    ];
    await Promise.all(both.map((s) => s.ready));
    await Promise.all(both.map((s) => s.idle()));
    await Promise.all(both.map((s) => s.stop()));
    expect(calls).toEqual([{ name: 'ad_spend', trigger: 'schedule', fireTime: '2026-12-22T05:30:00.000Z' }]);
    const runs = (await runsOf('ad_spend')).filter((r) => r.fire_time >= '2026-12-21');
    expect(runs.map((r) => [r.fire_time, r.status])).toEqual([
      ['2026-12-21T05:30:00.000Z', 'failed'],
      ['2026-12-22T05:30:00.000Z', 'done'],
    ]);
    expect(runs[0]!.detail).toContain('the instance running it (dead:1) stopped before it finished');
  });
});
