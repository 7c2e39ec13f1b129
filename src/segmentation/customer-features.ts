import SQLite from 'better-sqlite3';
import { yieldToForeground } from '../jobs/foreground.ts';
import { sql, type Kysely } from 'kysely';
import { UserError } from '../core/errors.ts';
import { resolveByName } from '../core/names.ts';
import { dayOf } from '../core/business-day.ts';
import { upToDay } from '../store/business-days.ts';
import type { ProgressUpdate } from '../core/context.ts';
import type { Database } from '../store/schema.ts';

/** Features computed from a customer's orders as of a date, with what they mean. */
export const ORDER_FEATURES = {
  recency: 'days since the last purchase',
  frequency: 'purchase orders',
  monetary: 'net revenue',
  tenure: 'days since the first purchase or signup, whichever is earlier',
  aov: 'average order value (net revenue / purchase orders)',
} as const;

export type OrderFeature = keyof typeof ORDER_FEATURES;

export function isOrderFeature(name: string): name is OrderFeature {
  return Object.hasOwn(ORDER_FEATURES, name);
}

export interface AvailableFeatures {
  order: OrderFeature[];
  /** Numeric customer attributes present in the store (age, annual_income, ...). */
  attributes: string[];
}

export async function availableFeatures(db: Kysely<Database>): Promise<AvailableFeatures> {
  const rows = await db.selectFrom('customer_attributes').select('name').distinct().orderBy('name').execute();
  const order = Object.keys(ORDER_FEATURES) as OrderFeature[];
  return { order, attributes: rows.map((r) => r.name).filter((name) => !isOrderFeature(name)) };
}

/**
 * The store's names for requested features, matched forgivingly (`Annual income` is
 * `annual_income`); an unknown one is a UserError with the nearest names and all that exist.
 */
export async function resolveFeatureNames(db: Kysely<Database>, requested: string[]): Promise<string[]> {
  const available = await availableFeatures(db);
  const all = [...available.order, ...available.attributes];
  return requested.map((name) =>
    all.includes(name)
      ? name
      : resolveByName(name, all, (f) => f, {
          code: 'unknown_feature',
          what: 'feature',
          knownLabel: 'Available features',
          hint: 'Customer attributes come from /import customers.',
        }),
  );
}

/** Checks requested feature names against the store; an unknown one is a UserError listing what exists. */
export async function checkFeatures(db: Kysely<Database>, requested: string[]): Promise<AvailableFeatures> {
  const available = await availableFeatures(db);
  const known = new Set<string>([...available.order, ...available.attributes]);
  const unknown = requested.filter((name) => !known.has(name));
  if (unknown.length > 0) {
    throw new UserError(
      'unknown_feature',
      `Unknown feature${unknown.length > 1 ? 's' : ''}: ${unknown.map((u) => `\`${u}\``).join(', ')}.`,
      {
        hint: `Available features: ${[...available.order, ...available.attributes].join(', ')}. Customer attributes come from /import customers.`,
        context: { unknown, available: [...available.order, ...available.attributes] },
      },
    );
  }
  const duplicate = requested.find((name, i) => requested.indexOf(name) !== i);
  if (duplicate) throw new UserError('duplicate_feature', `Feature \`${duplicate}\` is listed twice.`, { hint: 'List each feature once.' });
  return available;
}

/** The latest purchase business day in the store (the default as_of), or null without purchases. */
export async function latestOrderDate(db: Kysely<Database>, zone: string): Promise<string | null> {
  const row = await db
    .selectFrom('orders')
    .select((eb) => eb.fn.max('order_date').as('latest'))
    .where('is_purchase', '=', 1)
    .executeTakeFirst();
  const latest = row?.latest as string | null | undefined;
  return latest ? dayOf(latest, zone) : null;
}

export interface CustomerFeatures {
  /** Every customer, ordered by customer_id. */
  ids: string[];
  names: string[];
  /** Row-major ids.length x names.length, original units (money in currency units); NaN when undefined. */
  values: Float64Array;
  /** 1 when the customer made a purchase on or before as_of. */
  purchased: Uint8Array;
  /** Net revenue as of as_of per customer, in currency units. */
  revenue: Float64Array;
  /** Whether any order features were requested (else orders were not read). */
  usesOrders: boolean;
}

export interface FetchFeaturesOptions {
  features: string[];
  /** Features as of the end of this business day in the zone. */
  asOf: string;
  zone: string;
  pageSize?: number;
  /**
   * The store's SQLite file: order features are then read in one streaming pass over a read
   * connection of its own (better-sqlite3 iterate) instead of pages of customers.
   */
  sqliteFile?: string;
  onProgress?: (update: ProgressUpdate) => void;
}

/**
 * Reads every customer's features as of `asOf`: order aggregates in SQL, date differences in TS
 * (portable SQL only). With `sqliteFile`, in one streaming pass; otherwise (PostgreSQL, in-memory
 * SQLite) a page of customers at a time (keyset on customer_id).
 */
