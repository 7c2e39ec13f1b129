/** A product near another: how similar, and how many customers bought both. */
export interface Near<P> {
  product: P;
  score: number;
  coBuyers: number;
}

export interface Ranked<P> {
  product: P;
  /** The sum of its similarities to what the customer bought; 0 for a popular product filling up. */
  score: number;
  /** The bought product it is nearest to, and how many customers bought the two: the reason given. */
  because?: { product: P; coBuyers: number };
  /** Filled up by popularity: customers who bought it. */
  buyers?: number;
}

export interface RankInput<P> {
  /** What the customer bought (never recommended back). */
  bought: ReadonlySet<P>;
  /** The nearest products of a bought product. */
  near: (product: P) => Iterable<Near<P>>;
  /** Products by popularity, most bought first. */
  popular: Iterable<{ product: P; buyers: number }>;
  /** Whether a product may be recommended (inactive ones may not). */
  allowed: (product: P) => boolean;
  limit: number;
}

/**
 * Item-to-item recommendations for one customer: each product near what they bought scores the sum
 * of its similarities to those purchases, and is explained by the purchase it is nearest to;
 * already bought and disallowed products are left out; when fewer than `limit` remain, the most
 * popular products fill the list. The same ranking serves /recommend and its evaluation.
 */
export function rankFor<P extends string | number>(input: RankInput<P>): Ranked<P>[] {
  const candidates = new Map<P, Ranked<P> & { best: number }>();
  for (const product of input.bought) {
    for (const near of input.near(product)) {
      if (input.bought.has(near.product)) continue;
      const seen = candidates.get(near.product);
      if (!seen) {
        candidates.set(near.product, {
          product: near.product,
          score: near.score,
          best: near.score,
          because: { product, coBuyers: near.coBuyers },
        });
      } else {
        seen.score += near.score;
        if (near.score > seen.best || (near.score === seen.best && near.coBuyers > seen.because!.coBuyers)) {
          seen.best = near.score;
          seen.because = { product, coBuyers: near.coBuyers };
        }
      }
    }
  }
  const ranked: Ranked<P>[] = [...candidates.values()]
    .filter((c) => input.allowed(c.product))
    .sort((a, b) => b.score - a.score || b.because!.coBuyers - a.because!.coBuyers || compare(a.product, b.product))
    .slice(0, input.limit)
    .map(({ best: _best, ...ranked }) => ranked);
  if (ranked.length < input.limit) {
    const chosen = new Set(ranked.map((r) => r.product));
    for (const { product, buyers } of input.popular) {
      if (ranked.length >= input.limit) break;
      if (input.bought.has(product) || chosen.has(product) || !input.allowed(product)) continue;
      ranked.push({ product, score: 0, buyers });
    }
  }
  return ranked;
}

function compare<P extends string | number>(a: P, b: P): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
