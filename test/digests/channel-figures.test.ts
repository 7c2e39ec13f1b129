import type { Insertable } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bot } from '../../src/core/bot.ts';
import type { Database } from '../../src/store/schema.ts';
import { createTestBot, run } from '../helpers/bot.ts';
import { createTestStore, type TestStore } from '../helpers/store.ts';

/*
 * Hand-made book, weeks 2026-11-09..15 (before) and 2026-11-16..22 (reported):
 *   search:     $1,000 spend each week, 2 new customers each week; their revenue in the week
 *               $997.60 before (ROI −0.24%) and $495.00 now (ROI −50.5%): a change of −50.26 pp.
 *   newsletter: no spend, 1 new customer each week: no CAC, no ROI ("no spend").
 *   display:    $300 spend each week, 1 new customer before and none now ("no new customers").
 */
const at = '2026-11-23T00:00:00.000Z';
const customer = (id: string, signup: string, channel: string): Insertable<Database['customers']> => ({
  customer_id: id,
  email: null,
  name: null,
  signup_date: signup,
  country: null,
  acquisition_channel: channel,
  consent: 1,
  created_at: at,
  updated_at: at,
});
const order = (id: string, customerId: string, date: string, cents: number): Database['orders'] => ({
  order_id: id,
  customer_id: customerId,
  order_date: date,
  gross_cents: cents,
  net_cents: cents,
  currency: 'USD',
  lines: 1,
  is_purchase: 1,
  updated_at: at,
});
const spend = (date: string, channel: string, cents: number): Insertable<Database['spend']> => ({
  date,
  channel,
  campaign: '',
  amount_cents: cents,
  currency: 'USD',
  updated_at: at,
});

let store: TestStore;
let bot: Bot;

beforeAll(async () => {
  store = await createTestStore();
  await store.db
    .insertInto('customers')
    .values([
      customer('s1', '2026-11-10', 'search'),
      customer('s2', '2026-11-11', 'search'),
      customer('s3', '2026-11-17', 'search'),
      customer('s4', '2026-11-18', 'search'),
      customer('n1', '2026-11-12', 'newsletter'),
      customer('n2', '2026-11-19', 'newsletter'),
      customer('d1', '2026-11-13', 'display'),
    ])
    .execute();
  await store.db
    .insertInto('orders')
    .values([
      order('o1', 's1', '2026-11-10', 50_000),
      order('o2', 's2', '2026-11-12', 49_760),
      order('o3', 's3', '2026-11-17', 30_000),
      order('o4', 's4', '2026-11-20', 19_500),
      order('o5', 'n1', '2026-11-12', 4_000),
      order('o6', 'n2', '2026-11-19', 6_000),
      order('o7', 'd1', '2026-11-14', 2_000),
    ])
    .execute();
  await store.db
    .insertInto('spend')
    .values([
      spend('2026-11-09', 'search', 100_000),
      spend('2026-11-16', 'search', 100_000),
      spend('2026-11-09', 'display', 30_000),
      spend('2026-11-16', 'display', 30_000),
    ])
    .execute();
  bot = await createTestBot(store.db, store.dir, { env: { DATABASE_URL: store.url }, now: () => new Date('2026-11-23T08:00:00Z') });
});
afterAll(() => store.close());

describe('digest CAC and ROI by channel', () => {
  it('shows the ROI change in percentage points and "—" with the reason where CAC or ROI has no value', async () => {
    const r = await run(bot, '/digest preview as_of=2026-11-23 sections=channels');
    expect(r.ok, JSON.stringify(r.data)).toBe(true);
    expect(r.data.period).toMatchObject({ from: '2026-11-16', to: '2026-11-22' });
    const channel = (name: string) => r.data.channels.find((c: { channel: string }) => c.channel === name);
    expect(channel('search')).toMatchObject({ cac_cents: 50_000, roi: -0.505, previous: { cac_cents: 50_000 } });
    expect(channel('search').previous.roi).toBeCloseTo(-0.0024, 10);
    expect(channel('newsletter')).toMatchObject({ spend_cents: 0, new_customers: 1, cac_cents: null, roi: null });
    expect(channel('display')).toMatchObject({ new_customers: 0, cac_cents: null, previous: { cac_cents: 30_000 } });

    const table = r.view.tables!.find((t) => t.title === 'CAC and ROI by channel')!;
    expect(table.columns).toEqual(['Channel', 'Spend', 'New', 'CAC', 'CAC change', 'ROI', 'ROI change']);
    const row = (name: string) => table.rows.find((cells) => cells[0] === name)!;
    expect(row('search')).toEqual(['search', '$1,000', '2', '$500', 'no change', '-50.5%', '▼ 50.3 pp']);
    expect(row('newsletter').slice(3)).toEqual(['— (no spend)', '— (no spend)', '— (no spend)', '— (no spend)']);
    expect(row('display').slice(3, 5)).toEqual(['— (no new customers)', '— (no new customers)']);
    expect(row('display').slice(5)).toEqual(['-100.0%', '▼ 6.7 pp']);
    expect(r.view.notes!.join(' ')).toContain('percentage points');
  });

  it('gives /cac and /roi the same "—" and reason for the channel without spend', async () => {
    const cac = await run(bot, '/cac from=2026-11-16 to=2026-11-22');
    expect(cac.ok, JSON.stringify(cac.data)).toBe(true);
    const cacRow = (name: string) => cac.view.tables![0]!.rows.find((cells) => cells[0] === name)!;
    expect(cacRow('newsletter')[3]).toBe('— (no spend)');
    expect(cacRow('display')[3]).toBe('— (no new customers)');

    const roi = await run(bot, '/roi from=2026-11-16 to=2026-11-22 as_of=2026-11-22');
    expect(roi.ok, JSON.stringify(roi.data)).toBe(true);
    const table = roi.view.tables![0]!;
    const cacColumn = table.columns.indexOf('CAC');
    const roiRow = (name: string) => table.rows.find((cells) => cells[0] === name)!;
    expect(roiRow('newsletter')[cacColumn]).toBe('— (no spend)');
    expect(roiRow('display')[cacColumn]).toBe('— (no new customers)');
    expect(roiRow('search')[cacColumn]).toBe('$500.00');
    expect(roiRow('newsletter')[table.columns.indexOf('ROI')]).toBe('— (no spend)');
    for (const cells of table.rows) for (const cell of cells) expect(String(cell)).not.toBe('—');
  });
});
