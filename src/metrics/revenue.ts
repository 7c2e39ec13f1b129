import type { Kysely } from 'kysely';
import { dayOf } from '../core/business-day.ts';
import { onDays } from '../store/business-days.ts';
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

/** Orders and net revenue per business day (in the zone) and currency, for days from..to. */
export async function revenueByDay(db: Kysely<Database>, from: string, to: string, zone: string): Promise<DayRevenue[]> {
  const rows = await db
    .selectFrom('orders')
    .select((eb) => ['order_date', 'currency', eb.fn.sum<number>('is_purchase').as('orders'), eb.fn.sum<number>('net_cents').as('revenue')])
    .where(onDays('order_date', from, to, zone))
    .groupBy(['order_date', 'currency'])
    .execute();
  const byDay = new Map<string, DayRevenue>();
  for (const r of rows) {
    const day = dayOf(String(r.order_date), zone);
    const entry = byDay.get(`${day}|${r.currency}`) ?? { day, currency: r.currency, orders: 0, revenue_cents: 0 };
    entry.orders += Number(r.orders ?? 0);
    entry.revenue_cents += Number(r.revenue ?? 0);
    byDay.set(`${day}|${r.currency}`, entry);
  }
  return [...byDay.values()];
}

/** Spend per day and currency, cents, for days from..to (a monthly row spread over its days; spend is booked by calendar day). */
export async function spendByDay(
  db: Kysely<Database>,
  from: string,
  to: string,
): Promise<{ day: string; currency: string; spend_cents: number }[]> {
  const { shares } = await spendIn(db, from, to, { byDay: true });
  const byDay = new Map<string, { day: string; currency: string; spend_cents: number }>();
  for (const share of shares) {
    const key = `${share.date}|${share.currency}`;
    const entry = byDay.get(key) ?? { day: share.date, currency: share.currency, spend_cents: 0 };
    entry.spend_cents += share.cents;
    byDay.set(key, entry);
  }
  return [...byDay.values()];
}
