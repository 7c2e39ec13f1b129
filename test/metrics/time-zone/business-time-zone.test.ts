import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dayOf, endOfDay, startOfDay } from '../../../src/core/business-day.ts';
import type { Bot } from '../../../src/core/bot.ts';
import { onDays } from '../../../src/store/business-days.ts';
import { createTestBot, run } from '../../helpers/bot.ts';
import { createTestStore, type TestStore } from '../../helpers/store.ts';

/*
 * BUSINESS_TZ=America/New_York (EDT, UTC−4, from 2026-03-08 02:00; EST, UTC−5, from 2026-11-01 02:00).
 *   c1  2026-03-31T23:30:00-04:00   = 2026-04-01T03:30Z: March in New York, April in UTC        $100
 *   c2  "2026-03-31 23:30" (no offset, read in the business zone) = the same instant            $50
 *   c3  2026-04-01T04:30:00Z        = 00:30 on 1 April in New York: April in both                $20
 *   c4  2026-03-15 (a calendar day, no time): 15 March in every zone                            $10
 *   c5  "2026-03-08 02:30" does not exist in New York (the clock jumps 02:00 → 03:00): rejected
 * By hand, March 2026 in New York: 3 new customers (c1, c2, c4), $160; in UTC: 1 (c4), $10.
 */
const ZONE = 'America/New_York';
const buyers = (segments: { name: string; size: number }[]) =>
  segments.filter((s) => s.name !== 'No purchase yet').reduce((n, s) => n + s.size, 0);
let store: TestStore;
let bot: Bot;
let utcBot: Bot;
let imported: Awaited<ReturnType<typeof run>>;

beforeAll(async () => {
  store = await createTestStore();
  const csv = path.join(store.dir, 'orders.csv');
  writeFileSync(
    csv,
    [
      'order_id,customer_id,order_date,amount',
      'o1,c1,2026-03-31T23:30:00-04:00,100',
      'o2,c2,2026-03-31 23:30,50',
      'o3,c3,2026-04-01T04:30:00Z,20',
      'o4,c4,2026-03-15,10',
      'o5,c5,2026-03-08 02:30,5',
    ].join('\n') + '\n',
  );
  bot = await createTestBot(store.db, store.dir, { env: { BUSINESS_TZ: ZONE }, now: () => new Date('2026-04-20T12:00:00Z') });
  utcBot = await createTestBot(store.db, store.dir, { now: () => new Date('2026-04-20T12:00:00Z') });
  imported = await run(bot, `/import orders ${csv}`);
  expect(imported.ok, JSON.stringify(imported.data)).toBe(true);
});
afterAll(async () => store.close());

describe('BUSINESS_TZ decides which day an order belongs to', () => {
  it('stores instants; a time without an offset is read in the business zone; a skipped time is rejected with the reason', async () => {
    const rows = await store.db.selectFrom('orders').select(['order_id', 'order_date']).orderBy('order_id').execute();
    expect(rows).toEqual([
      { order_id: 'o1', order_date: '2026-04-01T03:30:00.000Z' },
      { order_id: 'o2', order_date: '2026-04-01T03:30:00.000Z' },
      { order_id: 'o3', order_date: '2026-04-01T04:30:00.000Z' },
      { order_id: 'o4', order_date: '2026-03-15' },
    ]);
    expect(imported.data.rejected).toBe(1);
    expect(JSON.stringify(imported.view)).toContain('02:30 does not exist on that day in America/New_York');
  });

  it('/cac counts a 23:30 New York order on 31 March in March, and tz=UTC counts it in April', async () => {
    const ny = await run(bot, '/cac period=2026-03');
    expect(ny.ok, JSON.stringify(ny.view)).toBe(true);
    expect(ny.data.period.time_zone).toBe(ZONE);
    expect(ny.data.channels.reduce((n: number, c: { new_customers: number }) => n + c.new_customers, 0)).toBe(3);
    expect(ny.view.notes!.join(' ')).toContain(`Days are counted in ${ZONE}`);

    const utc = await run(bot, '/cac period=2026-03 tz=UTC');
    expect(utc.data.channels.reduce((n: number, c: { new_customers: number }) => n + c.new_customers, 0)).toBe(1);
    const utcDefault = await run(utcBot, '/cac period=2026-03');
    expect(utcDefault.data.channels).toEqual(utc.data.channels);

    const april = await run(bot, '/cac period=2026-04');
    expect(april.data.channels.reduce((n: number, c: { new_customers: number }) => n + c.new_customers, 0)).toBe(1);
  });

  it('/roi: revenue of March customers to as_of=2026-03-31 (the end of that day in New York) is $160', async () => {
    const roi = await run(bot, '/roi period=2026-03 as_of=2026-03-31');
    expect(roi.ok, JSON.stringify(roi.view)).toBe(true);
    const revenue = roi.data.channels.reduce((sum: number, c: { revenue: number }) => sum + c.revenue, 0);
    expect(revenue).toBe(160);
    const utc = await run(bot, '/roi period=2026-03 as_of=2026-03-31 tz=UTC');
    expect(utc.data.channels.reduce((sum: number, c: { revenue: number }) => sum + c.revenue, 0)).toBe(10);
  });

  it('the digest buckets the same way as /cac', async () => {
    const digest = await run(bot, '/digest preview period=month as_of=2026-04-02 sections=kpis');
    expect(digest.ok, JSON.stringify(digest.view)).toBe(true);
    expect(digest.data.period).toMatchObject({ from: '2026-03-01', to: '2026-03-31' });
    expect(digest.data.kpis.orders.value).toBe(3);
    expect(digest.data.kpis.revenue_cents.value).toBe(16_000);
    expect(digest.data.kpis.new_customers.value).toBe(3);
  });

  it('a segment run as_of a day includes every order of that business day, and prints the day', async () => {
    const ny = await run(bot, '/segment run method=rfm as_of=2026-03-31');
    expect(ny.ok, JSON.stringify(ny.data)).toBe(true);
    expect(ny.data.as_of).toBe('2026-03-31');
    expect(buyers(ny.data.segments)).toBe(3);
    const utc = await run(utcBot, '/segment run method=rfm as_of=2026-04-01');
    expect(utc.ok, JSON.stringify(utc.view)).toBe(true);
    // 03:30Z and 04:30Z on 1 April are before the end of that day: all four customers have bought
    expect(buyers(utc.data.segments)).toBe(4);
    const latest = await run(utcBot, '/segment run method=rfm');
    expect(latest.data.as_of).toBe('2026-04-01');
  });

  it('an unknown tz= says how to write one', async () => {
    const bad = await run(bot, '/cac tz=Mars/Olympus');
    expect(bad.ok).toBe(false);
    expect(bad.data.error.code).toBe('bad_time_zone');
    expect(JSON.stringify(bad.view)).toContain('not a time zone I know');
  });
});

