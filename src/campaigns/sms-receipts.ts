import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.ts';

/** The provider's last word on a message; earlier ones (queued, sending, sent…) change nothing. */
export const FINAL_STATUSES = ['delivered', 'undelivered', 'failed'] as const;

export interface Receipt {
  /** The provider's message id (MessageSid). */
  sid: string;
  status: string;
  /** ErrorCode, with undelivered and failed. */
  errorCode?: string;
  /** The row's idempotency key, from the status callback's query (finds a row whose message id is not stored yet). */
  key?: string;
}

/**
 * A delivery receipt onto its outbox row: delivered, undelivered or failed with the provider's error
 * code; a first `delivered` is also a delivery event (the report's delivery rate). Returns what it did.
 */
export async function recordReceipt(
  db: Kysely<Database>,
  receipt: Receipt,
  at: string,
): Promise<'recorded' | 'unchanged' | 'unknown' | 'not_final'> {
  if (!(FINAL_STATUSES as readonly string[]).includes(receipt.status)) return 'not_final';
  return db.transaction().execute(async (trx) => {
    let row = await trx
      .selectFrom('campaign_outbox')
      .select(['campaign_id', 'customer_id', 'receipt_status', 'receipt_error'])
      .where('provider_message_id', '=', receipt.sid)
      .executeTakeFirst();
    if (!row && receipt.key) {
      row = await trx
        .selectFrom('campaign_outbox')
        .select(['campaign_id', 'customer_id', 'receipt_status', 'receipt_error'])
        .where('idempotency_key', '=', receipt.key)
        .executeTakeFirst();
    }
    if (!row) return 'unknown';
    const error = receipt.status === 'delivered' ? null : (receipt.errorCode ?? null);
    if (row.receipt_status === receipt.status && row.receipt_error === error) return 'unchanged';
    await trx
      .updateTable('campaign_outbox')
      .set({ receipt_status: receipt.status, receipt_error: error, receipt_at: at, provider_message_id: receipt.sid })
      .where('campaign_id', '=', row.campaign_id)
      .where('customer_id', '=', row.customer_id)
      .execute();
    if (receipt.status === 'delivered' && row.receipt_status !== 'delivered')
      await trx
        .insertInto('events')
        .values({ customer_id: row.customer_id, campaign_id: String(row.campaign_id), type: 'delivered', occurred_at: at, updated_at: at })
        .onConflict((oc) => oc.columns(['customer_id', 'campaign_id', 'type', 'occurred_at']).doNothing())
        .execute();
    return 'recorded';
  });
}
