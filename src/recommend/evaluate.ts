import { yieldToForeground } from '../jobs/foreground.ts';
import type { CoPurchaseOptions } from './co-purchases.ts';
import { learnModel, nearOf, popularOf } from './model.ts';
import { dayText, type Purchases } from './purchases.ts';
import { rankFor } from './rank.ts';

export interface MethodScore {
  /** Share of the evaluated customers with at least one of their top k among what they went on to buy. */
  hit_rate: number;
  hits: number;
  /** Share of the products bought before the holdout that appear in anyone's top k. */
  coverage: number;
  products_recommended: number;
}

export interface Evaluation {
  k: number;
  holdout_days: number;
  /** Learnt from purchases up to the end of this day; scored on the days after it, through `holdout_through`. */
  train_through: string;
  holdout_from: string;
  holdout_through: string;
  /** Customers who bought before the holdout and bought something new to them in it. */
  customers: number;
  /** Holdout buyers left out: no purchase before it (nothing to recommend from, for either method). */
  new_customers: number;
  /** Holdout buyers left out: they only bought again what they had bought before (never recommended). */
  repeat_only: number;
  /** Products bought before the holdout that may be recommended: the coverage's denominator. */
  catalog: number;
  recommender: MethodScore;
  popularity: MethodScore;
  /** What the model learnt from, and how long learning took. */
  train: { lines: number; customers: number; products: number; pairs: number; ms: number };
  score_ms: number;
}

export interface EvaluationOptions {
  /** The last day of the data (the holdout's last day). */
  through: string;
  holdoutDays: number;
  k: number;
  /** Products that may not be recommended (inactive). */
  inactive: ReadonlySet<string>;
  coPurchase?: CoPurchaseOptions;
}

/**
 * A time-based holdout: co-purchases are learnt from the purchases up to `holdoutDays` before
 * `through`, then each customer who bought before and bought something new in the holdout gets a top
 * k from the recommender and from popularity (both leave out what the customer bought and inactive
 * products); a hit is one of the k among the products new to the customer that they bought in the
 * holdout. Both methods are scored on the same customers in the same run.
 */
export function evaluateHoldout(purchases: Purchases, options: EvaluationOptions): Evaluation {
  const { k, holdoutDays } = options;
  const through = Math.round(Date.parse(options.through) / 86_400_000);
  const cutoff = through - holdoutDays;
  let started = performance.now();
  const model = learnModel(purchases, (i) => purchases.day[i]! <= cutoff, options.coPurchase);
  const trainMs = performance.now() - started;

  started = performance.now();
  const allowed = new Uint8Array(purchases.productIds.length);
  purchases.productIds.forEach((id, p) => (allowed[p] = options.inactive.has(id) ? 0 : 1));
  const holdout = new Map<number, Set<number>>();
  for (let i = 0; i < purchases.length; i++) {
    const day = purchases.day[i]!;
    if (day <= cutoff || day > through) continue;
    const c = purchases.customer[i]!;
    let bought = holdout.get(c);
    if (!bought) holdout.set(c, (bought = new Set()));
    bought.add(purchases.product[i]!);
  }
  const { offsets, items } = model.baskets;
  const tally = () => ({ hits: 0, recommended: new Set<number>() });
  const recommender = tally();
  const popularity = tally();
  let evaluated = 0;
  let newCustomers = 0;
  let repeatOnly = 0;
  for (const c of [...holdout.keys()].sort((a, b) => a - b)) {
    if ((evaluated & 127) === 0) yieldToForeground();
    const bought = new Set(items.subarray(offsets[c]!, offsets[c + 1]!));
    if (bought.size === 0) {
      newCustomers++;
      continue;
    }
    const fresh = [...holdout.get(c)!].filter((p) => !bought.has(p));
    if (fresh.length === 0) {
      repeatOnly++;
      continue;
    }
    evaluated++;
    const wanted = new Set(fresh);
    const input = () => ({ bought, popular: popularOf(model), allowed: (p: number) => allowed[p] === 1, limit: k });
    const score = (method: ReturnType<typeof tally>, ranked: { product: number }[]) => {
      if (ranked.some((r) => wanted.has(r.product))) method.hits++;
      for (const r of ranked) method.recommended.add(r.product);
    };
    score(recommender, rankFor({ ...input(), near: (p) => nearOf(model, p) }));
    score(popularity, rankFor({ ...input(), near: () => [] }));
  }
  let catalog = 0;
  for (const p of model.popular) if (allowed[p]) catalog++;
  const result = (method: ReturnType<typeof tally>): MethodScore => ({
    hit_rate: evaluated ? method.hits / evaluated : 0,
    hits: method.hits,
    coverage: catalog ? method.recommended.size / catalog : 0,
    products_recommended: method.recommended.size,
  });
  return {
    k,
    holdout_days: holdoutDays,
    train_through: dayText(cutoff),
    holdout_from: dayText(cutoff + 1),
    holdout_through: options.through,
    customers: evaluated,
    new_customers: newCustomers,
    repeat_only: repeatOnly,
    catalog,
    recommender: result(recommender),
    popularity: result(popularity),
    train: { lines: model.lines, customers: model.customers, products: model.popular.length, pairs: model.pairs, ms: Math.round(trainMs) },
    score_ms: Math.round(performance.now() - started),
  };
}
