import { randomBytes } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { redactUrls } from '../privacy/redact-url.ts';
import type { Database } from '../store/schema.ts';
import type { Recipient } from './delivery/index.ts';

const CHUNK = 500;
/** A row begun this many times without an answer (crash loops) is given up as failed. */
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
): Promise<(Recipient & { attempts: number })[]> {
  const rows = await db
    .selectFrom('campaign_outbox as o')
    .leftJoin('customers as c', 'c.customer_id', 'o.customer_id')
    .select(['o.customer_id', 'o.idempotency_key', 'o.attempts', 'c.email', 'c.name'])
    .where('o.campaign_id', '=', campaignId)
    .where('o.status', '=', 'pending')
    .where((eb) =>
      eb.or([
        eb('c.customer_id', 'is', null),
        eb.and([
          eb('c.consent', '=', 1),
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
    email: r.email ?? null,
    name: r.name ?? null,
  }));
}

/** Marks pending rows whose customer has withdrawn consent or unsubscribed as skipped; returns how many. */
export async function skipWithdrawn(db: Kysely<Database>, campaignId: number, at: string): Promise<number> {
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
            .where('c.consent', '<>', 1),
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

/** Recorded before the delivery is attempted: a row pending with attempts > 0 was in flight when we stopped. */
export async function markAttempted(db: Kysely<Database>, campaignId: number, customerIds: string[], at: string): Promise<void> {
  for (let i = 0; i < customerIds.length; i += CHUNK) {
    await db
      .updateTable('campaign_outbox')
      .set((eb) => ({ attempts: eb('attempts', '+', 1), updated_at: at }))
      .where('campaign_id', '=', campaignId)
      .where('customer_id', 'in', customerIds.slice(i, i + CHUNK))
      .execute();
  }
}

export async function markSent(db: Kysely<Database>, campaignId: number, customerIds: string[], at: string): Promise<void> {
  for (let i = 0; i < customerIds.length; i += CHUNK) {
    await db
      .updateTable('campaign_outbox')
      .set({ status: 'sent', sent_at: at, updated_at: at, last_error: null })
      .where('campaign_id', '=', campaignId)
      .where('status', '=', 'pending')
      .where('customer_id', 'in', customerIds.slice(i, i + CHUNK))
      .execute();
  }
}

export async function markFailed(db: Kysely<Database>, campaignId: number, customerId: string, error: string, at: string): Promise<void> {
  await db
    .updateTable('campaign_outbox')
    .set({ status: 'failed', last_error: redactUrls(error).slice(0, 500), updated_at: at })
    .where('campaign_id', '=', campaignId)
    .where('customer_id', '=', customerId)
    .where('status', '=', 'pending')
    .execute();
}

export interface OutboxCounts {
  total: number;
  pending: number;
  sent: number;
  failed: number;
  /** Not sent because consent was withdrawn (or the customer unsubscribed) after launch. */
  skipped: number;
}

export async function outboxCounts(db: Kysely<Database>, campaignId: number): Promise<OutboxCounts> {
  const rows = await db
    .selectFrom('campaign_outbox')
    .select((eb) => ['status', eb.fn.countAll<number>().as('n')])
    .where('campaign_id', '=', campaignId)
    .groupBy('status')
    .execute();
  const counts = { total: 0, pending: 0, sent: 0, failed: 0, skipped: 0 };
  for (const row of rows) {
    const n = Number(row.n);
    counts.total += n;
    if (row.status === 'pending' || row.status === 'sent' || row.status === 'failed' || row.status === 'skipped') counts[row.status] += n;
  }
  return counts;
}
