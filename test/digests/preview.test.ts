import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, createTestBot } from '../helpers/bot.ts';
import { createTestStore, type TestStore } from '../helpers/store.ts';
import { seedDigestStore } from './seed.ts';
import type { Bot } from '../../src/core/bot.ts';

let store: TestStore;
let bot: Bot;

beforeAll(async () => {
  store = await createTestStore();
  await seedDigestStore(store.db);
  bot = await createTestBot(store.db, store.dir, { env: { DATABASE_URL: store.url }, now: () => new Date('2026-11-23T08:00:00Z') });
});
afterAll(() => store.close());

describe('/digest preview', () => {
  it('renders the last complete week against the one before, anomalies first, with a non-empty PNG', async () => {
    const r = await run(bot, '/digest preview tz=Europe/Berlin');
    expect(r.ok, JSON.stringify(r.data)).toBe(true);
    expect(r.data.period).toMatchObject({ kind: 'week', from: '2026-11-16', to: '2026-11-22' });
    expect(r.data.previous_period).toMatchObject({ from: '2026-11-09', to: '2026-11-15' });
    expect(r.data.history).toHaveLength(9);
    expect(r.data.anomalies.map((a: { metric: string }) => a.metric)).toContain('revenue_cents');
    expect(r.data.kpis.revenue_cents.value).toBeGreaterThan(2 * r.data.kpis.revenue_cents.previous);
    expect(r.data.channels.map((c: { channel: string }) => c.channel).sort()).toEqual(['email', 'google', 'meta']);
    const google = r.data.channels.find((c: { channel: string }) => c.channel === 'google');
    expect(google.cac_cents).toBe(Math.round(google.spend_cents / google.new_customers));
    expect(typeof r.data.chart).toBe('string');
    expect(existsSync(r.data.chart)).toBe(true);
    const png = readFileSync(r.data.chart);
    expect(png.length).toBeGreaterThan(1000);
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(r.view.text).toMatch(/^\*Worth a look\*\n⚠️ \*Revenue\*/);
    expect(r.view.fields?.[0]?.value).toMatch(/▲ \d+\.\d%/);
    expect(r.view.notes?.[0]).toContain('Europe/Berlin');
    expect(r.view.buttons?.[0]?.command).toBe('/roi from=2026-11-16 to=2026-11-22 as_of=2026-11-22');
  });

  it('gives the same CAC and ROI by channel as /cac and /roi for the period', async () => {
    const digest = await run(bot, '/digest preview as_of=2026-11-23');
    const cac = await run(bot, '/cac from=2026-11-16 to=2026-11-22');
    const roi = await run(bot, '/roi from=2026-11-16 to=2026-11-22 as_of=2026-11-22');
    expect(cac.ok && roi.ok, JSON.stringify([cac.data, roi.data])).toBe(true);
    for (const channel of digest.data.channels) {
      const c = cac.data.channels.find((row: { channel: string }) => row.channel === channel.channel);
      const r = roi.data.channels.find((row: { channel: string }) => row.channel === channel.channel);
      expect(channel.new_customers).toBe(c.new_customers);
      expect(channel.cac_cents / 100).toBeCloseTo(c.cac, 2);
      expect(channel.roi).toBeCloseTo(r.roi, 3);
    }
  });

  it('says so in one line for an empty period, without a chart', async () => {
    const r = await run(bot, '/digest preview as_of=2025-01-06');
    expect(r.ok).toBe(true);
    expect(r.data.empty).toBe(true);
    expect(r.data.chart).toBeNull();
    expect(r.view.text).toBe('No activity from 2024-12-30 to 2025-01-05: no orders, no new customers and no spend.');
  });

  it('points an empty preview after the data ends at the period that has it', async () => {
    const latest = await store.db
      .selectFrom('orders')
      .select((eb) => eb.fn.max('order_date').as('day'))
      .executeTakeFirstOrThrow();
    const r = await run(bot, '/digest preview as_of=2027-06-07');
    expect(r.data.empty).toBe(true);
    expect(r.view.notes?.at(-1)).toContain(`The latest order in the store is from ${String(latest.day).slice(0, 10)}`);
  });

  it('reports a month and only the asked sections', async () => {
    const r = await run(bot, '/digest preview period=month as_of=2026-11-05 sections=kpis,campaigns');
    expect(r.ok, JSON.stringify(r.data)).toBe(true);
    expect(r.data.period).toMatchObject({ kind: 'month', from: '2026-10-01', to: '2026-10-31' });
    expect(r.data.channels).toEqual([]);
    expect(r.view.text).toContain('Campaigns: none launched in the period.');
  });

  it('names a bad section, zone or date', async () => {
    expect((await run(bot, '/digest preview sections=kpis,weather')).data.error.message).toContain('`weather`');
    expect((await run(bot, '/digest preview tz=Mars/Base')).data.error.message).toContain('`Mars/Base` is not a time zone');
  });
});
