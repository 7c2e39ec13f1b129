import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.ts';

/**
 * Revenue is net (discounts and returns included: a return's negative amount lowers it) and kept
 * per currency, never summed across currencies. Orders counts purchases only.
 */
export interface DayRevenue {
  day: string;
  currency: string;
  /** Purchases that day. */
  orders: number;
  /** Net revenue that day in `currency`, cents. */
  revenue_cents: number;
}

/** Orders and net revenue per day and currency, for days in from..before. */
export async function revenueByDay(db: Kysely<Database>, from: string, before: string): Promise<DayRevenue[]> {
  const rows = await db
    .selectFrom('orders')
    .select((eb) => ['order_date', 'currency', eb.fn.sum<number>('is_purchase').as('orders'), eb.fn.sum<number>('net_cents').as('revenue')])
    .where('order_date', '>=', from)
    .where('order_date', '<', before)
    .groupBy(['order_date', 'currency'])
    .execute();
  return rows.map((r) => ({
    day: String(r.order_date).slice(0, 10),
    currency: r.currency,
    orders: Number(r.orders ?? 0),
    revenue_cents: Number(r.revenue ?? 0),
  }));
}

/** Spend per day and currency, cents, for days in from..before. */
export async function spendByDay(
  db: Kysely<Database>,
  from: string,
  before: string,
): Promise<{ day: string; currency: string; spend_cents: number }[]> {
  const rows = await db
    .selectFrom('spend')
    .select((eb) => ['date', 'currency', eb.fn.sum<number>('amount_cents').as('spend')])
    .where('date', '>=', from)
    .where('date', '<', before)
    .groupBy(['date', 'currency'])
    .execute();
  return rows.map((r) => ({ day: String(r.date).slice(0, 10), currency: r.currency, spend_cents: Number(r.spend ?? 0) }));
}
