import type { Kysely } from 'kysely';
import { UserError } from '../core/errors.ts';
import type { Database } from '../store/schema.ts';
import { inactiveProducts } from './purchases.ts';
import { rankFor, type Ranked } from './rank.ts';
import { latestRun, storedNeighbours, storedPopular, type RecommendationRun } from './runs.ts';

export interface CustomerRecommendations {
  run: RecommendationRun;
  customerId: string;
  /** Distinct products the customer bought (all their purchases, those after the model's as_of too). */
  bought: number;
  ranked: Ranked<string>[];
}

/** The newest model, or a UserError saying how to learn one. */
export async function currentModel(db: Kysely<Database>): Promise<RecommendationRun> {
  const run = await latestRun(db, 'model');
  if (!run)
    throw new UserError('no_recommendation_model', 'No recommendations have been learnt yet.', {
      hint: 'An analyst learns them from the purchases with /recommend train (it takes seconds), then /recommend customer=<id> works.',
    });
  return run;
}

/** The products a customer bought (purchases with products, quantity above 0). */
async function boughtBy(db: Kysely<Database>, customerId: string): Promise<Set<string>> {
  const rows = await db
    .selectFrom('orders as o')
    .innerJoin('order_lines as l', 'l.order_id', 'o.order_id')
    .select('l.product_id')
    .distinct()
    .where('o.customer_id', '=', customerId)
    .where('o.is_purchase', '=', 1)
    .where('l.quantity', '>', 0)
    .execute();
  return new Set(rows.map((r) => r.product_id));
}

/** A customer's top `limit` from the newest model: near what they bought, filled by popularity; never what they bought or inactive products. */
export async function recommendForCustomer(db: Kysely<Database>, customerId: string, limit: number): Promise<CustomerRecommendations> {
  const customer = await db.selectFrom('customers').select('customer_id').where('customer_id', '=', customerId).executeTakeFirst();
  if (!customer)
    throw new UserError('unknown_customer', `There is no customer \`${customerId}\`.`, {
      hint: 'Customer ids are as imported (/import customers or /import orders); a forgotten customer no longer exists.',
    });
  const run = await currentModel(db);
  const bought = await boughtBy(db, customerId);
  const [near, popular, inactive] = await Promise.all([
    storedNeighbours(db, run.id, [...bought]),
    storedPopular(db, run.id),
    inactiveProducts(db),
  ]);
  const ranked = rankFor({ bought, near: (p) => near.get(p) ?? [], popular, allowed: (p) => !inactive.has(p), limit });
  return { run, customerId, bought: bought.size, ranked };
}

const IN_LIST = 500;

/** Stored names of products (a product without one shows its id). */
export async function productNames(db: Kysely<Database>, ids: Iterable<string>): Promise<Map<string, string | null>> {
  const wanted = [...new Set(ids)];
  const names = new Map<string, string | null>();
  for (let i = 0; i < wanted.length; i += IN_LIST) {
    const rows = await db
      .selectFrom('products')
      .select(['product_id', 'name'])
      .where('product_id', 'in', wanted.slice(i, i + IN_LIST))
      .execute();
    for (const row of rows) names.set(row.product_id, row.name);
  }
  return names;
}
