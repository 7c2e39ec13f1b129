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

/** Net revenue to asOf of every customer: every order document up to the day, returns included. */
export interface HistoricalValue {
  /** Net cents per currency. */
  totals: Map<string, number>;
  /** Customers with order documents up to asOf. */
  customers: number;
  /** Per currency, the part of `totals` of the customers who bought in it by asOf (those its summaries hold). */
  buyersCents: Map<string, number>;
}

export interface PurchaseSummaries {
  /** Every purchase currency, most orders first: the first is the one the model is fitted in. */
  currencies: CurrencyTotal[];
  /** The customers of the first currency (empty when there are no purchases). */
  summaries: CustomerSummaries;
  /** The whole base's historical value to asOf (the calibration end), read in the same pass. */
  historical: HistoricalValue;
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
 * once, from order documents grouped per customer, currency and stored date in SQL: keyset pages in the
 * order of the (customer_id, currency, order_date) index (row values, so each page is an index search),
 * streamed into one summary builder per currency. The model's currency (most purchase orders) is only
 * known at the end; its summaries are kept. Monetary is in currency units (net cents / 100). The same
 * rows give the historical value (returns included) of the whole base.
 */
export async function loadCustomerSummaries(db: Kysely<Database>, query: SummaryQuery): Promise<PurchaseSummaries> {
  const end = query.holdoutEnd ?? query.asOf;
  const pageSize = query.pageSize ?? PAGE_SIZE;
  const readers = new Map<string, CurrencyReader>();
  const historical = new HistoricalTally(toEpochDay(query.asOf));
  const dayNumber = dayNumbers(query.zone);
  const newBuilder = () => new SummaryBuilder({ asOf: query.asOf, daysPerUnit: query.daysPerUnit, holdoutEnd: query.holdoutEnd });
  let reader: CurrencyReader | undefined;
  let after: SummaryKey | null = null;
  let seen = 0;
  for (;;) {
    const rows = await summaryPage(db, end, query.zone, after, pageSize);
    for (const row of rows) {
      let day = dayNumber(row.order_date);
      historical.add(row.customer_id, row.currency, day, Number(row.net_cents), Number(row.orders));
      if (Number(row.orders) === 0) continue;
      if (reader?.currency !== row.currency) {
        reader = readers.get(row.currency);
        if (!reader)
          readers.set(
            row.currency,
            (reader = { currency: row.currency, builder: newBuilder(), orders: 0, lastCustomer: null, lastDay: 0 }),
          );
      }
      // a calendar-day order sorts before instants on its day that the zone may put on the day before
      if (row.customer_id === reader.lastCustomer && day < reader.lastDay) day = reader.lastDay;
      reader.builder.add(row.customer_id, day, Number(row.purchase_cents) / 100);
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
  const builder = currencies[0] ? readers.get(currencies[0].currency)!.builder : newBuilder();
  return { currencies, summaries: builder.finish(), historical: historical.finish() };
}

interface SummaryKey {
  customer: string;
  currency: string;
  date: string;
}

/**
 * Order documents up to `end` grouped per customer, currency and stored date (purchases, what they
 * came to, and the net of every document), after the keyset `after`, in index order.
 */
function summaryPage(db: Kysely<Database>, end: string, zone: string, after: SummaryKey | null, pageSize: number) {
  let page = db
    .selectFrom('orders')
    .select((eb) => [
      'customer_id',
      'currency',
      'order_date',
      eb.fn.sum<number>('is_purchase').as('orders'),
      sql<number>`sum(case when is_purchase = 1 then net_cents else 0 end)`.as('purchase_cents'),
      eb.fn.sum<number>('net_cents').as('net_cents'),
    ])
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
    .limit(pageSize)
    .execute();
}

/** Adds up the historical value as the rows go by (a customer's rows together, a currency's together within). */
class HistoricalTally {
  private readonly totals = new Map<string, number>();
  private readonly buyersCents = new Map<string, number>();
  private customers = 0;
  private customer: string | null = null;
  private currency: string | null = null;
  private customerDated = false;
  private cents = 0;
  private dated = false;
  private bought = false;

  constructor(private readonly asOfDay: number) {}

  add(customer: string, currency: string, day: number, netCents: number, purchases: number): void {
    if (customer !== this.customer || currency !== this.currency) {
      this.closeCurrency();
      if (customer !== this.customer) this.closeCustomer();
      this.customer = customer;
      this.currency = currency;
    }
    if (day > this.asOfDay) return;
    this.cents += netCents;
    this.dated = true;
    this.customerDated = true;
    if (purchases > 0) this.bought = true;
  }

  finish(): HistoricalValue {
    this.closeCurrency();
    this.closeCustomer();
    return { totals: this.totals, customers: this.customers, buyersCents: this.buyersCents };
  }

  private closeCurrency(): void {
    if (this.dated) {
      const currency = this.currency!;
      this.totals.set(currency, (this.totals.get(currency) ?? 0) + this.cents);
      if (this.bought) this.buyersCents.set(currency, (this.buyersCents.get(currency) ?? 0) + this.cents);
    }
    this.cents = 0;
    this.dated = false;
    this.bought = false;
  }

  private closeCustomer(): void {
    if (this.customerDated) this.customers++;
    this.customerDated = false;
  }
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
