import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema.ts';
import { recommendForCampaign } from '../../recommend/for-campaign.ts';

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

/** Nobody has recommendations (a test's baseline). */
export const noRecommendations: RecommendProducts = async () => new Map();

/** The newest model learnt by /recommend train (src/recommend/for-campaign.ts). */
let current: RecommendProducts = recommendForCampaign;

/** The recommender `{{recommended_products}}` reads. */
export function recommendProducts(): RecommendProducts {
  return current;
}

/** Where a recommendations engine plugs in (at start, or a test's own). */
export function setRecommendProducts(recommender: RecommendProducts): void {
  current = recommender;
}
