import type { Kysely } from 'kysely';
import { SummaryBuilder } from './clv/index.ts';
import type { CustomerSummaries } from './clv/index.ts';
import { dayOf } from '../core/business-day.ts';
import { upToDay } from '../store/business-days.ts';
import type { Database } from '../store/schema.ts';

export interface SummaryQuery {
  /** Calibration end (inclusive, to the end of that business day), 'YYYY-MM-DD'. */
  asOf: string;
  /** The business time zone: which day each order falls on. */
  zone: string;
  /** Also count purchase days in (asOf, holdoutEnd]. */
  holdoutEnd?: string;
  /** Only purchases in this currency (the model is fitted in one currency). */
  currency: string;
  /** 7 for weeks. */
  daysPerUnit: number;
  /** Grouped rows fetched per query (keyset pages; PostgreSQL has no cursor here). */
  pageSize?: number;
  onRows?: (rowsSoFar: number) => void;
}

export interface CurrencyTotal {
  currency: string;
  orders: number;
  customers: number;
  net_cents: number;
}

/**
 * Per-customer (x, t_x, T, monetary) in the lifetimes/BTYD convention, from purchase orders grouped per
 * customer per day in SQL (portable GROUP BY, keyset pages in customer/day order), streamed into the
 * summary builder. Monetary is in currency units (net cents / 100).
 */
export async function loadCustomerSummaries(db: Kysely<Database>, query: SummaryQuery): Promise<CustomerSummaries> {
  const builder = new SummaryBuilder({ asOf: query.asOf, daysPerUnit: query.daysPerUnit, holdoutEnd: query.holdoutEnd });
  const end = query.holdoutEnd ?? query.asOf;
  const pageSize = query.pageSize ?? 50_000;
  let after: { customer: string; day: string } | null = null;
  let seen = 0;
  let lastCustomer: string | null = null;
  let lastDay = '';
  for (;;) {
    let page = db
      .selectFrom('orders')
      .select((eb) => ['customer_id', 'order_date', eb.fn.sum<number>('net_cents').as('cents')])
      .where('is_purchase', '=', 1)
      .where('currency', '=', query.currency)
      .where(upToDay('order_date', end, query.zone));
    if (after) {
      const { customer, day } = after;
      page = page.where((eb) =>
        eb.or([eb('customer_id', '>', customer), eb.and([eb('customer_id', '=', customer), eb('order_date', '>', day)])]),
      );
    }
    const rows = await page.groupBy(['customer_id', 'order_date']).orderBy('customer_id').orderBy('order_date').limit(pageSize).execute();
    for (const row of rows) {
      // a calendar-day order sorts before instants on its day that the zone may put on the day before
      let day = dayOf(row.order_date, query.zone);
      if (row.customer_id === lastCustomer && day < lastDay) day = lastDay;
      builder.add(row.customer_id, day, Number(row.cents) / 100);
      lastCustomer = row.customer_id;
      lastDay = day;
    }
    seen += rows.length;
    query.onRows?.(seen);
    if (rows.length < pageSize) break;
    const last = rows[rows.length - 1]!;
    after = { customer: last.customer_id, day: last.order_date };
  }
  return builder.finish();
}

/** Purchase orders per currency up to asOf, largest first (by orders). */
export async function purchaseCurrencies(db: Kysely<Database>, asOf: string, zone: string): Promise<CurrencyTotal[]> {
  const rows = await db
    .selectFrom('orders')
    .select((eb) => [
      'currency',
      eb.fn.countAll<number>().as('orders'),
      eb.fn.count<number>('customer_id').distinct().as('customers'),
      eb.fn.sum<number>('net_cents').as('net_cents'),
    ])
    .where('is_purchase', '=', 1)
    .where(upToDay('order_date', asOf, zone))
    .groupBy('currency')
    .execute();
  return rows
    .map((r) => ({ currency: r.currency, orders: Number(r.orders), customers: Number(r.customers), net_cents: Number(r.net_cents) }))
    .sort((a, b) => b.orders - a.orders || a.currency.localeCompare(b.currency));
}

/** First and last purchase business day in the store (null when there are no purchases). */
export async function purchaseSpan(db: Kysely<Database>, zone: string): Promise<{ first: string; last: string } | null> {
  const row = await db
    .selectFrom('orders')
    .select((eb) => [eb.fn.min<string>('order_date').as('first'), eb.fn.max<string>('order_date').as('last')])
    .where('is_purchase', '=', 1)
    .executeTakeFirst();
  if (!row?.first || !row.last) return null;
  return { first: dayOf(row.first, zone), last: dayOf(row.last, zone) };
}

/** Net revenue to date (every order document up to asOf, returns included) per customer and currency. */
export async function historicalRevenue(db: Kysely<Database>, asOf: string, zone: string): Promise<Map<string, Map<string, number>>> {
  const rows = await db
    .selectFrom('orders')
    .select((eb) => ['customer_id', 'currency', eb.fn.sum<number>('net_cents').as('cents')])
    .where(upToDay('order_date', asOf, zone))
    .groupBy(['customer_id', 'currency'])
    .execute();
  const byCustomer = new Map<string, Map<string, number>>();
  for (const row of rows) {
    let entry = byCustomer.get(row.customer_id);
    if (!entry) byCustomer.set(row.customer_id, (entry = new Map()));
    entry.set(row.currency, Number(row.cents));
  }
  return byCustomer;
}
