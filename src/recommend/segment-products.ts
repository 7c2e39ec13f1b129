import { sql, type Kysely } from 'kysely';
import type { Database } from '../store/schema.ts';

export interface SegmentProduct {
  product: string;
  /** Customers of the segment who bought it, and their share of the segment's buyers. */
  segment_buyers: number;
  segment_share: number;
  /** Customers of the whole base who bought it, and their share of the base's buyers. */
  base_buyers: number;
  base_share: number;
  /** segment_share / base_share: how much more the segment buys it than everyone does. */
  lift: number;
}

export interface SegmentProducts {
  /** Customers of the segment with a purchase that has products. */
  segment_buyers: number;
  base_buyers: number;
  /** Products fewer of the segment's customers bought are left out (a share of a few is chance). */
  min_buyers: number;
  products: SegmentProduct[];
}

/** Fewest buyers in the segment for a product to count: 3, or 2% of the segment's buyers when that is more. */
export function minSegmentBuyers(segmentBuyers: number): number {
  return Math.max(3, Math.ceil(segmentBuyers * 0.02));
}

/**
 * The products a segment buys more than the base does: for each product, the share of the segment's
 * buyers who bought it against the share of all buyers (lift), among products enough of the segment
 * bought and bought more by it (lift above 1); inactive products left out. Highest lift first, then
 * more buyers in the segment. Reads the purchases once, the segment's members joined in.
 */
export async function segmentProducts(
  db: Kysely<Database>,
  segmentId: number,
  limit: number,
  inactive: ReadonlySet<string>,
): Promise<SegmentProducts> {
  const purchases = db
    .selectFrom('order_lines as l')
    .innerJoin('orders as o', 'o.order_id', 'l.order_id')
    .leftJoin('segment_members as m', (join) => join.onRef('m.customer_id', '=', 'o.customer_id').on('m.segment_id', '=', segmentId))
    .where('o.is_purchase', '=', 1)
    .where('l.quantity', '>', 0);
  const inSegment = sql<number>`count(DISTINCT CASE WHEN m.customer_id IS NOT NULL THEN o.customer_id END)`;
  const totals = await purchases
    .select([sql<number>`count(DISTINCT o.customer_id)`.as('base'), inSegment.as('segment')])
    .executeTakeFirstOrThrow();
  const baseBuyers = Number(totals.base);
  const segmentBuyers = Number(totals.segment);
  const min = minSegmentBuyers(segmentBuyers);
  if (segmentBuyers === 0) return { segment_buyers: 0, base_buyers: baseBuyers, min_buyers: min, products: [] };
  const rows = await purchases
    .select(['l.product_id', sql<number>`count(DISTINCT o.customer_id)`.as('base'), inSegment.as('segment')])
    .groupBy('l.product_id')
    .execute();
  const products = rows
    .map((row) => {
      const segment = Number(row.segment);
      const base = Number(row.base);
      const segmentShare = segment / segmentBuyers;
      const baseShare = base / baseBuyers;
      return {
        product: row.product_id,
        segment_buyers: segment,
        segment_share: segmentShare,
        base_buyers: base,
        base_share: baseShare,
        lift: segmentShare / baseShare,
      };
    })
    .filter((p) => p.segment_buyers >= min && p.lift > 1 && !inactive.has(p.product))
    .sort((a, b) => b.lift - a.lift || b.segment_buyers - a.segment_buyers || (a.product < b.product ? -1 : 1))
    .slice(0, limit);
  return { segment_buyers: segmentBuyers, base_buyers: baseBuyers, min_buyers: min, products };
}
