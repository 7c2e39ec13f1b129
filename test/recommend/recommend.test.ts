import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderText } from '../../adapters/console/render.ts';
import type { Bot } from '../../src/core/bot.ts';
import type { Reply } from '../../src/core/reply.ts';
import { createTestBot, run } from '../helpers/bot.ts';
import { createTestStore, type TestStore } from '../helpers/store.ts';
import { customerOf, HOLDOUT_BUYERS, HOSTILE_NAME, PER_TASTE, TASTES, writePurchases } from './seed.ts';

/**
 * /recommend on a store with known tastes, as a user runs it: learning, evaluating and segment
 * products in a worker thread on the store (SQLite file or PostgreSQL schema), runs kept per run.
 */

let store: TestStore;
let bot: Bot;
let files: ReturnType<typeof writePurchases>;

beforeAll(async () => {
  store = await createTestStore();
  const dir = path.join(store.dir, 'files');
  mkdirSync(dir, { recursive: true });
  files = writePurchases(dir);
  bot = await createTestBot(store.db, store.dir, { now: () => new Date('2026-04-02T09:00:00Z'), env: { DATABASE_URL: store.url } });
});
afterAll(async () => store.close());

async function ok(line: string): Promise<Reply<any>> {
  const reply = await run(bot, line);
  expect(reply.ok, `${line}: ${renderText(reply)}`).toBe(true);
  return reply;
}

type Row = { rank: number; product_id: string; reason: string; because: { product_id: string } | null };

describe('/recommend before there is anything to learn from', () => {
  it('says how to get there: no purchases with products, then no model yet', async () => {
    const none = await run(bot, '/recommend train');
    expect(none.data.error).toMatchObject({ code: 'no_line_items' });
    expect(none.data.error.hint).toContain('/import orders');
    await ok(`/import customers ${files.customers}`);
    await ok(`/import orders ${files.orders}`);
    await ok(`/import products ${files.products}`);
    const untrained = await run(bot, `/recommend customer=${customerOf('A', 20)}`);
    expect(untrained.data.error).toMatchObject({ code: 'no_recommendation_model' });
    expect(untrained.data.error.hint).toContain('/recommend train');
    expect((await run(bot, '/recommend')).data.error).toMatchObject({ code: 'recommend_for_whom' });
    expect((await run(bot, '/recommend customer=NOBODY')).data.error).toMatchObject({ code: 'unknown_customer' });
  });
});

describe('/recommend train and /recommend customer=…', () => {
  it('learns from every purchase line and keeps the model as a run', async () => {
    const reply = await ok('/recommend train');
    // three products each, the March one for some, the bag for those whose i is not a multiple of 4
    const lines = TASTES.length * (PER_TASTE * 3 + HOLDOUT_BUYERS + PER_TASTE - Math.ceil(PER_TASTE / 4));
    expect(reply.data).toMatchObject({ run_id: 1, as_of: '2026-03-29', customers: 90, products: 16, lines });
    const run1 = await store.db.selectFrom('recommendation_runs').select(['kind', 'status']).executeTakeFirstOrThrow();
    expect(run1).toEqual({ kind: 'model', status: 'complete' });
  });

  it('recommends what customers of the same taste bought, with a one-line reason; never what they bought or inactive products', async () => {
    const reply = await ok(`/recommend customer=${customerOf('A', 20)} limit=5`);
    const rows = reply.data.recommendations as Row[];
    expect(rows.map((r) => r.product_id).slice(0, 2)).toEqual(['A4', 'BAG']);
    expect(rows).toHaveLength(5);
    for (const bought of ['A1', 'A2', 'A3', 'A5']) expect(rows.map((r) => r.product_id)).not.toContain(bought);
    expect(rows[0]!.reason).toMatch(/^bought with Alpine A[123] by \d+ customers$/);
    expect(rows[1]!.reason).toMatch(/^bought with Alpine A[123] by \d+ customers$/);
    // nothing else is near what they bought: the most popular of the rest fill the list
    for (const row of rows.slice(2)) {
      expect(row.because).toBeNull();
      expect(row.reason).toMatch(/^popular: bought by \d+ customers$/);
    }
    // a name from a file: one short line in the reply, whatever it held
    const text = renderText(reply);
    expect(text).not.toContain(HOSTILE_NAME.slice(0, 80));
    const product = reply.view.tables![0]!.rows[0]![1] as string;
    expect(product.length).toBeLessThanOrEqual(60 + ' (A4)'.length);
    expect(product).toMatch(/^<!here> \*Alpine\* .*… \(A4\)$/);
    expect(reply.view.notes!.join(' ')).toContain('Learnt from purchases through 2026-03-29');
  });

  it('gives a customer without purchases with products the most popular ones', async () => {
    const reply = await ok('/recommend customer=NEWBIE limit=3');
    expect(reply.view.text).toContain('no purchases with products yet');
    expect((reply.data.recommendations as Row[]).map((r) => r.product_id)).toEqual(['BAG', 'A1', 'A2']);
  });

  it('serves the newest model, and says when purchases came in after it', async () => {
    const older = await ok('/recommend train as_of=2026-01-31');
    expect(older.data).toMatchObject({ run_id: 2, as_of: '2026-01-31' });
    const reply = await ok(`/recommend customer=${customerOf('B', 21)}`);
    expect(reply.data.run_id).toBe(2);
    expect(reply.view.notes!.join(' ')).toContain('Purchases up to 2026-03-29 are in the store since');
    expect(Number((await ok('/recommend train')).data.run_id)).toBe(3);
    const runs = await store.db.selectFrom('recommendation_runs').select('id').where('kind', '=', 'model').execute();
    expect(runs).toHaveLength(3);
  });

  it('refuses a second run while one holds the lease', async () => {
    await store.db
      .insertInto('leases')
      .values({ key: 'recommend-run', owner: 'slack:U9|job:1:abc', expires_at: Date.now() + 60_000, acquired_at: '2026-04-02T09:00:00Z' })
      .execute();
    try {
      expect((await run(bot, '/recommend evaluate')).data.error).toMatchObject({ code: 'recommend_run_running' });
    } finally {
      await store.db.deleteFrom('leases').where('key', '=', 'recommend-run').execute();
    }
  });
});

