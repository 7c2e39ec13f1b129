import type { Kysely } from 'kysely';
import { addDays } from '../core/dates.ts';
import { conditionalExpectedPurchases, expectedAverageSpend, fitBgNbd, fitGammaGamma, SummaryBuilder } from '../metrics/clv/index.ts';
import type { Database } from '../store/schema.ts';

/** Fewer repeat buyers than this and the BG/NBD + Gamma-Gamma fit says little. */
export const MIN_REPEAT_BUYERS_FOR_FORECAST = 20;
const DAYS_PER_WEEK = 7;

export interface Forecast {
  method: 'clv' | 'historical';
  /** Why the CLV model was not used (method historical). */
  clv_unavailable_reason?: string;
  window_days: number;
  as_of: string;
  /** Expected net revenue per audience member over the window, cents. */
  revenue_per_member_cents: number;
  /** Members the forecast is for (the recipients). */
  members: number;
  expected_revenue_cents: number;
}

/**
 * Expected net revenue of `customerIds` over the next `windowDays`: BG/NBD expected purchases times
 * Gamma-Gamma expected order value, both fitted on every customer's purchases to `asOf` (weeks).
 * When the model cannot be fitted, the members' own revenue over the last `windowDays` instead.
 */
export async function forecastRevenue(
  db: Kysely<Database>,
  customerIds: string[],
  windowDays: number,
  asOf: string,
  currency: string,
): Promise<Forecast> {
  const base = { window_days: windowDays, as_of: asOf, members: customerIds.length };
  const model = await fitModel(db, asOf, currency);
  if (typeof model === 'string') {
    const perMember = await historicalPerMember(db, customerIds, windowDays, asOf, currency);
    return {
      ...base,
      method: 'historical',
      clv_unavailable_reason: model,
      revenue_per_member_cents: perMember,
      expected_revenue_cents: Math.round(perMember * customerIds.length),
    };
  }
  const t = windowDays / DAYS_PER_WEEK;
  let total = 0;
  for (const id of customerIds) {
    const s = model.summaries.get(id);
    if (!s) continue; // never bought: no purchase process to extrapolate
    total += conditionalExpectedPurchases(model.bgnbd, t, s.x, s.tx, s.T) * expectedAverageSpend(model.gg, s.x, s.m);
  }
  const totalCents = Math.round(total);
  return {
    ...base,
    method: 'clv',
    revenue_per_member_cents: customerIds.length ? totalCents / customerIds.length : 0,
    expected_revenue_cents: totalCents,
  };
}

interface FittedModel {
  bgnbd: { r: number; alpha: number; a: number; b: number };
  gg: { p: number; q: number; gamma: number };
  summaries: Map<string, { x: number; tx: number; T: number; m: number }>;
}

async function fitModel(db: Kysely<Database>, asOf: string, currency: string): Promise<FittedModel | string> {
  const rows = await db
    .selectFrom('orders')
    .select((eb) => ['customer_id', 'order_date', eb.fn.sum<number>('net_cents').as('cents')])
    .where('is_purchase', '=', 1)
    .where('currency', '=', currency)
    .where('order_date', '<=', asOf)
    .groupBy(['customer_id', 'order_date'])
    .orderBy('customer_id')
    .orderBy('order_date')
    .execute();
  if (rows.length === 0) return `there are no ${currency} purchases up to ${asOf}`;
  const builder = new SummaryBuilder({ asOf, daysPerUnit: DAYS_PER_WEEK });
  for (const row of rows) builder.add(row.customer_id, row.order_date.slice(0, 10), Number(row.cents));
  const s = builder.finish();
  let repeatBuyers = 0;
  for (let i = 0; i < s.length; i++) if (s.x[i]! > 0 && s.monetary[i]! > 0) repeatBuyers++;
  if (repeatBuyers < MIN_REPEAT_BUYERS_FOR_FORECAST) {
    return `only ${repeatBuyers} customers have bought more than once; the model needs at least ${MIN_REPEAT_BUYERS_FOR_FORECAST}`;
  }
  try {
    const bgnbd = fitBgNbd({ x: s.x, tx: s.tx, T: s.T });
    const gg = fitGammaGamma({ x: s.x, monetary: s.monetary });
    const ok = [bgnbd.r, bgnbd.alpha, bgnbd.a, bgnbd.b, gg.p, gg.q, gg.gamma].every(Number.isFinite) && gg.q > 1;
    if (!ok) return 'the model fit did not settle on usable parameters';
    const summaries = new Map<string, { x: number; tx: number; T: number; m: number }>();
    for (let i = 0; i < s.length; i++) summaries.set(String(s.ids[i]), { x: s.x[i]!, tx: s.tx[i]!, T: s.T[i]!, m: s.monetary[i]! });
    return { bgnbd, gg, summaries };
  } catch (error) {
    return `the model fit failed (${error instanceof Error ? error.message : String(error)})`;
  }
}

/** Mean net revenue per member over the `windowDays` days ending at `asOf`, cents. */
async function historicalPerMember(
  db: Kysely<Database>,
  customerIds: string[],
  windowDays: number,
  asOf: string,
  currency: string,
): Promise<number> {
  if (customerIds.length === 0) return 0;
  const from = addDays(asOf, -windowDays + 1);
  let total = 0;
  for (let i = 0; i < customerIds.length; i += 500) {
    const row = await db
      .selectFrom('orders')
      .select((eb) => eb.fn.sum<number>('net_cents').as('cents'))
      .where('customer_id', 'in', customerIds.slice(i, i + 500))
      .where('currency', '=', currency)
      .where('order_date', '>=', from)
      .where('order_date', '<=', asOf)
      .executeTakeFirst();
    total += Number(row?.cents ?? 0);
  }
  return total / customerIds.length;
}
