/**
 * preset=mailchimp, on a hand-made activity file. Mailchimp's help page on campaign reports
 * (https://mailchimp.com/help/about-email-campaign-reports/) describes the report's Activity exports
 * (opened, clicked, bounced, unsubscribed) but not their columns; the columns here (email_address,
 * campaign_id, action: open/click/bounce, timestamp) are assumed from the fields of Mailchimp's
 * email-activity report. See the README.
 */
import { describe, expect, it } from 'vitest';
import { run } from '../../helpers/bot.ts';
import { presetTest } from './helpers.ts';

const t = presetTest({ BUSINESS_TZ: 'America/New_York' });

describe('/import events preset=mailchimp', () => {
  it('turns actions into event types, leaves bounces out, and reads times with an offset as written', async () => {
    const file = t.file([
      'email_address,campaign_id,action,timestamp,url',
      'Ann@Example.com,42b1c7e9aa,open,2026-03-01T14:00:00+00:00,',
      'ann@example.com,42b1c7e9aa,click,2026-03-01T14:02:00+00:00,https://example.com/sale',
      'bob@example.com,42b1c7e9aa,bounce,2026-03-01T14:00:00+00:00,',
      // no offset: read in BUSINESS_TZ (09:00 in New York in March before DST = 14:00 UTC)
      'cy@example.com,42b1c7e9aa,open,2026-03-01 09:00:00,',
    ]);
    const reply = await run(t.bot, `/import events ${file} preset=mailchimp`);
    expect(reply.ok).toBe(true);
    expect(reply.data).toMatchObject({ read: 4, inserted: 3, rejected: 0, skipped: 1 });
    const events = await t.store.db
      .selectFrom('events')
      .select(['customer_id', 'campaign_id', 'type', 'occurred_at'])
      .orderBy('customer_id')
      .orderBy('occurred_at')
      .execute();
    expect(events).toEqual([
      { customer_id: 'ann@example.com', campaign_id: '42b1c7e9aa', type: 'opened', occurred_at: '2026-03-01T14:00:00.000Z' },
      { customer_id: 'ann@example.com', campaign_id: '42b1c7e9aa', type: 'clicked', occurred_at: '2026-03-01T14:02:00.000Z' },
      { customer_id: 'cy@example.com', campaign_id: '42b1c7e9aa', type: 'opened', occurred_at: '2026-03-01T14:00:00.000Z' },
    ]);
  });
});