describe('/recommend evaluate', () => {
  it('scores the recommender and popularity on the same holdout customers, and keeps the figures as a run', async () => {
    const reply = await ok('/recommend evaluate');
    expect(reply.data).toMatchObject({
      k: 10,
      holdout_days: 30,
      train_through: '2026-02-27',
      holdout_from: '2026-02-28',
      holdout_through: '2026-03-29',
      customers: TASTES.length * HOLDOUT_BUYERS,
      new_customers: 0,
      repeat_only: 0,
      // all but the 4 customers of taste A whose next product is A5, which is retired (never recommended)
      recommender: { hits: TASTES.length * HOLDOUT_BUYERS - 4 },
    });
    expect(reply.data.popularity.hit_rate).toBeLessThan(reply.data.recommender.hit_rate);
    expect(reply.data.recommender.coverage).toBeGreaterThan(reply.data.popularity.coverage);
    expect(reply.view.tables![0]!.rows.map((row) => row[0])).toEqual(['Co-purchases', 'Popularity']);
    const stored = await store.db
      .selectFrom('recommendation_runs')
      .select(['kind', 'details'])
      .where('id', '=', reply.data.run_id)
      .executeTakeFirstOrThrow();
    expect(stored.kind).toBe('evaluation');
    expect(JSON.parse(stored.details).recommender.hits).toBe(TASTES.length * HOLDOUT_BUYERS - 4);
    // an evaluation is no model: customers are served by the newest model
    expect((await ok(`/recommend customer=${customerOf('A', 20)}`)).data.run_id).toBe(3);
  });
});

describe('/recommend segment=…', () => {
  it('lists what a segment buys more than everyone, with shares and lift', async () => {
    await ok('/segment run k=3 features=taste scaling=none name=tastes');
    const segments = await store.db.selectFrom('segments').select(['id', 'profile']).execute();
    const tasteA = segments.find((s) => JSON.parse(s.profile).taste === 1)!;
    const reply = await ok(`/recommend segment=${tasteA.id} limit=10`);
    const products = reply.data.products as { product: string; lift: number; segment_buyers: number }[];
    expect(reply.data).toMatchObject({ segment_buyers: PER_TASTE, base_buyers: PER_TASTE * TASTES.length });
    expect(products.map((p) => p.product).sort()).toEqual(['A1', 'A2', 'A3', 'A4']);
    for (const p of products) expect(p.lift).toBeCloseTo(3, 5);
    expect(reply.view.tables![0]!.columns).toEqual(['#', 'Product', 'Segment', 'Everyone', 'Lift']);
    expect(reply.view.tables![0]!.rows[0]![4]).toBe('3.0×');
    expect((await run(bot, '/recommend segment="no such segment"')).data.error).toMatchObject({ code: 'segment_not_found' });
  });
});
