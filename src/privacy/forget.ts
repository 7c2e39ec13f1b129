import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { UserError } from '../core/errors.ts';
import type { Database } from '../store/schema.ts';

export const FORGOTTEN_PREFIX = 'forgotten-';

export interface ForgetResult {
  /** The id the customer's orders, events and memberships now carry. */
  anonymous_id: string;
  orders: number;
  events: number;
  segment_memberships: number;
  campaign_recipients: number;
  /** Deliveries still pending for the customer, now cancelled. */
  deliveries_cancelled: number;
  attributes_deleted: number;
}

/** Transient import tables with a customer_id: rows there may hold personal data. */
const STAGING_TABLES = [
  'import_staging_customers',
  'import_staging_attributes',
  'import_staging_order_lines',
  'import_staging_events',
] as const;

/**
 * Erases a customer's personal data everywhere while keeping every total right: a new customer
 * row with a random, unlinkable id keeps the signup date and acquisition channel (for CAC) with no
 * email, name or country and no consent; orders, events, segment memberships and campaign rows
 * move to it; attributes and the original row are deleted. One transaction.
 */
export async function forgetCustomer(db: Kysely<Database>, customerId: string, now: Date): Promise<ForgetResult> {
  if (customerId.startsWith(FORGOTTEN_PREFIX)) {
    throw new UserError('already_forgotten', `Customer \`${customerId}\` is already an anonymized record.`, {
      hint: 'Nothing personal is left to erase.',
    });
  }
  const at = now.toISOString();
  return db.transaction().execute(async (trx) => {
    const customer = await trx.selectFrom('customers').selectAll().where('customer_id', '=', customerId).executeTakeFirst();
    if (!customer) {
      throw new UserError('unknown_customer', `There is no customer \`${customerId}\`.`, {
        hint: 'Check the id with /customer show <id>; it may have been forgotten already.',
      });
    }
    const anonymousId = `${FORGOTTEN_PREFIX}${createHash('sha256').update(customerId).update(randomBytes(16)).digest('hex').slice(0, 16)}`;
    await trx
      .insertInto('customers')
      .values({
        customer_id: anonymousId,
        email: null,
        name: null,
        country: null,
        signup_date: customer.signup_date,
        acquisition_channel: customer.acquisition_channel,
        consent: 0,
        created_at: customer.created_at,
        updated_at: at,
      })
      .execute();
    const moved = async (table: 'orders' | 'events' | 'segment_members' | 'campaign_audience') =>
      Number(
        (await trx.updateTable(table).set({ customer_id: anonymousId }).where('customer_id', '=', customerId).executeTakeFirst())
          .numUpdatedRows,
      );
    const orders = await moved('orders');
    const events = await moved('events');
    const segmentMemberships = await moved('segment_members');
    const campaignRecipients = await moved('campaign_audience');
    const cancelled = await trx
      .updateTable('campaign_outbox')
      .set({ status: 'failed', last_error: 'customer forgotten', updated_at: at })
      .where('customer_id', '=', customerId)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    await trx.updateTable('campaign_outbox').set({ customer_id: anonymousId }).where('customer_id', '=', customerId).execute();
    const attributes = await trx.deleteFrom('customer_attributes').where('customer_id', '=', customerId).executeTakeFirst();
    for (const table of STAGING_TABLES) await trx.deleteFrom(table).where('customer_id', '=', customerId).execute();
    await trx.deleteFrom('customers').where('customer_id', '=', customerId).execute();
    return {
      anonymous_id: anonymousId,
      orders,
      events,
      segment_memberships: segmentMemberships,
      campaign_recipients: campaignRecipients,
      deliveries_cancelled: Number(cancelled.numUpdatedRows),
      attributes_deleted: Number(attributes.numDeletedRows),
    };
  });
}
