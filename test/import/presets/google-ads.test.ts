/**
 * preset=google-ads, on a hand-made campaign report download. No Google documentation page of the
 * downloaded CSV was found in the stored documentation; the layout follows public parsers of these
 * downloads (a "Campaign report" title line, a date-range line, then Day, Campaign, Currency code,
 * Cost, ...; "Total: ..." rows at the end). See the README.
 */
import { describe, expect, it } from 'vitest';
import { run } from '../../helpers/bot.ts';
import { presetTest } from './helpers.ts';

const t = presetTest();

describe('/import spend preset=google-ads', () => {
  it('finds the header under the title lines, reads Cost in Currency code per Day and campaign, and skips the totals rows', async () => {
    const file = t.file([
      'Campaign report',
      '"March 1, 2026 - March 2, 2026"',
      'Day,Campaign,Currency code,Cost,Impr.,Clicks',
      '2026-03-01,Brand,EUR,"1,234.56",1000,50',
      '2026-03-01,Generic,EUR,10.00,400,8',
      '2026-03-02,Brand,EUR,0.50,20,1',
      'Total: Account,,EUR,"1,245.06",1420,59',
    ]);
    const reply = await run(t.bot, `/import spend ${file} preset=google-ads`);
    expect(reply.ok).toBe(true);
    expect(reply.data).toMatchObject({ read: 4, inserted: 3, rejected: 0, skipped: 1 });
    const spend = await t.store.db
      .selectFrom('spend')
      .select(['date', 'channel', 'campaign', 'amount_cents', 'currency', 'booked'])
      .orderBy('date')
      .orderBy('campaign')
      .execute();
    expect(spend).toEqual([
      { date: '2026-03-01', channel: 'google_ads', campaign: 'Brand', amount_cents: 123456, currency: 'EUR', booked: 'day' },
      { date: '2026-03-01', channel: 'google_ads', campaign: 'Generic', amount_cents: 1000, currency: 'EUR', booked: 'day' },
      { date: '2026-03-02', channel: 'google_ads', campaign: 'Brand', amount_cents: 50, currency: 'EUR', booked: 'day' },
    ]);
  });
});
