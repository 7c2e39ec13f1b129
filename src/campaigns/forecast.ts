import type { Kysely } from 'kysely';
import { addDays } from '../core/dates.ts';
import { UserError } from '../core/errors.ts';
import { conditionalExpectedPurchases, expectedAverageSpend } from '../metrics/clv/index.ts';
import { DAYS_PER_UNIT, fittedClvModel, type FittedClv } from '../metrics/clv-model.ts';
import { onDays } from '../store/business-days.ts';
import type { Database } from '../store/schema.ts';

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
 * Gamma-Gamma expected order value from the one fitted CLV model (the one /clv uses, same minimum
 * data). When there is too little data for it, the members' own revenue over the last `windowDays`.
 */
export async function forecastRevenue(
  db: Kysely<Database>,
  customerIds: string[],
  windowDays: number,
  asOf: string,
  currency: string,
  zone: string,
): Promise<Forecast> {
  const base = { window_days: windowDays, as_of: asOf, members: customerIds.length };
  const model = await clvModel(db, asOf, currency, zone);
  if (typeof model === 'string') {
    const perMember = await historicalPerMember(db, customerIds, windowDays, asOf, currency, zone);
    return {
      ...base,
      method: 'historical',
      clv_unavailable_reason: model,
      revenue_per_member_cents: perMember,
      expected_revenue_cents: Math.round(perMember * customerIds.length),
    };
  }
  const t = windowDays / DAYS_PER_UNIT;
  const { bgnbd, gamma_gamma } = model.params;
  const s = model.summaries;
  let total = 0;
  for (const id of customerIds) {
    const i = model.rowOf(id);
    if (i === undefined) continue; // never bought: no purchase process to extrapolate
    total +=
      conditionalExpectedPurchases(bgnbd, t, s.x[i]!, s.tx[i]!, s.T[i]!) * expectedAverageSpend(gamma_gamma, s.x[i]!, s.monetary[i]!);
  }
  // the model's money is in currency units
  const totalCents = Math.round(total * 100);
  return {
    ...base,
    method: 'clv',
    revenue_per_member_cents: customerIds.length ? totalCents / customerIds.length : 0,
    expected_revenue_cents: totalCents,
  };
}

/** The fitted model, or why it cannot be used here (the sentence /clv would give). */
async function clvModel(db: Kysely<Database>, asOf: string, currency: string, zone: string): Promise<FittedClv | string> {
  try {
    const model = await fittedClvModel(db, asOf, zone);
    if (model.currency !== currency) return `the CLV model is fitted in ${model.currency}, the campaign counts ${currency}`;
    return model;
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    return error.message.replace(/^Sorry, /, '').replace(/\.\s*$/, '');
  }
}

/** Mean net revenue per member over the `windowDays` business days ending with `asOf`, cents. */
async function historicalPerMember(
  db: Kysely<Database>,
  customerIds: string[],
  windowDays: number,
  asOf: string,
  currency: string,
  zone: string,
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
      .where(onDays('order_date', from, asOf, zone))
      .executeTakeFirst();
    total += Number(row?.cents ?? 0);
  }
  return total / customerIds.length;
}
