import type { Kysely } from 'kysely';
import { recordAudit } from '../core/audit.ts';
import { countOf } from '../core/format.ts';
import { keywordOf } from '../sms/keywords.ts';
import { maskPhone, normalizePhone } from '../sms/phone.ts';
import type { Database } from '../store/schema.ts';

export interface InboundSms {
  sid: string;
  from: string;
  body: string;
}

export interface ReplyOutcome {
  action: 'opted_out' | 'opted_in' | 'none' | 'replayed';
  keyword?: string;
  /** Customers whose SMS consent changed. */
  customers: string[];
}

/** Who acts for an inbound SMS in the audit trail. */
const SMS_CALLER = { platform: 'webhook' as const, userId: 'sms' };

/**
 * A reply texted to our number. STOP (UNSUBSCRIBE, CANCEL, END, QUIT…) withdraws SMS consent of every
 * customer with that number at once; START (UNSTOP, YES) gives it back to those a STOP had withdrawn it
 * from, and no one else. Each is applied once per message id (a replayed request changes nothing) and
 * audited; other texts are left alone.
 */
export async function applyInboundSms(db: Kysely<Database>, sms: InboundSms, now: Date): Promise<ReplyOutcome> {
  const keyword = keywordOf(sms.body);
  if (!keyword) return { action: 'none', customers: [] };
  const at = now.toISOString();
  const phone = normalizePhone(sms.from) ?? sms.from;
  const outcome = await db.transaction().execute(async (trx): Promise<ReplyOutcome> => {
    const first = await trx
      .insertInto('sms_inbound_messages')
      .values({ message_sid: sms.sid, received_at: at })
      .onConflict((oc) => oc.column('message_sid').doNothing())
      .executeTakeFirst();
    if (Number(first.numInsertedOrUpdatedRows ?? 0) === 0) return { action: 'replayed', keyword: keyword.keyword, customers: [] };
    let query = trx.selectFrom('customers').select('customer_id').where('phone', '=', phone);
    if (keyword.kind === 'start') query = query.where('sms_opted_out_at', 'is not', null);
    const customers = (await query.orderBy('customer_id').execute()).map((r) => r.customer_id);
    if (customers.length)
      await trx
        .updateTable('customers')
        .set(
          keyword.kind === 'stop'
            ? { sms_consent: 0, sms_opted_out_at: at, updated_at: at }
            : { sms_consent: 1, sms_opted_out_at: null, updated_at: at },
        )
        .where('customer_id', 'in', customers)
        .execute();
    return { action: keyword.kind === 'stop' ? 'opted_out' : 'opted_in', keyword: keyword.keyword, customers };
  });
  if (outcome.action === 'replayed') return outcome;
  await recordAudit(db, {
    caller: SMS_CALLER,
    command: keyword.kind === 'stop' ? 'sms opt-out' : 'sms opt-in',
    options: { reply: keyword.keyword, from: maskPhone(phone), customers: outcome.customers.join(', ') },
    outcome: 'ok',
    detail: outcome.customers.length
      ? `SMS consent ${keyword.kind === 'stop' ? 'withdrawn' : 'given back'}: ${countOf(outcome.customers.length, 'customer')}.`
      : `No customer ${keyword.kind === 'stop' ? 'with that number' : 'who had replied STOP with that number'}: nothing changed.`,
    durationMs: 0,
    at: now,
  });
  return outcome;
}

/** A refused webhook request, in the audit trail (never its content: it may not be the provider's). */
export async function auditRefusedSms(db: Kysely<Database>, reason: string, now: Date): Promise<void> {
  await recordAudit(db, {
    caller: SMS_CALLER,
    command: 'sms webhook',
    options: {},
    outcome: 'denied',
    detail: reason,
    durationMs: 0,
    at: now,
  });
}

/** The provider refused a text because the number opted out with it: SMS consent is withdrawn here too, and audited. */
export async function withdrawSmsConsent(db: Kysely<Database>, customerId: string, now: Date, reason: string): Promise<void> {
  const at = now.toISOString();
  const changed = await db
    .updateTable('customers')
    .set({ sms_consent: 0, sms_opted_out_at: at, updated_at: at })
    .where('customer_id', '=', customerId)
    .where('sms_consent', '=', 1)
    .executeTakeFirst();
  if (Number(changed.numUpdatedRows) === 0) return;
  await recordAudit(db, {
    caller: SMS_CALLER,
    command: 'sms opt-out',
    options: { customers: customerId },
    outcome: 'ok',
    detail: `SMS consent withdrawn: the provider refused the text because the number opted out (${reason}).`,
    durationMs: 0,
    at: now,
  });
}
