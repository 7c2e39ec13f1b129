/**
 * preset=meta-ads, on hand-made Ads Manager exports. No Meta documentation page of the exported CSV
 * was found in the stored documentation; the columns (Reporting starts, Reporting ends, Campaign name,
 * Amount spent (XXX) with the currency in the header, Day with a daily breakdown) follow public
 * parsers of these exports. See the README.
 */
import { describe, expect, it } from 'vitest';
import { run } from '../../helpers/bot.ts';
import { presetTest } from './helpers.ts';

const t = presetTest();

const spendRows = () =>
  t.store.db
    .selectFrom('spend')
    .select(['date', 'channel', 'campaign', 'amount_cents', 'currency', 'booked'])
    .orderBy('date')
    .orderBy('campaign')
    .execute();

describe('/import spend preset=meta-ads', () => {
  it('reads a daily breakdown: the Day, and the currency from the Amount spent header', async () => {
    const file = t.file([
      'Campaign name,Day,Amount spent (GBP),Impressions,Reporting starts,Reporting ends',
      'Spring Sale,2026-03-01,12.34,4000,2026-03-01,2026-03-01',
      'Spring Sale,2026-03-02,"1,000.00",90000,2026-03-02,2026-03-02',
    ]);
    const reply = await run(t.bot, `/import spend ${file} preset=meta-ads`);
    expect(reply.ok).toBe(true);
    expect(reply.data).toMatchObject({ read: 2, inserted: 2, rejected: 0 });
    expect(await spendRows()).toEqual([
      { date: '2026-03-01', channel: 'meta_ads', campaign: 'Spring Sale', amount_cents: 1234, currency: 'GBP', booked: 'day' },
      { date: '2026-03-02', channel: 'meta_ads', campaign: 'Spring Sale', amount_cents: 100000, currency: 'GBP', booked: 'day' },
    ]);
  });

  it('without a Day: one-day rows by Reporting starts, a whole month as that month, other periods rejected', async () => {
    const file = t.file([
      'Reporting starts,Reporting ends,Campaign name,Amount spent (USD),Impressions',
      '2026-02-01,2026-02-28,Winter,280.00,10000',
      '2026-03-01,2026-03-07,Spring,70.00,5000',
      '2026-03-08,2026-03-08,Spring,9.99,700',
    ]);
    const reply = await run(t.bot, `/import spend ${file} preset=meta-ads`);
    expect(reply.data).toMatchObject({ read: 3, inserted: 2, rejected: 1 });
    expect(reply.data.rejection_reasons).toEqual({
      'spend over several days: export with Breakdown > By time > Day (or one calendar month per row)': 1,
    });
    expect(await spendRows()).toEqual([
      { date: '2026-02-01', channel: 'meta_ads', campaign: 'Winter', amount_cents: 28000, currency: 'USD', booked: 'month' },
      { date: '2026-03-08', channel: 'meta_ads', campaign: 'Spring', amount_cents: 999, currency: 'USD', booked: 'day' },
    ]);
  });
});
