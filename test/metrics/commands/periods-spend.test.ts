import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bot } from '../../../src/core/bot.ts';
import { createTestBot, run } from '../../helpers/bot.ts';
import { createTestStore, type TestStore } from '../../helpers/store.ts';

/*
 * Spend booked by month (dates YYYY-MM in the file) against periods that cut months, by hand:
 *   search: 2026-10 $310.00 (31 days: $10 a day), 2026-11 $300.00 (30 days: $10 a day), and a daily
 *   row of $50 on 2026-11-20. Orders run to 2026-11-25: the latest data day.
 *   from=2026-11-11 (no to=): 11-11..11-25, 15 days: 15 × $10 + $50 = $200; compared with the 15
 *   days before, 10-27..11-10: 5 days of October + 10 of November = $150.
 */
let store: TestStore;
let bot: Bot;

function csv(name: string, lines: string[]): string {
  const file = path.join(store.dir, name);
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

beforeAll(async () => {
  store = await createTestStore();
  bot = await createTestBot(store.db, store.dir, { env: { DATABASE_URL: store.url } });
  const customers = csv('customers.csv', [
    'customer_id,signup_date,acquisition_channel',
    'c1,2026-10-30,search',
    'c2,2026-11-12,search',
    'c3,2026-11-21,search',
  ]);
  const orders = csv('orders.csv', [
    'order_id,customer_id,order_date,amount',
    '1,c1,2026-10-30,40',
    '2,c2,2026-11-12,60',
    '3,c3,2026-11-25,90',
  ]);
  const spend = csv('spend.csv', ['date,channel,amount', '2026-10,search,310.00', '2026-11,search,300.00', '2026-11-20,search,50.00']);
  for (const [kind, file] of [
    ['customers', customers],
    ['orders', orders],
    ['spend', spend],
  ]) {
    const answer = await run(bot, `/import ${kind} ${file}`);
    expect(answer.ok, JSON.stringify(answer.data)).toBe(true);
  }
});
afterAll(async () => store.close());

describe('periods and monthly spend', () => {
  it('from= alone runs to the latest data day, compares with the preceding period of the same length, and prorates monthly spend by day', async () => {
    const cac = await run(bot, '/cac from=2026-11-11');
    expect(cac.ok, JSON.stringify(cac.data)).toBe(true);
    expect(cac.data.period).toMatchObject({ from: '2026-11-11', to: '2026-11-25' });
    expect(cac.data.previous_period).toMatchObject({ from: '2026-10-27', to: '2026-11-10' });
    const search = cac.data.channels.find((c: { channel: string }) => c.channel === 'search');
    expect(search).toMatchObject({ spend: 200, new_customers: 2, cac: 100, previous: { spend: 150, new_customers: 1, cac: 150 } });
    expect(cac.view.notes!.join(' ')).toContain('Spend booked by month is prorated by day where the period cuts a month (1 monthly row)');

    const roi = await run(bot, '/roi from=2026-11-11 as_of=2026-11-25');
    expect(roi.ok, JSON.stringify(roi.data)).toBe(true);
    const roiSearch = roi.data.channels.find((c: { channel: string }) => c.channel === 'search');
    // ($60 + $90 − $200) / $200
    expect(roiSearch).toMatchObject({ spend: 200, revenue: 150, roi: -0.25 });
    expect(roi.view.notes!.join(' ')).toContain('prorated by day');
  });

  it('a whole month takes its monthly row whole, and says nothing about proration', async () => {
    const cac = await run(bot, '/cac period=2026-10');
    const search = cac.data.channels.find((c: { channel: string }) => c.channel === 'search');
    expect(search).toMatchObject({ spend: 310, new_customers: 1 });
    expect(cac.view.notes!.join(' ')).not.toContain('prorated');
  });
});
