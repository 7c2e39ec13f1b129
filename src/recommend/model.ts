import { basketsOf, CO_PURCHASE_DEFAULTS, learnCoPurchases, type CoPurchaseModel, type CoPurchaseOptions } from './co-purchases.ts';
import type { Purchases } from './purchases.ts';
import type { Near } from './rank.ts';

/** A model learnt from some of the purchase lines, with what ranking needs of it. */
export interface LearntModel extends CoPurchaseModel {
  /** Distinct products each customer bought in the lines learnt from (baskets by customer index). */
  baskets: { offsets: Int32Array; items: Int32Array };
  /** Product indexes with buyers, most bought first (ties: lower index). */
  popular: Int32Array;
  lines: number;
}

/** Learns co-purchases from the purchase lines `keep` selects (all when absent). */
export function learnModel(
  purchases: Purchases,
  keep?: (line: number) => boolean,
  options: CoPurchaseOptions = CO_PURCHASE_DEFAULTS,
): LearntModel {
  let { customer, product, length } = purchases;
  if (keep) {
    const chosen = new Int32Array(length);
    let n = 0;
    for (let i = 0; i < length; i++) if (keep(i)) chosen[n++] = i;
    customer = Int32Array.from(chosen.subarray(0, n), (i) => purchases.customer[i]!);
    product = Int32Array.from(chosen.subarray(0, n), (i) => purchases.product[i]!);
    length = n;
  }
  const baskets = basketsOf(customer, product, length, purchases.customerIds.length, purchases.productIds.length);
  const model = learnCoPurchases(baskets, options);
  const popular = Int32Array.from(
    [...model.buyers.keys()].filter((p) => model.buyers[p]! > 0).sort((a, b) => model.buyers[b]! - model.buyers[a]! || a - b),
  );
  return { ...model, baskets: { offsets: baskets.offsets, items: baskets.items }, popular, lines: length };
}

/** The nearest products of product `p`, as ranking reads them (one object reused: read, not kept). */
export function* nearOf(model: CoPurchaseModel, p: number): Generator<Near<number>> {
  const { offsets, ids, scores, coBuyers } = model.neighbours;
  const near: Near<number> = { product: 0, score: 0, coBuyers: 0 };
  for (let k = offsets[p]!; k < offsets[p + 1]!; k++) {
    near.product = ids[k]!;
    near.score = scores[k]!;
    near.coBuyers = coBuyers[k]!;
    yield near;
  }
}

/** The model's products by popularity, as ranking reads them. */
export function* popularOf(model: LearntModel): Generator<{ product: number; buyers: number }> {
  for (const p of model.popular) yield { product: p, buyers: model.buyers[p]! };
}
