import type { Kysely } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Bot } from '../../src/core/bot.ts';
import { UserError } from '../../src/core/errors.ts';
import type { Reply } from '../../src/core/reply.ts';
import { startDigestScheduler, type TaskFactory } from '../../src/digests/scheduler.ts';
import type { SourceDefinition } from '../../src/sources/definition.ts';
import { describeThrough } from '../../src/sources/freshness.ts';
import { digestInputsHook } from '../../src/sources/refresh.ts';
import type { SyncFn } from '../../src/sources/run.ts';
import { createDatabase } from '../../src/store/database.ts';
import type { Database } from '../../src/store/schema.ts';
import { createTestBot, run } from '../helpers/bot.ts';
import { createTestStore, type TestStore } from '../helpers/store.ts';
import { seedDigestStore } from './seed.ts';

// A digest schedule with refresh=: the sources are synced first (once, by the instance that claimed the
// digest), a failing one is mentioned, and the digest says how fresh each input is.
let store: TestStore;
let otherDb: Kysely<Database>;
let a: Bot;
let b: Bot;
let clock = new Date('2026-11-20T10:00:00Z');
let posts: { channelId: string; reply: Reply<any> }[] = [];
const calls: string[] = [];
let failing: string | null = null;

const sources: SourceDefinition[] = [
  { name: 'shop_orders', type: 'postgres', kind: 'orders', connection: 'postgres://x', query: 'select 1' },
  { name: 'ad_spend', type: 'url', kind: 'spend', url: 'https://example.com/spend.csv' },
];
const through: Record<string, string> = { shop_orders: '2026-11-23T05:02:00.000Z', ad_spend: '2026-11-22' };

const fakeSync: SyncFn = async (bot, name) => {
  calls.push(name);
  if (failing === name) throw new UserError('source_auth', 'the server refused the credentials (401).');
  const at = bot.now().toISOString();
  const dataThrough = through[name]!;
  await bot.db
    .insertInto('source_state')
    .values({ name, data_through: dataThrough, last_success_at: at, last_attempt_at: at, last_rows: 1, updated_at: at })
    .onConflict((oc) => oc.column('name').doUpdateSet({ data_through: dataThrough, last_success_at: at, updated_at: at }))
    .execute();
  return { source: name, rows: 1, summary: 'ok', cursor: null, dataThrough };
};

function manualTasks() {
  const live = new Map<string, (at: Date) => void>();
  const factory: TaskFactory = (_expression, _timeZone, name, onFire) => {
    live.set(name, onFire);
    return { stop: () => live.delete(name) };
  };
  return { factory, live };
}

const noSleep = { retry: { attempts: 1, baseDelayMs: 1 }, sleep: async () => {} };
function digestScheduler(bot: Bot, factory: TaskFactory) {
  return startDigestScheduler({
    bot,
    createTask: factory,
    reconcileMs: 0,
    runtime: { ...noSleep, inputs: digestInputsHook(bot, { sync: fakeSync, notices: noSleep }) },
  });
}

beforeAll(async () => {
  store = await createTestStore();
  await seedDigestStore(store.db);
  await store.db
    .insertInto('events')
    .values({
      customer_id: 'c1',
      campaign_id: '1',
      type: 'open',
      occurred_at: '2026-11-03T10:00:00.000Z',
      updated_at: '2026-11-03T10:00:00.000Z',
    })
    .execute();
  otherDb = createDatabase(store.url);
  const env = { DATABASE_URL: store.url, ADMIN_CHANNEL: 'console:admins' };
  a = await createTestBot(store.db, store.dir, { env, now: () => clock, sources });
  b = await createTestBot(otherDb, store.dir, { env, now: () => clock, sources });
  for (const bot of [a, b]) {
    bot.setNotifier('console', async (target, reply) => {
      posts.push({ channelId: target.channelId, reply });
    });
  }
});
afterAll(async () => {
  await otherDb.destroy();
  await store.close();
});
beforeEach(() => {
  posts = [];
  calls.length = 0;
  failing = null;
});

describe('/digest schedule refresh=', () => {
  it('checks the names against the defined sources, stores them and lists them', async () => {
    const bad = await run(a, '/digest schedule cron="0 7 * * MON" tz=Europe/Berlin refresh=shop_orders,ad_spnd');
    expect(bad.ok).toBe(false);
    expect(bad.data.error.message).toBe('`ad_spnd` is not a source defined in SOURCES_FILE. Did you mean `ad_spend`?');
    expect(bad.data.error.hint).toBe('The sources are shop_orders, ad_spend (/source list).');

    const made = await run(a, '/digest schedule cron="0 7 * * MON" tz=Europe/Berlin channel=fresh refresh=shop_orders,ad_spend');
    expect(made.ok, JSON.stringify(made.data)).toBe(true);
    expect(made.data.refresh).toEqual(['shop_orders', 'ad_spend']);
    const list = await run(a, '/digest list');
    expect(list.data.schedules.find((s: { id: number }) => s.id === made.data.id).refresh).toEqual(['shop_orders', 'ad_spend']);
    expect(list.view.tables![0]!.columns).toContain('Syncs first');
    expect(list.view.tables![0]!.rows.find((r) => r[0] === made.data.id)).toContain('shop_orders, ad_spend');

    const edited = await run(a, `/digest edit ${made.data.id as number} refresh=ad_spend`);
    expect(edited.data).toMatchObject({ refresh: ['ad_spend'], changed: true });
    expect((await run(a, `/digest edit ${made.data.id as number} refresh=none`)).data.refresh).toEqual([]);
    await run(a, `/digest remove ${made.data.id as number}`);
  });
});

