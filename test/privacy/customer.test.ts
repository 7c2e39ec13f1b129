import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bot } from '../../src/core/bot.ts';
import type { Caller } from '../../src/core/context.ts';
import { maskCustomer, maskName } from '../../src/privacy/mask.ts';
import type { Database } from '../../src/store/schema.ts';
import { createTestBot, run } from '../helpers/bot.ts';
import { createTestStore, type TestStore } from '../helpers/store.ts';

let store: TestStore;
let bot: Bot;
const at = '2026-11-01T00:00:00.000Z';
const as = (role: string): Caller => ({ platform: 'slack', userId: `U_${role}`, channelId: 'C1' });

beforeAll(async () => {
  store = await createTestStore();
  bot = await createTestBot(store.db, store.dir, { now: () => new Date('2026-11-25T12:00:00Z') });
  const db = store.db;
  await db
    .insertInto('role_grants')
    .values(
      ['analyst', 'marketer', 'approver', 'admin'].map((role) => ({
        platform: 'slack',
        user_id: `U_${role}`,
        role,
        granted_by: 'setup',
        granted_at: at,
      })),
    )
    .execute();
  await db
    .insertInto('customers')
    .values([
      {
        customer_id: 'C1',
        email: 'jane.doe@example.com',
        name: 'Jane Doe',
        signup_date: '2026-01-05',
        country: 'DE',
        acquisition_channel: 'google_ads',
        consent: 1,
        created_at: at,
        updated_at: at,
      },
      {
        customer_id: 'C2',
        email: 'sam@example.org',
        name: 'Sam Lee',
        signup_date: '2026-02-01',
        country: 'US',
        acquisition_channel: 'organic',
        consent: 1,
        created_at: at,
        updated_at: at,
      },
    ])
    .execute();
  await db
    .insertInto('customer_attributes')
    .values([{ customer_id: 'C1', name: 'age', value: 34 }])
    .execute();
  await db
    .insertInto('orders')
    .values([
      {
        order_id: 'O1',
        customer_id: 'C1',
        order_date: '2026-03-01',
        gross_cents: 5000,
        net_cents: 4500,
        currency: 'USD',
        lines: 2,
        is_purchase: 1,
        updated_at: at,
      },
      {
        order_id: 'O2',
        customer_id: 'C1',
        order_date: '2026-04-01',
        gross_cents: 2000,
        net_cents: 2000,
        currency: 'USD',
        lines: 1,
        is_purchase: 1,
        updated_at: at,
      },
      {
        order_id: 'O3',
        customer_id: 'C2',
        order_date: '2026-04-02',
        gross_cents: 1000,
        net_cents: 1000,
        currency: 'USD',
        lines: 1,
        is_purchase: 1,
        updated_at: at,
      },
    ])
    .execute();
  // a leftover staging row of an interrupted import
  await db
    .insertInto('import_staging_customers')
    .values({
      import_id: 'imp-1',
      customer_id: 'C1',
      email: 'jane.doe@example.com',
      name: 'Jane Doe',
      signup_date: null,
      country: null,
      acquisition_channel: null,
      consent: 1,
    })
    .execute();
  await db
    .insertInto('events')
    .values([{ customer_id: 'C1', campaign_id: 'cmp-1', type: 'clicked', occurred_at: '2026-03-02T10:00:00Z', updated_at: at }])
    .execute();
  const runRow = await db
    .insertInto('segment_runs')
    .values({
      name: 'r',
      method: 'rfm',
      k: 1,
      as_of: '2026-11-01',
      features: '[]',
      parameters: '{}',
      details: '{}',
      customers: 2,
      inertia: null,
      created_at: at,
      created_by: 'x',
      platform: 'console',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const segment = await db
    .insertInto('segments')
    .values({
      run_id: runRow.id,
      position: 0,
      name: 'All',
      kind: 'rfm',
      size: 2,
      share: 1,
      revenue_share: 1,
      action: 'none',
      profile: '{}',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
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
      audience_size: 2,
      holdout_size: 0,
      live_at: null,
      completed_at: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await db
    .insertInto('campaign_audience')
    .values(['C1', 'C2'].map((customer_id) => ({ campaign_id: campaign.id, customer_id, group_name: 'recipient' })))
    .execute();
  await db
    .insertInto('campaign_outbox')
    .values(
      ['C1', 'C2'].map((customer_id) => ({
        campaign_id: campaign.id,
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
  await db
    .insertInto('segment_members')
    .values(['C1', 'C2'].map((customer_id) => ({ run_id: runRow.id, customer_id, segment_id: segment.id, feature_values: '' })))
    .execute();
});
afterAll(async () => store.close());

describe('maskCustomer', () => {
  it('masks email and name below admin and keeps other fields', () => {
    const c = { customer_id: 'C1', email: 'jane.doe@example.com', name: 'Jane van Doe', country: 'DE' };
    expect(maskCustomer('approver', c)).toEqual({ customer_id: 'C1', email: 'j•••@example.com', name: 'J••• v••• D•••', country: 'DE' });
    expect(maskCustomer('admin', c)).toEqual(c);
    expect(maskCustomer('viewer', { customer_id: 'C9', email: null })).toEqual({ customer_id: 'C9', email: null });
    expect(maskName('  ')).toBe('—');
  });
});

describe('/customer show', () => {
  it('masks email and name for analysts to approvers, and says so', async () => {
    for (const role of ['analyst', 'marketer', 'approver']) {
      const answer = await run(bot, '/customer show C1', as(role));
      expect(answer.ok, role).toBe(true);
      expect(answer.data).toMatchObject({
        email: 'j•••@example.com',
        name: 'J••• D•••',
        masked: true,
        consent: true,
        attributes: { age: 34 },
      });
      expect(answer.data.orders).toEqual([
        { currency: 'USD', orders: 2, net_cents: 6500, first_order: '2026-03-01', last_order: '2026-04-01' },
      ]);
      expect(JSON.stringify(answer)).not.toContain('jane.doe@');
      expect(JSON.stringify(answer)).not.toContain('Jane');
      expect(answer.view.notes?.join(' ')).toContain('only the admin role sees them');
    }
  });

  it('shows them to admins; refuses viewers; names an unknown id', async () => {
    const admin = await run(bot, '/customer show C1', as('admin'));
    expect(admin.data).toMatchObject({ email: 'jane.doe@example.com', name: 'Jane Doe', masked: false });
    expect((await run(bot, '/customer show C1', as('viewer'))).data.error.code).toBe('forbidden');
    const unknown = await run(bot, '/customer show NOPE', as('analyst'));
    expect(unknown.data.error).toMatchObject({ code: 'unknown_customer' });
  });
});

describe('/customer forget', () => {
  async function totals() {
    const row = await store.db
      .selectFrom('orders')
      .select((eb) => [
        eb.fn.countAll<number>().as('n'),
        eb.fn.sum<number>('net_cents').as('net'),
        eb.fn.count<number>('customer_id').distinct().as('buyers'),
      ])
      .executeTakeFirstOrThrow();
    const customers = await store.db
      .selectFrom('customers')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    const events = await store.db
      .selectFrom('events')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return {
      orders: Number(row.n),
      net: Number(row.net),
      buyers: Number(row.buyers),
      customers: Number(customers.n),
      events: Number(events.n),
    };
  }

  async function everyText(): Promise<string> {
    const tables: (keyof Database)[] = [
      'customers',
      'customer_attributes',
      'orders',
      'events',
      'segment_members',
      'campaign_audience',
      'campaign_outbox',
      'audit_log',
      'import_staging_customers',
    ];
    const dumps = await Promise.all(tables.map(async (t) => JSON.stringify(await store.db.selectFrom(t).selectAll().execute())));
    return dumps.join('\n');
  }

  it('needs admin', async () => {
    const answer = await run(bot, '/customer forget C1', as('approver'));
    expect(answer.data.error.code).toBe('forbidden');
    expect(answer.data.error.message).toContain('needs the *admin* role');
  });

  it('erases personal data everywhere, keeps totals, re-keys orders to an unlinkable id, and is audited by reference and anonymous id', async () => {
    const before = await totals();
    const answer = await run(bot, '/customer forget C1', as('admin'));
    expect(answer.ok).toBe(true);
    expect(answer.data).toMatchObject({
      counts: {
        customer: 1,
        orders: 2,
        events: 1,
        segment_memberships: 1,
        attributes_deleted: 1,
        campaign_recipients: 1,
        outbox_rows: 1,
        deliveries_cancelled: 1,
        staging_rows_deleted: 1,
        // the five /customer show C1 above
        audit_entries: 5,
        suppressions: 2,
      },
    });
    const reference = answer.data.reference as string;
    expect(reference).toMatch(/^ER-[a-z0-9]{10}$/);
    expect(answer.data.records).toBe(1 + 2 + 1 + 1 + 1 + 1 + 1 + 1 + 5);
    // the reply names the request and the count, never the id (nor the anonymous id it now carries)
    expect(JSON.stringify(answer)).not.toMatch(/\bC1\b|forgotten-/);
    expect(answer.view.text).toContain(`Erasure ${reference} is done: 14 records touched`);
    const anon = (
      await store.db.selectFrom('customers').select('customer_id').where('customer_id', 'like', 'forgotten-%').executeTakeFirstOrThrow()
    ).customer_id;
    expect(anon).toMatch(/^forgotten-[0-9a-f]{16}$/);

    expect(await totals()).toEqual(before);
    const dump = await everyText();
    expect(dump).not.toContain('jane.doe@example.com');
    expect(dump).not.toContain('Jane Doe');
    expect(await store.db.selectFrom('customers').selectAll().where('customer_id', '=', 'C1').execute()).toEqual([]);
    const replacement = await store.db.selectFrom('customers').selectAll().where('customer_id', '=', anon).executeTakeFirstOrThrow();
    expect(replacement).toMatchObject({
      email: null,
      name: null,
      country: null,
      consent: 0,
      signup_date: '2026-01-05',
      acquisition_channel: 'google_ads',
    });
    expect(
      (await store.db.selectFrom('orders').select('order_id').where('customer_id', '=', anon).orderBy('order_id').execute()).map(
        (o) => o.order_id,
      ),
    ).toEqual(['O1', 'O2']);
    expect(await store.db.selectFrom('customer_attributes').selectAll().where('customer_id', '=', anon).execute()).toEqual([]);
    // a pending delivery to the forgotten customer is cancelled; the other customer's is not
    const outbox = await store.db
      .selectFrom('campaign_outbox')
      .select(['customer_id', 'status', 'last_error'])
      .orderBy('customer_id')
      .execute();
    expect(outbox).toEqual([
      { customer_id: 'C2', status: 'pending', last_error: null },
      { customer_id: anon, status: 'failed', last_error: 'customer forgotten' },
    ]);
    // foreign keys still hold
    if (store.url.startsWith('sqlite:')) expect((await sql`PRAGMA foreign_key_check`.execute(store.db)).rows).toEqual([]);

    const audit = await store.db.selectFrom('audit_log').selectAll().where('command', '=', 'customer forget').orderBy('id').execute();
    expect(audit.map((a) => [a.user_id, a.outcome, a.options])).toEqual([
      ['U_approver', 'denied', '{"id":"[erased]"}'],
      ['U_admin', 'ok', `{"anonymous_id":"${anon}","reference":"${reference}"}`],
    ]);
    // earlier entries that named the customer name the anonymous id instead
    const shows = await store.db.selectFrom('audit_log').select('options').where('command', '=', 'customer show').execute();
    expect(shows.filter((a) => a.options.includes(anon))).toHaveLength(5);
    // (the test's channel is also called C1: options and detail are what may name a customer)
    expect(JSON.stringify(await store.db.selectFrom('audit_log').select(['options', 'detail']).execute())).not.toMatch(/\bC1\b/);
    // the erasure is on record by reference, with who and the counts; the suppression list holds hashes only
    const erasure = await store.db.selectFrom('erasures').selectAll().executeTakeFirstOrThrow();
    expect(erasure).toMatchObject({ reference, platform: 'slack', user_id: 'U_admin' });
    expect(JSON.parse(erasure.counts)).toMatchObject({ orders: 2 });
    const hashes = await store.db.selectFrom('erasure_suppressions').selectAll().orderBy('kind').execute();
    expect(hashes.map((h) => [h.kind, h.reference])).toEqual([
      ['customer_id', reference],
      ['email', reference],
    ]);
    for (const h of hashes) expect(h.hash).toMatch(/^[0-9a-f]{64}$/);
    // the other customer is untouched
    expect((await run(bot, '/customer show C2', as('admin'))).data.email).toBe('sam@example.org');
  });

  it('a second forget, or forgetting an anonymized record, is a clear error', async () => {
    const again = await run(bot, '/customer forget C1', as('admin'));
    expect(again.data.error.code).toBe('already_forgotten');
    expect(again.data.error.message).toMatch(/already erased \(ER-[a-z0-9]{10}\)/);
    expect((await run(bot, '/customer forget NOPE', as('admin'))).data.error.code).toBe('unknown_customer');
    const anon = (
      await store.db.selectFrom('customers').select('customer_id').where('customer_id', 'like', 'forgotten-%').executeTakeFirstOrThrow()
    ).customer_id;
    expect((await run(bot, `/customer forget ${anon}`, as('admin'))).data.error.code).toBe('already_forgotten');
  });
});
