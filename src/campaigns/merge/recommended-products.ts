import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema.ts';

/** One product recommended to a customer: its name and where to see it. */
export interface RecommendedProduct {
  name: string;
  url: string;
}

/**
 * What `{{recommended_products}}` asks of a recommender: up to `n` products for each customer, best first.
 * A customer missing from the map (or with an empty list) has none: the field shows its fallback.
 */
export type RecommendProducts = (db: Kysely<Database>, customerIds: string[], n: number) => Promise<Map<string, RecommendedProduct[]>>;

/** No recommender yet (products and a recommendations engine are not in this store): nobody has recommendations. */
export const noRecommendations: RecommendProducts = async () => new Map();

let current: RecommendProducts = noRecommendations;

/** The recommender `{{recommended_products}}` reads. */
export function recommendProducts(): RecommendProducts {
  return current;
}

/** Where a recommendations engine plugs in (at start, or a test's own). */
export function setRecommendProducts(recommender: RecommendProducts): void {
  current = recommender;
}
