import type { ExpressionBuilder, Kysely, SelectQueryBuilder } from 'kysely';
import type { Database } from '../store/schema.ts';

/**
 * An unsubscribe withdraws consent: each of `customers` with an `unsubscribed` event newer than its
 * consent_updated_at (any, when it has none) gets consent 0 and that event's time, so a later
 * import's "yes" counts only with a newer consent_updated_at. Customers not on file are left for
 * their import (which checks the events). Returns how many went from consent to none.
 */
export async function applyUnsubscribes(
  db: Kysely<Database>,
  customers: readonly string[] | SelectQueryBuilder<Database, any, { customer_id: string }>,
  now: string,
): Promise<number> {
  if (Array.isArray(customers) && customers.length === 0) return 0;
  const set = customers;
  const withdrawn = await db
    .selectFrom('customers')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('customer_id', 'in', set)
    .where('consent', '=', 1)
    .where(hasNewerUnsubscribe)
    .executeTakeFirstOrThrow();
  await db
    .updateTable('customers')
    .set((eb) => ({
      consent: 0,
      consent_updated_at: eb
        .selectFrom('events as e')
        .select((s) => s.fn.max('e.occurred_at').as('at'))
        .whereRef('e.customer_id', '=', 'customers.customer_id')
        .where('e.type', '=', 'unsubscribed'),
      updated_at: now,
    }))
    .where('customer_id', 'in', set)
    .where(hasNewerUnsubscribe)
    .execute();
  return Number(withdrawn.n);
}

/** The customer has an `unsubscribed` event newer than its consent_updated_at (any, when it has none). */
function hasNewerUnsubscribe(eb: ExpressionBuilder<Database, 'customers'>) {
  return eb.exists(
    eb
      .selectFrom('events as e')
      .select('e.customer_id')
      .whereRef('e.customer_id', '=', 'customers.customer_id')
      .where('e.type', '=', 'unsubscribed')
      .where((w) => w.or([w('customers.consent_updated_at', 'is', null), w('e.occurred_at', '>', w.ref('customers.consent_updated_at'))])),
  );
}
