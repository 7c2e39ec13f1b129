import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Kysely } from 'kysely';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadRegistry } from '../../commands/index.ts';
import { loadConfig } from '../../src/config/config.ts';
import { Bot } from '../../src/core/bot.ts';
import type { Reply } from '../../src/core/reply.ts';
import { startDigestScheduler, type TaskFactory } from '../../src/digests/scheduler.ts';
import type { SourceDefinition } from '../../src/sources/definition.ts';
import { digestInputsHook } from '../../src/sources/refresh.ts';
import { startSourceScheduler, type SourceScheduler } from '../../src/sources/scheduler.ts';
import { createDatabase } from '../../src/store/database.ts';
import type { Database } from '../../src/store/schema.ts';
import { run } from '../helpers/bot.ts';
import { createTestStore, type TestStore } from '../helpers/store.ts';

// The real syncSource on a directory source, run by the scheduler of two instances over one store.
let store: TestStore;
let otherDb: Kysely<Database>;
let a: Bot;
let b: Bot;
let folder: string;
let clock = new Date('2026-12-07T05:00:00Z');
let posts: { channelId: string; reply: Reply<any> }[] = [];
let sources: SourceDefinition[];

function manualTasks() {
  const live = new Map<string, (at: Date) => void>();
  const factory: TaskFactory = (_expression, _timeZone, name, onFire) => {
    live.set(name, onFire);
    return { stop: () => live.delete(name) };
  };
  return { factory, live };
}

const quick = { retry: { attempts: 1, baseDelayMs: 1 }, sleep: async () => {} };
function sourceScheduler(bot: Bot, factory: TaskFactory): SourceScheduler {
  return startSourceScheduler({ bot, createTask: factory, reconcileMs: 0, notices: quick });
}

function writeOrders(name: string, rows: string[]) {
  writeFileSync(path.join(folder, name), ['order_id,customer_id,order_date,amount', ...rows].join('\n') + '\n');
}

async function makeBot(db: Kysely<Database>): Promise<Bot> {
  const config = loadConfig({
    DATABASE_URL: store.url,
    OUT_DIR: path.join(store.dir, 'out'),
    ADMIN_CHANNEL: 'console:admins',
    BUSINESS_TZ: 'Europe/Berlin',
  });
  const bot = new Bot({
    db,
    config,
    logger: pino({ level: 'silent' }),
    registry: await loadRegistry(),
    outDir: path.join(store.dir, 'out'),
    now: () => clock,
    sources,
  });
  bot.setNotifier('console', async (target, reply) => {
    posts.push({ channelId: target.channelId, reply });
  });
  return bot;
}

beforeAll(async () => {
  store = await createTestStore();
  folder = path.join(store.dir, 'exports');
  mkdirSync(folder);
  sources = [
    {
      name: 'shop_orders',
      type: 'directory',
      kind: 'orders',
      path: folder,
      glob: 'orders-*.csv',
      schedule: '0 6 * * *',
      zone: 'Europe/Berlin',
    },
  ];
  otherDb = createDatabase(store.url);
  a = await makeBot(store.db);
  b = await makeBot(otherDb);
});
afterAll(async () => {
  await otherDb.destroy();
  await store.close();
});
beforeEach(() => {
  posts = [];
});

async function fireBoth(at: string) {
  clock = new Date(at);
  const tasksA = manualTasks();
  const tasksB = manualTasks();
  const both = [sourceScheduler(a, tasksA.factory), sourceScheduler(b, tasksB.factory)];
  await Promise.all(both.map((s) => s.ready));
  tasksA.live.get('source-shop_orders')!(clock);
  tasksB.live.get('source-shop_orders')!(clock);
  await Promise.all(both.map((s) => s.idle()));
  await Promise.all(both.map((s) => s.stop()));
}

