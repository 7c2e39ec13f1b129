import { sql, type Kysely } from 'kysely';
import { SummaryBuilder, toEpochDay } from './clv/index.ts';
import type { CustomerSummaries } from './clv/index.ts';
import { dayOf } from '../core/business-day.ts';
import { upToDay } from '../store/business-days.ts';
import type { Database } from '../store/schema.ts';

/** Grouped rows per keyset page: large enough that paging costs little, small enough that the rows die young. */
const PAGE_SIZE = 20_000;

export interface SummaryQuery {
  /** Calibration end (inclusive, to the end of that business day), 'YYYY-MM-DD'. */
  asOf: string;
  /** The business time zone: which day each order falls on. */
  zone: string;
  /** Also count purchase days in (asOf, holdoutEnd]. */
  holdoutEnd?: string;
  /** 7 for weeks. */
  daysPerUnit: number;
  /** Grouped rows fetched per query (keyset pages; PostgreSQL has no cursor here). */
  pageSize?: number;
  onRows?: (rowsSoFar: number) => void;
}

export interface CurrencyTotal {
  currency: string;
  /** Purchase orders up to the end of the read (holdoutEnd, else asOf). */
  orders: number;
}

export interface PurchaseSummaries {
  /** Every purchase currency, most orders first: the first is the one the model is fitted in. */
  currencies: CurrencyTotal[];
  /** The customers of the first currency (empty when there are no purchases). */
  summaries: CustomerSummaries;
}

/** One currency's summaries being built, and where its last customer's days stand. */
interface CurrencyReader {
  currency: string;
  builder: SummaryBuilder;
  orders: number;
  lastCustomer: string | null;
  lastDay: number;
}

/**
 * Per-customer (x, t_x, T, monetary) in the lifetimes/BTYD convention, for every purchase currency at
 * once, from purchase orders grouped per customer, currency and stored date in SQL: keyset pages in the
 * order of the (customer_id, currency, order_date) index (row values, so each page is an index search),
 * streamed into one summary builder per currency. The model's currency (most purchase orders) is only
 * known at the end; its summaries are kept. Monetary is in currency units (net cents / 100).
 */
export async function loadCustomerSummaries(db: Kysely<Database>, query: SummaryQuery): Promise<PurchaseSummaries> {
  const end = query.holdoutEnd ?? query.asOf;
  const pageSize = query.pageSize ?? PAGE_SIZE;
  const readers = new Map<string, CurrencyReader>();
  const dayNumber = dayNumbers(query.zone);
  let reader: CurrencyReader | undefined;
  let after: SummaryKey | null = null;
  let seen = 0;
  for (;;) {
    const rows = await summaryPage(db, end, query.zone, after, pageSize);
    for (const row of rows) {
      if (reader?.currency !== row.currency) {
        reader = readers.get(row.currency);
        if (!reader) {
          const builder = new SummaryBuilder({ asOf: query.asOf, daysPerUnit: query.daysPerUnit, holdoutEnd: query.holdoutEnd });
          readers.set(row.currency, (reader = { currency: row.currency, builder, orders: 0, lastCustomer: null, lastDay: 0 }));
        }
      }
      // a calendar-day order sorts before instants on its day that the zone may put on the day before
      let day = dayNumber(row.order_date);
      if (row.customer_id === reader.lastCustomer && day < reader.lastDay) day = reader.lastDay;
      reader.builder.add(row.customer_id, day, Number(row.cents) / 100);
      reader.orders += Number(row.orders);
      reader.lastCustomer = row.customer_id;
      reader.lastDay = day;
    }
    seen += rows.length;
    query.onRows?.(seen);
    if (rows.length < pageSize) break;
    const last = rows[rows.length - 1]!;
    after = { customer: last.customer_id, currency: last.currency, date: last.order_date };
  }
  const currencies = [...readers.values()]
    .map(({ currency, orders }) => ({ currency, orders }))
    .sort((a, b) => b.orders - a.orders || a.currency.localeCompare(b.currency));
  const builder = currencies[0]
    ? readers.get(currencies[0].currency)!.builder
    : new SummaryBuilder({ asOf: query.asOf, daysPerUnit: query.daysPerUnit, holdoutEnd: query.holdoutEnd });
  return { currencies, summaries: builder.finish() };
}

export interface SummaryKey {
  customer: string;
  currency: string;
  date: string;
}

/** Purchase orders up to `end` grouped per customer, currency and stored date, after the keyset `after`, in index order. */
export function summaryPage(db: Kysely<Database>, end: string, zone: string, after: SummaryKey | null, pageSize: number) {
  return summaryPageQuery(db, end, zone, after, pageSize).execute();
}

