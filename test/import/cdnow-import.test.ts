import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bot } from '../../src/core/bot.ts';
import { createTestBot, run } from '../helpers/bot.ts';
import { datasetPath, hasDataset } from '../helpers/datasets.ts';
import { createTestStore, type TestStore } from '../helpers/store.ts';

/*
 * The user's path to the published BG/NBD fit: CDNOW_sample.txt (headerless, whitespace-separated:
 * master_id sample_id YYYYMMDD cds dollars) written as the CSV a user would export, loaded with
 * /import orders, fitted with /clv model. Free orders ($0.00) are purchases worth 0: without
 * them 8 customers and the published parameters are lost.
 * Published (Fader, Hardie & Lee 2005; MLE from ../shared/datasets/README.md): r 0.242593,
 * alpha 4.413532, a 0.792886, b 2.425754.
 */
const SAMPLE = 'cdnow/CDNOW_sample.txt';
const present = hasDataset(SAMPLE);
const PUBLISHED = { r: 0.242593, alpha: 4.413532, a: 0.792886, b: 2.425754 };

let store: TestStore;
let bot: Bot;
let csv: string;

beforeAll(async () => {
  if (!present) return;
  store = await createTestStore();
  bot = await createTestBot(store.db, store.dir, { env: { DATABASE_URL: store.url } });
  const lines = readFileSync(datasetPath(SAMPLE), 'utf8').trim().split('\n');
  const rows = lines.map((line, i) => {
    const [master, , day, cds, dollars] = line.trim().split(/\s+/);
    return `${i + 1},${master},${day!.slice(0, 4)}-${day!.slice(4, 6)}-${day!.slice(6, 8)},${cds},${dollars}`;
  });
  csv = path.join(store.dir, 'cdnow-orders.csv');
  writeFileSync(csv, ['order_id,customer_id,order_date,quantity,amount', ...rows].join('\n') + '\n');
});
afterAll(async () => store?.close());

describe.skipIf(!present)('CDNOW through /import orders and /clv model', () => {
  it('keeps every customer, free orders included as purchases, and reproduces the published BG/NBD fit to 0.1%', async () => {
    const imported = await run(bot, `/import orders ${csv}`);
    expect(imported.ok, JSON.stringify(imported.data)).toBe(true);
    const free = await store.db
      .selectFrom('orders')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('net_cents', '=', 0)
      .where('is_purchase', '=', 1)
      .executeTakeFirstOrThrow();
    expect(Number(free.n)).toBeGreaterThan(0);

    const model = await run(bot, '/clv model as_of=1997-09-30');
    expect(model.ok, JSON.stringify(model.data)).toBe(true);
    expect(model.data.customers).toBe(2357);
    for (const [name, value] of Object.entries(PUBLISHED)) {
      expect(Math.abs(model.data.bgnbd[name] / value - 1), `${name} ${model.data.bgnbd[name]}`).toBeLessThan(0.001);
    }
  });

  it('values customers on gross margin with GROSS_MARGIN, and says so', async () => {
    const onRevenue = await run(bot, '/clv as_of=1997-09-30');
    const marginBot = await createTestBot(store.db, store.dir, { env: { DATABASE_URL: store.url, GROSS_MARGIN: '0.4' } });
    const onMargin = await run(marginBot, '/clv as_of=1997-09-30');
    expect(onRevenue.ok && onMargin.ok, JSON.stringify([onRevenue.data, onMargin.data])).toBe(true);
    expect(onMargin.data.predicted.total_clv).toBeCloseTo(onRevenue.data.predicted.total_clv * 0.4, 0);
    expect(onRevenue.view.notes!.join(' ')).toContain('CLV is on revenue');
    expect(onMargin.view.notes!.join(' ')).toContain('CLV is on gross margin (GROSS_MARGIN=0.4)');
  });
});
