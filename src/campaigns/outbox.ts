import { randomBytes } from 'node:crypto';
import type { ExpressionBuilder, Kysely, Transaction } from 'kysely';
import { redactUrls } from '../privacy/redact-url.ts';
import type { Database } from '../store/schema.ts';
import type { Recipient } from './delivery/index.ts';

const CHUNK = 500;
/** A row begun this many times without ever an answer (crash loops) is given up as failed. */
export const MAX_ATTEMPTS = 10;

/** A random key per outbox row (hex), stored with it: nothing derived from it leads back to the customer. */
export function newRecipientKey(): string {
  return randomBytes(16).toString('hex');
}

/** The idempotency key receivers see: the campaign and the row's random recipient key, never a hash of the customer id. */
export function idempotencyKey(campaignId: number, recipientKey: string): string {
  return `gb-${campaignId}-${recipientKey.slice(0, 24)}`;
}

/** Freezes the audience and writes one pending outbox row per recipient, inside the launch transaction. */
export async function writeAudienceAndOutbox(
  trx: Transaction<Database>,
  campaignId: number,
  split: { recipients: string[]; holdout: string[] },
  at: string,
): Promise<void> {
  const audience = [
    ...split.recipients.map((customer_id) => ({ campaign_id: campaignId, customer_id, group_name: 'recipient' })),
    ...split.holdout.map((customer_id) => ({ campaign_id: campaignId, customer_id, group_name: 'holdout' })),
  ];
  for (let i = 0; i < audience.length; i += CHUNK)
    await trx
      .insertInto('campaign_audience')
      .values(audience.slice(i, i + CHUNK))
      .execute();
  const outbox = split.recipients.map((customer_id) => {
    const recipientKey = newRecipientKey();
    return {
      campaign_id: campaignId,
      customer_id,
      recipient_key: recipientKey,
      idempotency_key: idempotencyKey(campaignId, recipientKey),
      status: 'pending',
      attempts: 0,
      updated_at: at,
    };
  });
  for (let i = 0; i < outbox.length; i += CHUNK)
    await trx
      .insertInto('campaign_outbox')
      .values(outbox.slice(i, i + CHUNK))
      .execute();
}

/** Why a pending row was skipped at send time rather than delivered. */
export const CONSENT_WITHDRAWN = 'consent withdrawn';

/**
 * The next recipients still owed, in a stable order. Consent is re-checked here, at send time: a
 * customer who withdrew consent or unsubscribed (from any campaign, not followed by a newer dated
 * consent) since launch is not returned
 * (`skipWithdrawn` marks those rows). A row whose customer is no longer on file is returned as before.
 */
export async function owedRecipients(
  db: Kysely<Database>,
  campaignId: number,
  limit: number,
  /** Only rows due by then (no next_attempt_at, or one not after it); default: every pending row. */
  dueBy?: string,
  /** SMS asks for SMS consent instead of marketing consent. */
  channel?: string,
): Promise<(Recipient & { attempts: number; last_error: string | null; retry_until: string | null })[]> {
  let query = db
    .selectFrom('campaign_outbox as o')
    .leftJoin('customers as c', 'c.customer_id', 'o.customer_id')
    .select([
      'o.customer_id',
      'o.idempotency_key',
      'o.attempts',
      'o.last_error',
      'o.retry_until',
      'c.email',
      'c.name',
      'c.phone',
      'c.time_zone',
    ])
    .where('o.campaign_id', '=', campaignId)
    .where('o.status', '=', 'pending');
  if (dueBy !== undefined) query = query.where((eb) => eb.or([eb('o.next_attempt_at', 'is', null), eb('o.next_attempt_at', '<=', dueBy)]));
  const rows = await query
    .where((eb) =>
      eb.or([
        eb('c.customer_id', 'is', null),
        eb.and([
          eb(consentColumn(channel, 'c'), '=', 1),
          eb.not(
            eb.exists(
              eb
                .selectFrom('events as e')
                .select('e.customer_id')
                .whereRef('e.customer_id', '=', 'o.customer_id')
                .where('e.type', '=', 'unsubscribed')
                .where((w) => w.or([w('c.consent_updated_at', 'is', null), w('e.occurred_at', '>=', w.ref('c.consent_updated_at'))])),
            ),
          ),
        ]),
      ]),
    )
    .orderBy('o.customer_id')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    customer_id: r.customer_id,
    idempotency_key: r.idempotency_key,
    attempts: Number(r.attempts),
    last_error: r.last_error ?? null,
    retry_until: r.retry_until ?? null,
    email: r.email ?? null,
    name: r.name ?? null,
    phone: r.phone ?? null,
    time_zone: r.time_zone ?? null,
  }));
}