export function summaryPageQuery(db: Kysely<Database>, end: string, zone: string, after: SummaryKey | null, pageSize: number) {
  let page = db
    .selectFrom('orders')
    .select((eb) => [
      'customer_id',
      'currency',
      'order_date',
      eb.fn.sum<number>('net_cents').as('cents'),
      eb.fn.countAll<number>().as('orders'),
    ])
    .where('is_purchase', '=', 1)
    .where(upToDay('order_date', end, zone));
  if (after) {
    page = page.where((eb) =>
      eb(eb.refTuple('customer_id', 'currency', 'order_date'), '>', eb.tuple(after.customer, after.currency, after.date)),
    );
  }
  return page
    .groupBy(['customer_id', 'currency', 'order_date'])
    .orderBy('customer_id')
    .orderBy('currency')
    .orderBy('order_date')
    .limit(pageSize);
}

/** Epoch day of a stored date's business day in `zone`, memoized (orders share few distinct dates). */
function dayNumbers(zone: string): (stored: string) => number {
  const memo = new Map<string, number>();
  return (stored) => {
    let day = memo.get(stored);
    if (day === undefined) {
      day = toEpochDay(dayOf(stored, zone));
      if (memo.size >= 100_000) memo.clear();
      memo.set(stored, day);
    }
    return day;
  };
}

/** First and last purchase business day in the store (null when there are no purchases). */
export async function purchaseSpan(db: Kysely<Database>, zone: string): Promise<{ first: string; last: string } | null> {
  // one end of the order_date index each (min and max in one query read every purchase)
  const end = (direction: 'asc' | 'desc') =>
    db.selectFrom('orders').select('order_date').where('is_purchase', '=', 1).orderBy('order_date', direction).limit(1).executeTakeFirst();
  const first = await end('asc');
  const last = await end('desc');
  if (!first || !last) return null;
  return { first: dayOf(first.order_date, zone), last: dayOf(last.order_date, zone) };
}

/** Net revenue to asOf of one currency over the whole base. */
export interface CurrencyRevenue {
  currency: string;
  /** Every order document up to asOf, returns included. */
  cents: number;
  /** Customers with order documents in the currency up to asOf. */
  customers: number;
  /** The part of `cents` of the customers who bought in the currency by asOf (those a model in it summarizes). */
  buyersCents: number;
}

/**
 * Net revenue to asOf per currency over the whole base, in one pass of SQL that hands back a row per
 * currency, not per customer. The as_of cut sits in the sums, not in a WHERE an index could take: every
 * order is read once, in the covering index's customer order.
 */
export async function revenueByCurrency(db: Kysely<Database>, asOf: string, zone: string): Promise<CurrencyRevenue[]> {
  const dated = upToDay('order_date', asOf, zone);
  const perCustomer = db
    .selectFrom('orders')
    .select([
      'customer_id',
      'currency',
      sql<number>`sum(case when ${dated} then net_cents else 0 end)`.as('cents'),
      sql<number>`max(case when ${dated} then 1 else 0 end)`.as('dated'),
      sql<number>`max(case when is_purchase = 1 and ${dated} then 1 else 0 end)`.as('bought'),
    ])
    .groupBy(['customer_id', 'currency']);
  // no filter on the grouped rows: PostgreSQL then expects as many as there are and hashes them by currency
  const rows = await db
    .selectFrom(perCustomer.as('c'))
    .select((eb) => [
      'currency',
      eb.fn.sum<number>('cents').as('cents'),
      eb.fn.sum<number>('dated').as('customers'),
      sql<number>`sum(case when bought = 1 then cents else 0 end)`.as('buyers_cents'),
    ])
    .groupBy('currency')
    .having((eb) => eb.fn.sum('dated'), '>', 0)
    .execute();
  return rows.map((r) => ({
    currency: r.currency,
    cents: Number(r.cents),
    customers: Number(r.customers),
    buyersCents: Number(r.buyers_cents),
  }));
}

/** How many customers have order documents up to asOf (one pass, as revenueByCurrency). */
export async function customersWithOrders(db: Kysely<Database>, asOf: string, zone: string): Promise<number> {
  const perCustomer = db
    .selectFrom('orders')
    .select('customer_id')
    .groupBy('customer_id')
    .having(sql<number>`max(case when ${upToDay('order_date', asOf, zone)} then 1 else 0 end)`, '=', 1);
  const row = await db
    .selectFrom(perCustomer.as('c'))
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/**
 * Net revenue to asOf (every order document, returns included) per currency of the given customers,
 * handed to `visit` a customer at a time (a customer's currencies together), 500 customers a query.
 */
export async function forEachCustomerRevenue(
  db: Kysely<Database>,
  customerIds: string[],
  asOf: string,
  zone: string,
  visit: (customerId: string, currency: string, cents: number) => void,
): Promise<void> {
  for (let i = 0; i < customerIds.length; i += 500) {
    const rows = await db
      .selectFrom('orders')
      .select((eb) => ['customer_id', 'currency', eb.fn.sum<number>('net_cents').as('cents')])
      .where('customer_id', 'in', customerIds.slice(i, i + 500))
      .where(upToDay('order_date', asOf, zone))
      .groupBy(['customer_id', 'currency'])
      .orderBy('customer_id')
      .orderBy('currency')
      .execute();
    for (const row of rows) visit(row.customer_id, row.currency, Number(row.cents));
  }
}
