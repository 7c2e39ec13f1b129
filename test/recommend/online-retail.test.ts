import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bot } from '../../src/core/bot.ts';
import { formatPercent } from '../../src/core/format.ts';
import { createTestBot, run } from '../helpers/bot.ts';
import { datasetPath, hasDataset } from '../helpers/datasets.ts';
import { createTestStore, type TestStore } from '../helpers/store.ts';

const README = readFileSync(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../README.md'), 'utf8');
const DATA = 'online-retail/onlineretail.csv.gz';

let store: TestStore;
let bot: Bot;
beforeAll(async () => {
  store = await createTestStore();
  bot = await createTestBot(store.db, store.dir, { env: { DATABASE_URL: store.url } });
});
afterAll(async () => store?.close());

describe.skipIf(!hasDataset(DATA))('/recommend on the UCI Online Retail data', () => {
  it('beats popularity on hit rate@10 over the last 30 days, with the figures the README states', async () => {
    const imported = await run(bot, `/import orders ${datasetPath(DATA)}`);
    expect(imported.data).toMatchObject({ line_items: { lines: 396_681, products: 3_684 } });
    const reply = await run(bot, '/recommend evaluate holdout_days=30 k=10');
    expect(reply.ok, JSON.stringify(reply.data)).toBe(true);
    const { recommender, popularity } = reply.data;
    expect(reply.data).toMatchObject({
      train_through: '2011-11-09',
      holdout_from: '2011-11-10',
      holdout_through: '2011-12-09',
      customers: 1_272,
      catalog: 3_628,
    });
    expect(recommender.hit_rate).toBeGreaterThan(popularity.hit_rate);
    expect([recommender.hits, popularity.hits]).toEqual([412, 289]);
    expect([recommender.products_recommended, popularity.products_recommended]).toEqual([827, 69]);
    const stated = README.slice(README.indexOf('## Recommendations'));
    for (const figure of [recommender.hit_rate, popularity.hit_rate, recommender.coverage, popularity.coverage])
      expect(stated).toContain(formatPercent(figure));
  }, 300_000);

  it('explains a customer’s top product by what they bought', async () => {
    expect((await run(bot, '/recommend train')).ok).toBe(true);
    const reply = await run(bot, '/recommend customer=17850 limit=3');
    expect(reply.data.recommendations[0]).toMatchObject({
      product_id: '21733',
      name: 'RED HANGING HEART T-LIGHT HOLDER',
      reason: 'bought with CREAM HANGING HEART T-LIGHT HOLDER by 312 customers',
    });
  }, 120_000);
});