/** The consent a channel needs: SMS its own, every other channel marketing consent. */
function consentColumn<A extends string>(channel: string | undefined, alias: A) {
  return `${alias}.${channel === 'sms' ? 'sms_consent' : 'consent'}` as `${A}.consent` | `${A}.sms_consent`;
}

/** Marks pending rows whose customer has withdrawn consent (for SMS: SMS consent) or unsubscribed as skipped; returns how many. */
export async function skipWithdrawn(db: Kysely<Database>, campaignId: number, at: string, channel?: string): Promise<number> {
  const result = await db
    .updateTable('campaign_outbox')
    .set({ status: 'skipped', last_error: CONSENT_WITHDRAWN, updated_at: at })
    .where('campaign_id', '=', campaignId)
    .where('status', '=', 'pending')
    .where((eb) =>
      eb.or([
        eb.exists(
          eb
            .selectFrom('customers as c')
            .select('c.customer_id')
            .whereRef('c.customer_id', '=', 'campaign_outbox.customer_id')
            .where(consentColumn(channel, 'c'), '<>', 1),
        ),
        eb.exists(
          eb
            .selectFrom('events as e')
            .leftJoin('customers as u', 'u.customer_id', 'e.customer_id')
            .select('e.customer_id')
            .whereRef('e.customer_id', '=', 'campaign_outbox.customer_id')
            .where('e.type', '=', 'unsubscribed')
            .where((w) => w.or([w('u.consent_updated_at', 'is', null), w('e.occurred_at', '>=', w.ref('u.consent_updated_at'))])),
        ),
      ]),
    )
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/**
 * Recorded before the delivery is attempted: a row pending with attempts > 0 was in flight when we stopped.
 * The first attempt also fixes until when temporary failures are retried (`retryUntil`).
 */
export async function markAttempted(
  db: Kysely<Database>,
  campaignId: number,
  customerIds: string[],
  at: string,
  retryUntil: string,
): Promise<void> {
  for (let i = 0; i < customerIds.length; i += CHUNK) {
    await db
      .updateTable('campaign_outbox')
      .set((eb) => ({
        attempts: eb('attempts', '+', 1),
        updated_at: at,
        quiet_until: null,
        retry_until: eb.fn.coalesce('retry_until', eb.val(retryUntil)),
      }))
      .where('campaign_id', '=', campaignId)
      .where('customer_id', 'in', customerIds.slice(i, i + CHUNK))
      .execute();
  }
}

export async function markSent(db: Kysely<Database>, campaignId: number, customerIds: string[], at: string): Promise<void> {
  for (let i = 0; i < customerIds.length; i += CHUNK) {
    await db
      .updateTable('campaign_outbox')
      .set({ status: 'sent', sent_at: at, updated_at: at, last_error: null, next_attempt_at: null, failure_kind: null, quiet_until: null })
      .where('campaign_id', '=', campaignId)
      // cancelled: a cancel came while this batch was in flight; the receiver has it, so it is sent
      .where('status', 'in', ['pending', 'cancelled'])
      .where('customer_id', 'in', customerIds.slice(i, i + CHUNK))
      .execute();
  }
}

/** The provider's id of each message it accepted (an SMS provider's message id, for its delivery receipts). */
export async function recordProviderIds(
  db: Kysely<Database>,
  campaignId: number,
  results: { customer_id: string; providerId?: string }[],
): Promise<void> {
  for (const r of results) {
    if (!r.providerId) continue;
    await db
      .updateTable('campaign_outbox')
      .set({ provider_message_id: r.providerId })
      .where('campaign_id', '=', campaignId)
      .where('customer_id', '=', r.customer_id)
      .execute();
  }
}

/** Not tried now: the customer's quiet hours; the rows wait until `until` (not an attempt, not a failure). */
export async function markHeld(db: Kysely<Database>, campaignId: number, customerIds: string[], until: string, at: string): Promise<void> {
  for (let i = 0; i < customerIds.length; i += CHUNK) {
    await db
      .updateTable('campaign_outbox')
      .set({ next_attempt_at: until, quiet_until: until, updated_at: at })
      .where('campaign_id', '=', campaignId)
      .where('status', '=', 'pending')
      .where('customer_id', 'in', customerIds.slice(i, i + CHUNK))
      .execute();
  }
}

const cleanError = (error: string) => redactUrls(error).slice(0, 500);

/** Gives a row up: `permanent` when the receiver refused it for good, else after temporary failures. */
export async function markFailed(
  db: Kysely<Database>,
  campaignId: number,
  customerId: string,
  error: string,
  at: string,
  kind: 'permanent' | 'temporary' = 'temporary',
): Promise<void> {
  await db
    .updateTable('campaign_outbox')
    .set({ status: 'failed', last_error: cleanError(error), updated_at: at, next_attempt_at: null, failure_kind: kind })
    .where('campaign_id', '=', campaignId)
    .where('customer_id', '=', customerId)
    .where('status', '=', 'pending')
    .execute();
}

/** A temporary failure: the row stays pending and waits until `nextAt`. */
export async function markWaiting(
  db: Kysely<Database>,
  campaignId: number,
  customerIds: string[],
  error: string,
  at: string,
  nextAt: string,
): Promise<void> {
  for (let i = 0; i < customerIds.length; i += CHUNK) {
    await db
      .updateTable('campaign_outbox')
      .set({ last_error: cleanError(error), updated_at: at, next_attempt_at: nextAt })
      .where('campaign_id', '=', campaignId)
      .where('status', '=', 'pending')
      .where('customer_id', 'in', customerIds.slice(i, i + CHUNK))
      .execute();
  }
}

/** Failed rows back to pending, due now, with a fresh retry window; `all` includes refusals, else only rows that gave up on temporary errors. */
export async function requeueFailed(db: Kysely<Database>, campaignId: number, which: 'failed' | 'all', at: string): Promise<number> {
  let query = db
    .updateTable('campaign_outbox')
    .set({
      status: 'pending',
      next_attempt_at: null,
      retry_until: null,
      failure_kind: null,
      attempts: 0,
      quiet_until: null,
      updated_at: at,
    })
    .where('campaign_id', '=', campaignId)
    .where('status', '=', 'failed');
  if (which === 'failed') query = query.where((eb) => eb.or([eb('failure_kind', 'is', null), eb('failure_kind', '=', 'temporary')]));
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Pending rows are cancelled (never sent); returns how many and the first few customer ids, in order. */
export async function cancelPending(
  db: Kysely<Database> | Transaction<Database>,
  campaignId: number,
  at: string,
  sample = 5,
): Promise<{ count: number; first: string[] }> {
  const first = await db
    .selectFrom('campaign_outbox')
    .select('customer_id')
    .where('campaign_id', '=', campaignId)
    .where('status', '=', 'pending')
    .orderBy('customer_id')
    .limit(sample)
    .execute();
  const result = await db
    .updateTable('campaign_outbox')
    .set({ status: 'cancelled', next_attempt_at: null, updated_at: at })
    .where('campaign_id', '=', campaignId)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return { count: Number(result.numUpdatedRows), first: first.map((r) => r.customer_id) };
}

/** When the next waiting row of a campaign (or of any campaign in `launching`, without an id) is due; undefined when none waits. */
export async function nextAttemptAt(db: Kysely<Database>, campaignId?: number): Promise<string | undefined> {
  let query = db
    .selectFrom('campaign_outbox as o')
    .innerJoin('campaigns as c', 'c.id', 'o.campaign_id')
    .select((eb) => eb.fn.min('o.next_attempt_at').as('next'))
    .where('o.status', '=', 'pending')
    .where('c.state', '=', 'launching');
  if (campaignId !== undefined) query = query.where('o.campaign_id', '=', campaignId);
  const row = await query.executeTakeFirst();
  return (row?.next as string | null | undefined) ?? undefined;
}

/** Whether a campaign has a pending row due by `at` (a sweep has work for it). */
export async function hasDueRows(db: Kysely<Database>, campaignId: number, at: string): Promise<boolean> {
  const row = await db
    .selectFrom('campaign_outbox')
    .select('customer_id')
    .where('campaign_id', '=', campaignId)
    .where('status', '=', 'pending')
    .where((eb) => eb.or([eb('next_attempt_at', 'is', null), eb('next_attempt_at', '<=', at)]))
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

export interface OutboxCounts {
  total: number;
  /** Owed: not tried yet, or waiting for their next try after a temporary failure. */
  pending: number;
  sent: number;
  failed: number;
  /** Not sent because consent was withdrawn (or the customer unsubscribed) after launch. */
  skipped: number;
  /** Not sent because the campaign was cancelled while sending. */
  cancelled: number;
  /** Of the pending: SMS held until the customer's quiet hours end. */
  quiet_hours: number;
}

const emptyCounts = (): OutboxCounts => ({ total: 0, pending: 0, sent: 0, failed: 0, skipped: 0, cancelled: 0, quiet_hours: 0 });

/** Adds one (status, held, n) group to counts. */
function addGroup(counts: OutboxCounts, status: string, held: unknown, n: number): void {
  counts.total += n;
  if (status === 'pending' && Number(held) === 1) counts.quiet_hours += n;
  if (status in counts && status !== 'total' && status !== 'quiet_hours')
    counts[status as 'pending' | 'sent' | 'failed' | 'skipped' | 'cancelled'] += n;
}

/** 1 for a row held for quiet hours. */
function heldFlag(eb: ExpressionBuilder<Database, 'campaign_outbox'>) {
  return eb.case().when('quiet_until', 'is not', null).then(1).else(0).end();
}

export async function outboxCounts(db: Kysely<Database>, campaignId: number): Promise<OutboxCounts> {
  const rows = await db
    .selectFrom('campaign_outbox')
    .select((eb) => ['status', heldFlag(eb).as('held'), eb.fn.countAll<number>().as('n')])
    .where('campaign_id', '=', campaignId)
    .groupBy(['status', 'held'])
    .execute();
  const counts = emptyCounts();
  for (const row of rows) addGroup(counts, row.status, row.held, Number(row.n));
  return counts;
}

/** Outbox counts of several campaigns at once (campaign id → counts); campaigns without rows are absent. */
export async function outboxCountsByCampaign(db: Kysely<Database>, campaignIds: number[]): Promise<Map<number, OutboxCounts>> {
  const counts = new Map<number, OutboxCounts>();
  for (let i = 0; i < campaignIds.length; i += CHUNK) {
    const rows = await db
      .selectFrom('campaign_outbox')
      .select((eb) => ['campaign_id', 'status', heldFlag(eb).as('held'), eb.fn.countAll<number>().as('n')])
      .where('campaign_id', 'in', campaignIds.slice(i, i + CHUNK))
      .groupBy(['campaign_id', 'status', 'held'])
      .execute();
    for (const row of rows) {
      const id = Number(row.campaign_id);
      const c = counts.get(id) ?? emptyCounts();
      addGroup(c, row.status, row.held, Number(row.n));
      counts.set(id, c);
    }
  }
  return counts;
}

/** Whether a campaign has pending rows that never got an answer (no recorded failure): its launcher stopped half way. */
export async function hasUnansweredRows(db: Kysely<Database>, campaignId: number): Promise<boolean> {
  const row = await db
    .selectFrom('campaign_outbox')
    .select('customer_id')
    .where('campaign_id', '=', campaignId)
    .where('status', '=', 'pending')
    .where('last_error', 'is', null)
    // held for quiet hours: waiting on purpose
    .where('quiet_until', 'is', null)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}
