import SQLite from 'better-sqlite3';
import { sql, type Kysely, type SqlBool } from 'kysely';
import { dayOf } from '../core/business-day.ts';
import { yieldToForeground } from '../jobs/foreground.ts';
import { onDays } from '../store/business-days.ts';
import type { Database } from '../store/schema.ts';

/** Purchase lines as indexes: line i is customer[i] buying product[i] on business day day[i] (days since 1970-01-01). */
export interface Purchases {
  customerIds: string[];
  /** Ascending, so a product's index does not depend on the order lines were read in. */
  productIds: string[];
  customer: Int32Array;
  product: Int32Array;
  day: Int32Array;
  length: number;
}

const PAGE_ROWS = 50_000;
const DAY_MS = 86_400_000;

export function dayNumber(day: string): number {
  return Math.round(Date.parse(day) / DAY_MS);
}

export function dayText(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** Lines with a product of purchases (quantity above 0) on business days `from`..`to` (either open). */
function purchaseLines(db: Kysely<Database>, from: string | null, to: string | null, zone: string) {
  return db
    .selectFrom('order_lines as l')
    .innerJoin('orders as o', 'o.order_id', 'l.order_id')
    .where('o.is_purchase', '=', 1)
    .where('l.quantity', '>', 0)
    .where(onDays('o.order_date', from, to, zone));
}

/** The latest business day with a purchase that has line items, or null when there is none. */
export async function latestPurchaseDay(db: Kysely<Database>, zone: string): Promise<string | null> {
  const row = await purchaseLines(db, null, null, zone)
    .select((eb) => eb.fn.max('o.order_date').as('latest'))
    .executeTakeFirst();
  const latest = row?.latest as string | null | undefined;
  return latest ? dayOf(latest, zone) : null;
}

/** Purchase lines as they are read, turned into indexes. */
class PurchaseReader {
  readonly #customers = new Map<string, number>();
  readonly #products = new Map<string, number>();
  #customer: Int32Array = new Int32Array(PAGE_ROWS);
  #product: Int32Array = new Int32Array(PAGE_ROWS);
  #day: Int32Array = new Int32Array(PAGE_ROWS);
  #lastDate = '';
  #lastDay = 0;
  length = 0;
  constructor(readonly zone: string) {}

  add(customerId: string, productId: string, orderDate: string): void {
    if (this.length === this.#customer.length) {
      const size = this.length * 2;
      this.#customer = grown(this.#customer, size);
      this.#product = grown(this.#product, size);
      this.#day = grown(this.#day, size);
    }
    let c = this.#customers.get(customerId);
    if (c === undefined) this.#customers.set(customerId, (c = this.#customers.size));
    let p = this.#products.get(productId);
    if (p === undefined) this.#products.set(productId, (p = this.#products.size));
    if (orderDate !== this.#lastDate) {
      this.#lastDate = orderDate;
      this.#lastDay = dayNumber(dayOf(orderDate, this.zone));
    }
    this.#customer[this.length] = c;
    this.#product[this.length] = p;
    this.#day[this.length] = this.#lastDay;
    this.length++;
  }

  /** Products by id: the order read (pages, a store's collation) never decides a tie. */
  done(): Purchases {
    const productIds = [...this.#products.keys()].sort();
    const rank = new Int32Array(productIds.length);
    productIds.forEach((id, i) => (rank[this.#products.get(id)!] = i));
    const product = this.#product.subarray(0, this.length);
    for (let i = 0; i < this.length; i++) product[i] = rank[product[i]!]!;
    return {
      customerIds: [...this.#customers.keys()],
      productIds,
      customer: this.#customer.subarray(0, this.length),
      product,
      day: this.#day.subarray(0, this.length),
      length: this.length,
    };
  }
}

export interface ReadOptions {
  /** The store's SQLite file: then one streaming pass on a read connection of its own, instead of pages. */
  sqliteFile?: string;
  onProgress?: (lines: number) => void;
}

/**
 * Every purchase line with a product up to the end of business day `through`: with a SQLite file in
 * one streaming pass, otherwise in pages (keyset on the order_lines key, an index range on both stores).
 */
export async function readPurchases(db: Kysely<Database>, through: string, zone: string, options: ReadOptions = {}): Promise<Purchases> {
  const reader = new PurchaseReader(zone);
  const lines = purchaseLines(db, null, through, zone).select(['o.customer_id', 'l.product_id', 'o.order_date']);
  if (options.sqliteFile) {
    const compiled = lines.compile();
    const sqlite = new SQLite(options.sqliteFile, { readonly: true, fileMustExist: true });
    try {
      sqlite.pragma('busy_timeout = 10000');
      const rows = sqlite
        .prepare(compiled.sql)
        .raw(true)
        .iterate(...compiled.parameters) as IterableIterator<[string, string, string]>;
      for (const [customer, product, date] of rows) {
        reader.add(customer, product, date);
        if ((reader.length & 16383) === 0) {
          yieldToForeground();
          options.onProgress?.(reader.length);
        }
      }
    } finally {
      sqlite.close();
    }
    return reader.done();
  }
  let after: [string, string] | null = null;
  for (;;) {
    yieldToForeground();
    let query = purchaseLines(db, null, through, zone).select(['l.order_id', 'l.product_id', 'o.customer_id', 'o.order_date']);
    if (after) query = query.where(sql<SqlBool>`(l.order_id, l.product_id) > (${after[0]}, ${after[1]})`);
    const page = await query.orderBy('l.order_id').orderBy('l.product_id').limit(PAGE_ROWS).execute();
    for (const row of page) reader.add(row.customer_id, row.product_id, row.order_date);
    options.onProgress?.(reader.length);
    if (page.length < PAGE_ROWS) break;
    const last = page[page.length - 1]!;
    after = [last.order_id, last.product_id];
  }
  return reader.done();
}

function grown(array: Int32Array, size: number): Int32Array {
  const bigger = new Int32Array(size);
  bigger.set(array);
  return bigger;
}

/** Products a products file marked inactive: never recommended. */
export async function inactiveProducts(db: Kysely<Database>): Promise<Set<string>> {
  const rows = await db.selectFrom('products').select('product_id').where('active', '=', 0).execute();
  return new Set(rows.map((r) => r.product_id));
}