describe('a digest with refresh', () => {
  it('syncs its sources first, once across two instances, and says how fresh each input is', async () => {
    clock = new Date('2026-11-20T10:00:00Z');
    const made = await run(a, '/digest schedule cron="0 9 * * MON" tz=Europe/Berlin channel=weekly refresh=shop_orders,ad_spend');
    const id = made.data.id as number;
    const tasksA = manualTasks();
    const tasksB = manualTasks();
    const both = [digestScheduler(a, tasksA.factory), digestScheduler(b, tasksB.factory)];
    await Promise.all(both.map((s) => s.ready));
    clock = new Date('2026-11-23T08:00:00Z');
    tasksA.live.get(`digest-${id}`)!(clock);
    tasksB.live.get(`digest-${id}`)!(clock);
    await Promise.all(both.map((s) => s.idle()));
    await Promise.all(both.map((s) => s.stop()));

    expect(calls).toEqual(['shop_orders', 'ad_spend']);
    const digests = posts.filter((p) => p.channelId === 'weekly');
    expect(digests).toHaveLength(1);
    const notes = digests[0]!.reply.view.notes!;
    expect(notes).toContain('Data: orders to 06:02 today, spend to yesterday, events to 3 Nov');
    expect(digests[0]!.reply.data.inputs.refreshed).toEqual([
      { source: 'shop_orders', status: 'done', rows: 1 },
      { source: 'ad_spend', status: 'done', rows: 1 },
    ]);
    const runs = await store.db.selectFrom('source_runs').select(['source', 'fire_time', 'trigger', 'status']).orderBy('id').execute();
    expect(runs).toEqual([
      { source: 'shop_orders', fire_time: `digest:${id}:2026-11-23T08:00:00.000Z`, trigger: 'digest', status: 'done' },
      { source: 'ad_spend', fire_time: `digest:${id}:2026-11-23T08:00:00.000Z`, trigger: 'digest', status: 'done' },
    ]);
    await run(a, `/digest remove ${id}`);
  });

  it('a source that fails does not stop the digest: it is mentioned, and the admins are told once', async () => {
    clock = new Date('2026-11-20T10:00:00Z');
    const made = await run(a, '/digest schedule cron="0 9 * * TUE" tz=Europe/Berlin channel=tuesday refresh=shop_orders,ad_spend');
    const id = made.data.id as number;
    const tasks = manualTasks();
    const s = digestScheduler(a, tasks.factory);
    await s.ready;
    failing = 'shop_orders';
    clock = new Date('2026-11-24T08:00:00Z');
    tasks.live.get(`digest-${id}`)!(clock);
    await s.idle();
    await s.stop();

    const digest = posts.find((p) => p.channelId === 'tuesday')!;
    expect(digest.reply.view.notes).toContain(
      'shop_orders could not be synced (the server refused the credentials (401)): this digest uses its data from the last good sync.',
    );
    // the orders still reach as far as the last good sync did
    expect(digest.reply.view.notes).toContain('Data: orders to 06:02 yesterday, spend to 22 Nov, events to 3 Nov');
    expect(posts.filter((p) => p.channelId === 'admins').map((p) => p.reply.view.title)).toEqual(['Data source shop_orders is failing']);
    expect(posts.find((p) => p.channelId === 'admins')!.reply.view.text).toContain('The sync before a digest of *shop_orders*');
    await run(a, `/digest remove ${id}`);
  });
});

describe('freshness wording', () => {
  it('today, yesterday, a day this year, a day of another year', () => {
    const now = new Date('2026-12-07T10:00:00Z');
    expect(describeThrough('2026-12-07T05:02:00.000Z', now, 'Europe/Berlin')).toBe('06:02 today');
    expect(describeThrough('2026-12-06', now, 'Europe/Berlin')).toBe('yesterday');
    expect(describeThrough('2026-12-06T23:30:00.000Z', now, 'Europe/Berlin')).toBe('00:30 today');
    expect(describeThrough('2026-12-03', now, 'UTC')).toBe('3 Dec');
    expect(describeThrough('2025-12-31', now, 'UTC')).toBe('31 Dec 2025');
  });
});
