import type { Kysely } from 'kysely';
import type { RecommendedProduct } from '../campaigns/merge/recommended-products.ts';
import type { Database } from '../store/schema.ts';
import { inactiveProducts } from './purchases.ts';
import { rankFor } from './rank.ts';
import { latestRun, storedNeighbours, storedPopular } from './runs.ts';

const IN_LIST = 500;

/** The products each customer bought (purchases with products, quantity above 0). */
async function boughtByEach(db: Kysely<Database>, customerIds: string[]): Promise<Map<string, Set<string>>> {
  const bought = new Map<string, Set<string>>(customerIds.map((id) => [id, new Set<string>()]));
  for (let i = 0; i < customerIds.length; i += IN_LIST) {
    const rows = await db
      .selectFrom('orders as o')
      .innerJoin('order_lines as l', 'l.order_id', 'o.order_id')
      .select(['o.customer_id', 'l.product_id'])
      .distinct()
      .where('o.customer_id', 'in', customerIds.slice(i, i + IN_LIST))
      .where('o.is_purchase', '=', 1)
      .where('l.quantity', '>', 0)
      .execute();
    for (const row of rows) bought.get(row.customer_id)?.add(row.product_id);
  }
  return bought;
}

async function productCards(db: Kysely<Database>, ids: string[]): Promise<Map<string, RecommendedProduct>> {
  const cards = new Map<string, RecommendedProduct>();
  for (let i = 0; i < ids.length; i += IN_LIST) {
    const rows = await db
      .selectFrom('products')
      .select(['product_id', 'name', 'url'])
      .where('product_id', 'in', ids.slice(i, i + IN_LIST))
      .execute();
    for (const row of rows) cards.set(row.product_id, { name: row.name ?? row.product_id, url: row.url ?? '' });
  }
  return cards;
}

/**
 * `{{recommended_products}}` from the newest learnt model, ranked as `/recommend customer=` ranks them (near
 * what each bought, filled by popularity; never bought or inactive products). No model yet: nobody has any,
 * and the field shows its fallback.
 */
export async function recommendForCampaign(
  db: Kysely<Database>,
  customerIds: string[],
  n: number,
): Promise<Map<string, RecommendedProduct[]>> {
  const out = new Map<string, RecommendedProduct[]>();
  const run = await latestRun(db, 'model');
  if (!run || customerIds.length === 0) return out;
  const bought = await boughtByEach(db, customerIds);
  const allBought = new Set([...bought.values()].flatMap((set) => [...set]));
  const [near, popular, inactive] = await Promise.all([
    storedNeighbours(db, run.id, [...allBought]),
    storedPopular(db, run.id),
    inactiveProducts(db),
  ]);
  const ranked = new Map(
    customerIds.map((id) => [
      id,
      rankFor<string>({
        bought: bought.get(id) ?? new Set<string>(),
        near: (p) => near.get(p) ?? [],
        popular,
        allowed: (p) => !inactive.has(p),
        limit: n,
      }),
    ]),
  );
  const cards = await productCards(db, [...new Set([...ranked.values()].flatMap((list) => list.map((r) => r.product)))]);
  for (const [id, list] of ranked) {
    const products = list.flatMap((r) => {
      const card = cards.get(r.product);
      return card ? [card] : [{ name: r.product, url: '' }];
    });
    if (products.length) out.set(id, products);
  }
  return out;
}