export async function fetchCustomerFeatures(db: Kysely<Database>, options: FetchFeaturesOptions): Promise<CustomerFeatures> {
  const { features, asOf, zone } = options;
  const pageSize = options.pageSize ?? 50_000;
  const dims = features.length;
  const attributes = features.filter((name) => !isOrderFeature(name));
  const usesOrders = features.some(isOrderFeature);
  const slot = Object.fromEntries((Object.keys(ORDER_FEATURES) as OrderFeature[]).map((name) => [name, features.indexOf(name)])) as Record<
    OrderFeature,
    number
  >;
  const asOfDay = dayNumber(asOf);
  const total = Number(
    (
      await db
        .selectFrom('customers')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

  const ids: string[] = new Array(total);
  let values: Float64Array = new Float64Array(total * dims).fill(NaN);
  let purchased: Uint8Array = new Uint8Array(total);
  let revenue: Float64Array = new Float64Array(total);
  let count = 0;
  /** Room for `size` customers (customers added while reading). */
  const ensure = (size: number) => {
    if (size <= ids.length) return;
    const room = Math.max(size, Math.ceil(ids.length * 1.25));
    ids.length = room;
    values = grow(values, room * dims, NaN);
    purchased = Uint8Array.from({ length: room }, (_, i) => purchased[i] ?? 0);
    revenue = Float64Array.from({ length: room }, (_, i) => revenue[i] ?? 0);
  };
  const add = (row: OrderRow) => {
    const i = count++;
    ids[i] = row.customer_id;
    if (!usesOrders) return;
    const orders = Number(row.frequency ?? 0);
    const net = Number(row.net_cents ?? 0) / 100;
    revenue[i] = net;
    purchased[i] = orders > 0 ? 1 : 0;
    const base = i * dims;
    if (slot.recency >= 0 && row.last_purchase) values[base + slot.recency] = asOfDay - dayNumber(dayOf(row.last_purchase, zone));
    if (slot.frequency >= 0) values[base + slot.frequency] = orders;
    if (slot.monetary >= 0 && orders > 0) values[base + slot.monetary] = net;
    if (slot.aov >= 0 && orders > 0) values[base + slot.aov] = net / orders;
    if (slot.tenure >= 0) {
      const start = earliest(row.first_purchase && dayOf(row.first_purchase, zone), row.signup_date && dayOf(row.signup_date, zone));
      if (start) values[base + slot.tenure] = asOfDay - dayNumber(start);
    }
  };
  const reported = (done: number) =>
    options.onProgress?.({
      fraction: total > 0 ? Math.min(1, done / total) : null,
      message: `read features of ${done.toLocaleString('en-US')} customers`,
    });

  if (usesOrders && options.sqliteFile) {
    const compiled = customerAggregates(db, asOf, zone).compile();
    const sqlite = new SQLite(options.sqliteFile, { readonly: true, fileMustExist: true });
    try {
      sqlite.pragma('busy_timeout = 10000');
      const row: OrderRow = {
        customer_id: '',
        signup_date: null,
        frequency: null,
        net_cents: null,
        first_purchase: null,
        last_purchase: null,
      };
      for (const r of sqlite
        .prepare(compiled.sql)
        .raw(true)
        .iterate(...compiled.parameters) as IterableIterator<unknown[]>) {
        if (count === ids.length) ensure(count + 1);
        row.customer_id = r[0] as string;
        row.signup_date = r[1] as string | null;
        row.frequency = r[2] as number | null;
        row.net_cents = r[3] as number | null;
        row.first_purchase = r[4] as string | null;
        row.last_purchase = r[5] as string | null;
        add(row);
        if ((count & 1023) === 0) yieldToForeground();
        if (count % 100_000 === 0) reported(count);
      }
    } finally {
      sqlite.close();
    }
    if (attributes.length > 0 && count > 0) await fillAttributes(db, attributes, features, '', ids[count - 1], ids, 0, count, values);
    reported(count);
  } else {
    let after = '';
    for (;;) {
      const page = usesOrders ? await orderPage(db, after, asOf, zone, pageSize) : await customerPage(db, after, pageSize);
      if (page.length === 0) break;
      ensure(count + page.length);
      const first = count;
      for (const row of page) add(row);
      const last = page[page.length - 1].customer_id;
      if (attributes.length > 0) await fillAttributes(db, attributes, features, after, last, ids, first, count, values);
      after = last;
      reported(count);
      if (page.length < pageSize) break;
    }
  }
  ids.length = count;
  return {
    ids,
    names: [...features],
    values: values.length === count * dims ? values : values.slice(0, count * dims),
    purchased: purchased.length === count ? purchased : purchased.slice(0, count),
    revenue: revenue.length === count ? revenue : revenue.slice(0, count),
    usesOrders,
  };
}

interface OrderRow {
  customer_id: string;
  signup_date: string | null;
  frequency: number | string | null;
  net_cents: number | string | null;
  first_purchase: string | null;
  last_purchase: string | null;
}

/**
 * Every customer with its order aggregates as of `asOf`, in one pass ordered by customer_id (the
 * SQLite streaming path: a scan of customers, each joined to its orders over the
 * (customer_id, order_date) index).
 */
function customerAggregates(db: Kysely<Database>, asOf: string, zone: string) {
  return (
    db
      .selectFrom('customers as c')
      .leftJoin('orders as o', (join) => join.onRef('o.customer_id', '=', 'c.customer_id').on(upToDay('o.order_date', asOf, zone)))
      .select([
        'c.customer_id',
        'c.signup_date',
        sql<number | null>`sum(o.is_purchase)`.as('frequency'),
        sql<number | null>`sum(o.net_cents)`.as('net_cents'),
        sql<string | null>`min(case when o.is_purchase = 1 then o.order_date end)`.as('first_purchase'),
        sql<string | null>`max(case when o.is_purchase = 1 then o.order_date end)`.as('last_purchase'),
      ])
      // by the key alone (signup_date depends on it): grouping by both made SQLite sort in temp b-trees
      .groupBy('c.customer_id')
      .orderBy('c.customer_id')
  );
}

/**
 * A page of customers with their order aggregates: the customers first, then the orders of
 * exactly that customer_id range grouped in one pass over the (customer_id, order_date) index
 * (cheaper than a left join grouped per customer).
 */
async function orderPage(db: Kysely<Database>, after: string, asOf: string, zone: string, limit: number): Promise<OrderRow[]> {
  const customers = await customerPage(db, after, limit);
  if (customers.length === 0) return customers;
  const last = customers[customers.length - 1].customer_id;
  const aggregates = await db
    .selectFrom('orders')
    .select([
      'customer_id',
      sql<number | null>`sum(is_purchase)`.as('frequency'),
      sql<number | null>`sum(net_cents)`.as('net_cents'),
      sql<string | null>`min(case when is_purchase = 1 then order_date end)`.as('first_purchase'),
      sql<string | null>`max(case when is_purchase = 1 then order_date end)`.as('last_purchase'),
    ])
    .where('customer_id', '>', after)
    .where('customer_id', '<=', last)
    .where(upToDay('order_date', asOf, zone))
    .groupBy('customer_id')
    .orderBy('customer_id')
    .execute();
  // both are ordered by customer_id (same collation): walk them together
  let c = 0;
  for (const a of aggregates) {
    while (c < customers.length && customers[c].customer_id !== a.customer_id) c++;
    if (c === customers.length) break;
    const customer = customers[c];
    customer.frequency = a.frequency;
    customer.net_cents = a.net_cents;
    customer.first_purchase = a.first_purchase;
    customer.last_purchase = a.last_purchase;
  }
  return customers;
}

function customerPage(db: Kysely<Database>, after: string, limit: number): Promise<OrderRow[]> {
  return db
    .selectFrom('customers')
    .select(['customer_id', 'signup_date'])
    .where('customer_id', '>', after)
    .orderBy('customer_id')
    .limit(limit)
    .execute()
    .then((rows) => {
      for (const row of rows as OrderRow[]) {
        row.frequency = null;
        row.net_cents = null;
        row.first_purchase = null;
        row.last_purchase = null;
      }
      return rows as OrderRow[];
    });
}

async function fillAttributes(
  db: Kysely<Database>,
  attributes: string[],
  features: string[],
  after: string,
  last: string,
  ids: string[],
  from: number,
  to: number,
  values: Float64Array,
): Promise<void> {
  const rows = await db
    .selectFrom('customer_attributes')
    .select(['customer_id', 'name', 'value'])
    .where('name', 'in', attributes)
    .where('customer_id', '>', after)
    .where('customer_id', '<=', last)
    .execute();
  const index = new Map<string, number>();
  for (let i = from; i < to; i++) index.set(ids[i], i);
  const dims = features.length;
  for (const row of rows) {
    const i = index.get(row.customer_id);
    if (i !== undefined) values[i * dims + features.indexOf(row.name)] = Number(row.value);
  }
}

const dayNumbers = new Map<string, number>();

/** Days since 1970-01-01 of a `YYYY-MM-DD` day, memoized: orders share few distinct days. */
function dayNumber(date: string): number {
  let day = dayNumbers.get(date);
  if (day === undefined) {
    day = Math.round(Date.parse(`${date.slice(0, 10)}T00:00:00Z`) / 86_400_000);
    if (dayNumbers.size > 100_000) dayNumbers.clear();
    dayNumbers.set(date, day);
  }
  return day;
}

function earliest(a: string | null, b: string | null): string | null {
  if (!a) return b;
  if (!b) return a;
  return a < b ? a : b;
}

function grow(array: Float64Array, size: number, fill: number): Float64Array {
  const out = new Float64Array(size).fill(fill);
  out.set(array.subarray(0, Math.min(array.length, size)));
  return out;
}
