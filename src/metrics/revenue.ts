import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.ts';
import { spendIn } from './spend.ts';

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

/** Spend per day and currency, cents, for days in from..before (a monthly row spread over its days). */
export async function spendByDay(
  db: Kysely<Database>,
  from: string,
  before: string,
): Promise<{ day: string; currency: string; spend_cents: number }[]> {
  const last = new Date(Date.parse(before) - 86_400_000).toISOString().slice(0, 10);
  const { shares } = await spendIn(db, from, last, { byDay: true });
  const byDay = new Map<string, { day: string; currency: string; spend_cents: number }>();
  for (const share of shares) {
    const key = `${share.date}|${share.currency}`;
    const entry = byDay.get(key) ?? { day: share.date, currency: share.currency, spend_cents: 0 };
    entry.spend_cents += share.cents;
    byDay.set(key, entry);
  }
  return [...byDay.values()];
}