describe('midnight and daylight-saving edges, in SQL on this store', () => {
  const stamps = [
    '2026-03-07T04:59:00.000Z', // 23:59 EST, 6 March
    '2026-03-07T05:00:00.000Z', // 00:00 EST, 7 March
    '2026-03-08T06:59:00.000Z', // 01:59 EST, 8 March: the last minute before the clock jumps
    '2026-03-08T07:00:00.000Z', // 03:00 EDT, 8 March
    '2026-03-09T03:59:00.000Z', // 23:59 EDT, 8 March (a 23-hour day)
    '2026-03-09T04:00:00.000Z', // 00:00 EDT, 9 March
    '2026-11-01T05:30:00.000Z', // 01:30 EDT, 1 November
    '2026-11-01T06:30:00.000Z', // 01:30 EST, 1 November (the hour repeated)
    '2026-11-02T04:59:00.000Z', // 23:59 EST, 1 November (a 25-hour day)
    '2026-11-02T05:00:00.000Z', // 00:00 EST, 2 November
    '2026-03-08', // a calendar day
    '2026-11-01',
  ];
  const expectedDay = [
    '2026-03-06',
    '2026-03-07',
    '2026-03-08',
    '2026-03-08',
    '2026-03-08',
    '2026-03-09',
    '2026-11-01',
    '2026-11-01',
    '2026-11-01',
    '2026-11-02',
    '2026-03-08',
    '2026-11-01',
  ];

  it('dayOf puts each stamp on its New York day', () => {
    expect(stamps.map((s) => dayOf(s, ZONE))).toEqual(expectedDay);
    expect(startOfDay('2026-03-08', ZONE)).toBe('2026-03-08T05:00:00.000Z');
    expect(endOfDay('2026-03-08', ZONE)).toBe('2026-03-09T04:00:00.000Z');
    expect(endOfDay('2026-11-01', ZONE)).toBe('2026-11-02T05:00:00.000Z');
    // a zone whose clock skips midnight: the day starts at the first minute that exists
    expect(startOfDay('2026-09-06', 'America/Santiago')).toBe('2026-09-06T04:00:00.000Z');
  });

  it('onDays selects exactly the stamps of each day, on SQLite and PostgreSQL alike', async () => {
    await store.db
      .insertInto('events')
      .values(stamps.map((s, i) => ({ customer_id: `e${i}`, campaign_id: 'tz', type: 'opened', occurred_at: s, updated_at: s })))
      .execute();
    for (const day of [...new Set(expectedDay)]) {
      const rows = await store.db
        .selectFrom('events')
        .select('occurred_at')
        .where('campaign_id', '=', 'tz')
        .where(onDays('occurred_at', day, day, ZONE))
        .orderBy('occurred_at')
        .execute();
      const want = stamps.filter((_, i) => expectedDay[i] === day).sort();
      expect(
        rows.map((r) => r.occurred_at),
        day,
      ).toEqual(want);
    }
    const march = await store.db
      .selectFrom('events')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('campaign_id', '=', 'tz')
      .where(onDays('occurred_at', '2026-03-07', '2026-03-08', ZONE))
      .executeTakeFirstOrThrow();
    expect(Number(march.n)).toBe(5);
  });
});
