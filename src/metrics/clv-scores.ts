import type { Kysely } from 'kysely';
import { upToDay } from '../store/business-days.ts';
import type { Database } from '../store/schema.ts';
import { conditionalExpectedPurchases, expectedAverageSpend, monthlyRateFromAnnual, probabilityAlive } from './clv/index.ts';
import { DAYS_PER_UNIT, purchaseOutlooks, type FittedClv } from './clv-model.ts';

/** Per-customer figures of a fitted model, one entry per row of its summaries (the customers it values). */
export type RowScores = Float64Array;

/** P(alive) at as_of of every valued customer. */
export function aliveProbabilities(model: FittedClv): RowScores {
  const [gx, gtx, gT] = model.grouped.columns as [Float64Array, Float64Array, Float64Array];
  return perRow(
    model,
    Float64Array.from(gx, (_, g) => probabilityAlive(model.params.bgnbd, gx[g]!, gtx[g]!, gT[g]!)),
  );
}

/** Expected purchases of every valued customer in the `days` after as_of. */
export function expectedPurchasesWithin(model: FittedClv, days: number): RowScores {
  const t = days / DAYS_PER_UNIT;
  const [gx, gtx, gT] = model.grouped.columns as [Float64Array, Float64Array, Float64Array];
  return perRow(
    model,
    Float64Array.from(gx, (_, g) => conditionalExpectedPurchases(model.params.bgnbd, t, gx[g]!, gtx[g]!, gT[g]!)),
  );
}

/** Predicted revenue CLV over `horizonMonths`, discounted, of every valued customer (the /clv formula, margin 1). */
export function predictedClvs(model: FittedClv, horizonMonths: number, annualDiscount: number): RowScores {
  const rate = monthlyRateFromAnnual(annualDiscount);
  const monthly = new Float64Array(horizonMonths + 1);
  for (let m = 1; m <= horizonMonths; m++) monthly[m] = Math.pow(1 + rate, -m);
  const outlooks = purchaseOutlooks(model.params.bgnbd, model.grouped, horizonMonths, monthly);
  const { x, monetary, length } = model.summaries;
  const clv = new Float64Array(length);
  for (let i = 0; i < length; i++)
    clv[i] = outlooks.discounted[outlooks.of(i)]! * expectedAverageSpend(model.params.gamma_gamma, x[i]!, monetary[i]!);
  return clv;
}

/** A figure computed once per distinct (x, t_x, T) row of the fit, spread to every customer. */
function perRow(model: FittedClv, perGroup: Float64Array): RowScores {
  const out = new Float64Array(model.summaries.length);
  const groupOfRow = model.grouped.groupOfRow;
  for (let i = 0; i < out.length; i++) out[i] = perGroup[groupOfRow[i]!]!;
  return out;
}

const PAGE = 20_000;

/**
 * Historical value to as_of of every valued customer, in the model's currency (net cents: every order
 * document up to that day, returns included, as /clv counts it). Keyset pages over the orders index.
 */
export async function historicalValues(db: Kysely<Database>, model: FittedClv, zone: string): Promise<RowScores> {
  const out = new Float64Array(model.summaries.length);
  let after: string | null = null;
  for (;;) {
    let page = db
      .selectFrom('orders')
      .select((eb) => ['customer_id', eb.fn.sum<number>('net_cents').as('cents')])
      .where('currency', '=', model.currency)
      .where(upToDay('order_date', model.asOf, zone));
    if (after !== null) page = page.where('customer_id', '>', after);
    const rows = await page.groupBy('customer_id').orderBy('customer_id').limit(PAGE).execute();
    for (const row of rows) {
      const i = model.rowOf(row.customer_id);
      if (i !== undefined) out[i] = Number(row.cents);
    }
    if (rows.length < PAGE) break;
    after = rows[rows.length - 1]!.customer_id;
  }
  return out;
}

/** The median of the values (the mean of the middle two for an even count); 0 when there are none. */
export function median(values: ArrayLike<number>): number {
  if (values.length === 0) return 0;
  const sorted = Float64Array.from(values).sort();
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