const orderCount = async () =>
  Number(
    (
      await store.db
        .selectFrom('orders')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

describe('scheduled syncs with the real syncSource', () => {
  it('two instances on one schedule: one sync, one run row, the file imported once', async () => {
    writeOrders('orders-1.csv', ['o1,c1,2026-12-06T08:15:00Z,10', 'o2,c2,2026-12-07T05:02:00Z,20']);
    await fireBoth('2026-12-07T05:00:00Z');
    const runs = await store.db.selectFrom('source_runs').selectAll().execute();
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({
      source: 'shop_orders',
      fire_time: '2026-12-07T05:00:00.000Z',
      trigger: 'schedule',
      status: 'done',
      rows: 2,
    });
    expect(await orderCount()).toBe(2);
    // the import itself ran once (each import under its kind's lock is one job_runs row)
    const imports = await store.db.selectFrom('job_runs').select(['command', 'status']).execute();
    expect(imports).toEqual([{ command: 'source sync shop_orders', status: 'done' }]);
    const state = await store.db.selectFrom('source_state').selectAll().where('name', '=', 'shop_orders').executeTakeFirstOrThrow();
    expect(state).toMatchObject({ last_rows: 2, failing_since: null });
    expect(state.data_through).toMatch(/^2026-12-07/);
    expect(posts).toEqual([]);
  });

  it('a failing source keeps its data, is told once over three runs, and its recovery is told', async () => {
    renameSync(folder, `${folder}-gone`);
    for (const day of ['2026-12-08', '2026-12-09', '2026-12-10']) await fireBoth(`${day}T05:00:00Z`);
    const admin = posts.filter((p) => p.channelId === 'admins');
    expect(admin).toHaveLength(1);
    expect(admin[0]!.reply.view.title).toBe('Data source shop_orders is failing');
    expect(admin[0]!.reply.view.text).toContain('cannot be read');
    expect(admin[0]!.reply.view.text).toContain('Failing since 2026-12-08 06:00 CET (Europe/Berlin)');
    expect(await orderCount()).toBe(2);
    const failed = await store.db.selectFrom('source_runs').select(['fire_time', 'status']).where('status', '=', 'failed').execute();
    expect(failed).toHaveLength(3);

    renameSync(`${folder}-gone`, folder);
    writeOrders('orders-2.csv', ['o1,c1,2026-12-06T08:15:00Z,10', 'o2,c2,2026-12-07T05:02:00Z,20', 'o3,c3,2026-12-11T04:30:00Z,5']);
    await fireBoth('2026-12-11T05:00:00Z');
    expect(posts.filter((p) => p.channelId === 'admins').map((p) => p.reply.view.title)).toEqual([
      'Data source shop_orders is failing',
      'Data source shop_orders recovered',
    ]);
    expect(posts.at(-1)!.reply.view.text).toContain('after failing for 3 days');
    expect(await orderCount()).toBe(3);
    const state = await store.db.selectFrom('source_state').selectAll().where('name', '=', 'shop_orders').executeTakeFirstOrThrow();
    expect(state).toMatchObject({ failing_since: null, failure_posted_at: null, last_error: null });
  });

  it('a digest with refresh= syncs the source first and says how fresh the orders are', async () => {
    writeOrders('orders-3.csv', ['o4,c4,2026-12-14T05:02:00Z,7']);
    clock = new Date('2026-12-10T10:00:00Z');
    const made = await run(a, '/digest schedule cron="0 9 * * MON" tz=Europe/Berlin channel=weekly refresh=shop_orders');
    expect(made.ok, JSON.stringify(made.data)).toBe(true);
    const unknown = await run(a, '/digest schedule cron="0 9 * * MON" tz=Europe/Berlin refresh=shop_order');
    expect(unknown.data.error.message).toContain('Did you mean `shop_orders`?');
    const tasks = manualTasks();
    const digests = startDigestScheduler({
      bot: a,
      createTask: tasks.factory,
      reconcileMs: 0,
      runtime: { ...quick, inputs: digestInputsHook(a, { notices: quick }) },
    });
    await digests.ready;
    clock = new Date('2026-12-14T08:00:00Z');
    tasks.live.get(`digest-${made.data.id as number}`)!(clock);
    await digests.idle();
    await digests.stop();
    const digest = posts.find((p) => p.channelId === 'weekly')!;
    expect(digest.reply.view.notes).toContain('Data: orders to 06:02 today, spend none yet, events none yet');
    expect(await orderCount()).toBe(4);
    const list = await run(a, '/digest list');
    expect(list.data.schedules[0].refresh).toEqual(['shop_orders']);
  });
});
