import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eligibleMembers } from '../../src/campaigns/audience.ts';
import type { Deliverer } from '../../src/campaigns/delivery/deliverer.ts';
import { deliverOutbox, type CampaignDeps } from '../../src/campaigns/launcher.ts';
import { outboxCounts, owedRecipients } from '../../src/campaigns/outbox.ts';
import { getCampaign } from '../../src/campaigns/repository.ts';
import { loadConfig } from '../../src/config/config.ts';
import { createTestStore, type TestStore } from '../helpers/store.ts';

const at = '2026-11-01T00:00:00.000Z';
let store: TestStore;
let campaignId: number;

beforeAll(async () => {
  store = await createTestStore();
  const db = store.db;
  const customer = (customer_id: string, consent: number) => ({
    customer_id,
    email: `${customer_id.toLowerCase()}@example.com`,
    name: null,
    signup_date: null,
    country: null,
    acquisition_channel: null,
    consent,
    created_at: at,
    updated_at: at,
  });
  await db
    .insertInto('customers')
    .values([customer('OK', 1), customer('WITHDRAWN', 1), customer('UNSUB', 1), customer('NEVER', 0)])
    .execute();
  const campaign = await db
    .insertInto('campaigns')
    .values({
      name: 'Spring',
      segment: 'All',
      channel: 'email',
      message: 'hi',
      subject: 'hi',
      budget_cents: null,
      cost_per_send_cents: 1,
      currency: 'USD',
      holdout_pct: 0,
      window_days: 14,
      start_at: null,
      seed: 1,
      state: 'launching',
      created_by: 'U',
      created_platform: 'slack',
      created_channel: null,
      created_at: at,
      updated_at: at,
      submitted_by: null,
      submitted_at: null,
      approval_expires_at: null,
      request_platform: null,
      request_channel: null,
      decided_by: null,
      decided_at: null,
      decision_reason: null,
      launched_by: 'U',
      launched_at: at,
      audience_size: 3,
      holdout_size: 0,
      live_at: null,
      completed_at: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  campaignId = campaign.id;
  // the audience was frozen at launch, when all three could be contacted …
  expect((await eligibleMembers(db, ['OK', 'WITHDRAWN', 'UNSUB', 'NEVER'], 'email')).eligible).toEqual(['OK', 'UNSUB', 'WITHDRAWN']);
  await db
    .insertInto('campaign_outbox')
    .values(
      ['OK', 'WITHDRAWN', 'UNSUB'].map((customer_id) => ({
        campaign_id: campaignId,
        customer_id,
        idempotency_key: `k-${customer_id}`,
        status: 'pending',
        attempts: 0,
        last_error: null,
        updated_at: at,
        sent_at: null,
      })),
    )
    .execute();
  // … then, before delivery (rate-limited or resumed after a crash), one withdrew consent and one unsubscribed
  await db.updateTable('customers').set({ consent: 0 }).where('customer_id', '=', 'WITHDRAWN').execute();
  await db
    .insertInto('events')
    .values({ customer_id: 'UNSUB', campaign_id: 'other', type: 'unsubscribed', occurred_at: '2026-11-02T00:00:00Z', updated_at: at })
    .execute();
});
afterAll(async () => store.close());

describe('consent', () => {
  it('the audience excludes customers without consent or unsubscribed', async () => {
    expect(await eligibleMembers(store.db, ['OK', 'WITHDRAWN', 'UNSUB', 'NEVER'], 'email')).toEqual({
      eligible: ['OK'],
      excluded: { no_consent: 2, unsubscribed: 1, no_email: 0, no_phone: 0, unknown: 0 },
    });
  });

  it('delivery re-checks consent and unsubscribes at send time', async () => {
    const owed = await owedRecipients(store.db, campaignId, 10);
    expect(owed.map((r) => r.customer_id)).toEqual(['OK']);
  });

  it('an unsubscribe stands until a newer dated consent: then the customer is contactable and owed again', async () => {
    const db = store.db;
    await db
      .insertInto('customers')
      .values({
        customer_id: 'RESUB',
        email: 'resub@example.com',
        name: null,
        signup_date: null,
        country: null,
        acquisition_channel: null,
        consent: 1,
        consent_updated_at: '2026-11-01T09:00:00.000Z',
        created_at: at,
        updated_at: at,
      })
      .execute();
    await db
      .insertInto('events')
      .values({ customer_id: 'RESUB', campaign_id: 'old', type: 'unsubscribed', occurred_at: '2026-10-01T00:00:00.000Z', updated_at: at })
      .execute();
    await db
      .insertInto('campaign_outbox')
      .values({
        campaign_id: campaignId,
        customer_id: 'RESUB',
        idempotency_key: 'k-RESUB',
        status: 'pending',
        attempts: 0,
        last_error: null,
        updated_at: at,
        sent_at: null,
      })
      .execute();
    expect((await eligibleMembers(db, ['RESUB', 'UNSUB'], 'email')).eligible).toEqual(['RESUB']);
    expect((await owedRecipients(db, campaignId, 10)).map((r) => r.customer_id)).toEqual(['OK', 'RESUB']);
    // an unsubscribe after that consent stands again
    await db
      .insertInto('events')
      .values({ customer_id: 'RESUB', campaign_id: 'new', type: 'unsubscribed', occurred_at: '2026-11-02T00:00:00.000Z', updated_at: at })
      .execute();
    expect((await eligibleMembers(db, ['RESUB'], 'email')).excluded.unsubscribed).toBe(1);
    expect((await owedRecipients(db, campaignId, 10)).map((r) => r.customer_id)).toEqual(['OK']);
    await db.deleteFrom('campaign_outbox').where('customer_id', '=', 'RESUB').execute();
  });

  it('a slow send skips whoever withdraws mid-way, records why, and leaves nothing pending', async () => {
    const db = store.db;
    await db
      .insertInto('customers')
      .values({
        customer_id: 'LATE',
        email: 'late@example.com',
        name: null,
        signup_date: null,
        country: null,
        acquisition_channel: null,
        consent: 1,
        created_at: at,
        updated_at: at,
      })
      .execute();
    await db
      .insertInto('campaign_outbox')
      .values({
        campaign_id: campaignId,
        customer_id: 'LATE',
        idempotency_key: 'k-LATE',
        status: 'pending',
        attempts: 0,
        last_error: null,
        updated_at: at,
        sent_at: null,
      })
      .execute();
    const delivered: string[] = [];
    const deliverer: Deliverer = {
      channel: 'email',
      batchSize: 1,
      async deliver(_campaign, recipients) {
        delivered.push(...recipients.map((r) => r.customer_id));
        // while the first batch is on its way, OK withdraws consent
        await db.updateTable('customers').set({ consent: 0 }).where('customer_id', '=', 'OK').execute();
        return recipients.map((r) => ({ customer_id: r.customer_id, ok: true }));
      },
    };
    const deps = { db, config: loadConfig({}), now: () => new Date('2026-11-03T00:00:00Z') } as Pick<
      CampaignDeps,
      'db' | 'config' | 'now'
    > as CampaignDeps;
    await deliverOutbox(deps, await getCampaign(db, campaignId), deliverer);
    expect(delivered).toEqual(['LATE']);
    expect(await outboxCounts(db, campaignId)).toEqual({
      total: 4,
      pending: 0,
      sent: 1,
      failed: 0,
      skipped: 3,
      cancelled: 0,
      quiet_hours: 0,
    });
    const skipped = await db
      .selectFrom('campaign_outbox')
      .select(['customer_id', 'last_error'])
      .where('campaign_id', '=', campaignId)
      .where('status', '=', 'skipped')
      .orderBy('customer_id')
      .execute();
    expect(skipped).toEqual(['OK', 'UNSUB', 'WITHDRAWN'].map((customer_id) => ({ customer_id, last_error: 'consent withdrawn' })));
  });
});
