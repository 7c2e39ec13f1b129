import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bot } from '../../src/core/bot.ts';
import { createTestBot, run } from '../helpers/bot.ts';
import { datasetPath, hasDataset } from '../helpers/datasets.ts';
import { createTestStore, type TestStore } from '../helpers/store.ts';

const MALL = 'mall-customers/Mall_Customers.csv';

describe.skipIf(!hasDataset(MALL))('/segment run on the Mall Customers set (published figures)', () => {
  let store: TestStore;
  let bot: Bot;

  beforeAll(async () => {
    store = await createTestStore();
    bot = await createTestBot(store.db, store.dir, { env: { DATABASE_URL: store.url } });
    const imported = await run(bot, `/import customers ${datasetPath(MALL)}`);
    expect(imported.ok, JSON.stringify(imported.data)).toBe(true);
  });
  afterAll(async () => store.close());

  it('imports the customers with annual_income and spending_score attributes', async () => {
    const rows = await store.db
      .selectFrom('customer_attributes')
      .select('name')
      .where('name', 'in', ['annual_income', 'spending_score'])
      .execute();
    expect(rows).toHaveLength(400);
  });

  it('k=5 unscaled: inertia 44448.455 within 0.1%, sizes 81/39/35/23/22, every customer clustered', async () => {
    const answer = await run(bot, '/segment run k=5 features=annual_income,spending_score scaling=none seed=42');
    expect(answer.ok, JSON.stringify(answer.data)).toBe(true);
    const { data } = answer;
    expect(Math.abs(data.inertia - 44448.455) / 44448.455).toBeLessThan(0.001);
    expect(data.segments.map((s: { size: number }) => s.size)).toEqual([81, 39, 35, 23, 22]);
    expect(data.customers).toBe(200);
    expect(data.segments.some((s: { name: string }) => s.name === 'No purchase yet')).toBe(false);
    expect(data.transforms).toEqual([
      { feature: 'annual_income', transform: 'raw' },
      { feature: 'spending_score', transform: 'raw' },
    ]);
    expect(data.segments[0]).toMatchObject({ name: 'Typical customers', revenue_share: null });
    expect(data.segments[0].profile.annual_income).toBeCloseTo(55.3, 1);
    expect(answer.view.text).toContain('annual_income: raw; spending_score: raw');
  });

  it('exports a Mall segment with the attribute values', async () => {
    const answer = await run(bot, '/segment export "typical customers"');
    expect(answer.data.rows).toBe(81);
    const lines = readFileSync(answer.data.file, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('customer_id,annual_income,spending_score');
    expect(lines).toHaveLength(82);
  });

  it('with default features it says there are no purchases and suggests the attributes', async () => {
    const answer = await run(bot, '/segment run');
    expect(answer.data.error.code).toBe('no_orders');
    expect(answer.data.error.hint).toContain('features=age,annual_income,spending_score');
  });
});
