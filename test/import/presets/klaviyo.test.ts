/**
 * preset=klaviyo, on a hand-made events file. The metric names (Received Email, Opened Email, Clicked
 * Email, Bounced Email, Unsubscribed, Placed Order) are Klaviyo's:
 * https://help.klaviyo.com/hc/en-us/articles/360040093732-How-to-export-conversion-data and
 * https://help.funnel.io/en/articles/2841011-what-data-can-i-get-from-klaviyo. No documented CSV layout of
 * per-person events was found: the columns Email, Metric, Timestamp, Campaign Name are assumed (README).
 */
import { describe, expect, it } from 'vitest';
import { run } from '../../helpers/bot.ts';
import { presetTest } from './helpers.ts';

const t = presetTest();

describe('/import events preset=klaviyo', () => {
  it('turns Klaviyo metrics into event types and leaves other metrics out', async () => {
    const file = t.file([
      'Email,Metric,Timestamp,Campaign Name,Subject',
      'Ann@Example.com,Received Email,2026-03-01 09:00:00,Spring Sale,Hello',
      'ann@example.com,Opened Email,2026-03-01T09:05:00+00:00,Spring Sale,Hello',
      'bob@example.com,Clicked Email,2026-03-01 10:00:00,Spring Sale,Hello',
      'bob@example.com,Bounced Email,2026-03-01 10:01:00,Spring Sale,Hello',
      'cy@example.com,Unsubscribed,2026-03-02 08:00:00,Spring Sale,Hello',
      'dee@example.com,Placed Order,2026-03-02 12:00:00,Spring Sale,',
    ]);
    const reply = await run(t.bot, `/import events ${file} preset=klaviyo`);
    expect(reply.ok).toBe(true);
    expect(reply.data).toMatchObject({ read: 6, inserted: 5, rejected: 0, skipped: 1 });
    const events = await t.store.db
      .selectFrom('events')
      .select(['customer_id', 'campaign_id', 'type', 'occurred_at'])
      .orderBy('occurred_at')
      .execute();
    expect(events).toEqual([
      { customer_id: 'ann@example.com', campaign_id: 'Spring Sale', type: 'delivered', occurred_at: '2026-03-01T09:00:00.000Z' },
      { customer_id: 'ann@example.com', campaign_id: 'Spring Sale', type: 'opened', occurred_at: '2026-03-01T09:05:00.000Z' },
      { customer_id: 'bob@example.com', campaign_id: 'Spring Sale', type: 'clicked', occurred_at: '2026-03-01T10:00:00.000Z' },
      { customer_id: 'cy@example.com', campaign_id: 'Spring Sale', type: 'unsubscribed', occurred_at: '2026-03-02T08:00:00.000Z' },
      { customer_id: 'dee@example.com', campaign_id: 'Spring Sale', type: 'converted', occurred_at: '2026-03-02T12:00:00.000Z' },
    ]);
  });
});
