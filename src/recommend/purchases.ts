import { createRequire } from 'node:module';
import SQLite from 'better-sqlite3';
import type { Kysely } from 'kysely';
import type Cursor from 'pg-cursor';
import { dayOf } from '../core/business-day.ts';
import { yieldToForeground } from '../jobs/foreground.ts';
import { onDays } from '../store/business-days.ts';
import { pgDriver } from '../store/database.ts';
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

const INITIAL_ROWS = 50_000;
const CURSOR_ROWS = 10_000;
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
  #customer: Int32Array = new Int32Array(INITIAL_ROWS);
  #product: Int32Array = new Int32Array(INITIAL_ROWS);
  #day: Int32Array = new Int32Array(INITIAL_ROWS);
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
  /** The store's SQLite file: one streaming pass on a read connection of its own. */
  sqliteFile?: string;
  /** The store's PostgreSQL URL: one pass through a server-side cursor on a connection of its own. */
  postgresUrl?: string;
  onProgress?: (lines: number) => void;
}

/**
 * Every purchase line with a product up to the end of business day `through`, in one pass: a
 * SQLite file streamed, PostgreSQL through a cursor (in a read-only transaction, so one snapshot);
 * otherwise (an in-memory store) in one query.
 */
export async function readPurchases(db: Kysely<Database>, through: string, zone: string, options: ReadOptions = {}): Promise<Purchases> {
  const reader = new PurchaseReader(zone);
  const compiled = purchaseLines(db, null, through, zone).select(['o.customer_id', 'l.product_id', 'o.order_date']).compile();
  const add = (rows: Iterable<unknown[]>) => {
    for (const [customer, product, date] of rows as Iterable<[string, string, string]>) {
      reader.add(customer, product, date);
      if ((reader.length & 16383) === 0) {
        yieldToForeground();
        options.onProgress?.(reader.length);
      }
    }
  };
  if (options.sqliteFile) {
    const sqlite = new SQLite(options.sqliteFile, { readonly: true, fileMustExist: true });
    try {
      sqlite.pragma('busy_timeout = 10000');
      add(
        sqlite
          .prepare(compiled.sql)
          .raw(true)
          .iterate(...compiled.parameters) as IterableIterator<unknown[]>,
      );
    } finally {
      sqlite.close();
    }
  } else if (options.postgresUrl) {
    const client = new (pgDriver().Client)({ connectionString: options.postgresUrl, application_name: 'growthbot-recommend' });
    client.on('error', () => {}); // a connection lost mid-read fails the read itself
    await client.connect();
    try {
      await client.query('BEGIN TRANSACTION READ ONLY');
      const PgCursor = createRequire(import.meta.url)('pg-cursor') as typeof Cursor;
      const cursor = client.query(new PgCursor(compiled.sql, [...compiled.parameters], { rowMode: 'array' }));
      for (;;) {
        const rows = (await cursor.read(CURSOR_ROWS)) as unknown[][];
        if (rows.length === 0) break;
        add(rows);
      }
      await cursor.close();
      await client.query('ROLLBACK');
    } finally {
      await client.end().catch(() => undefined);
    }
  } else {
    const { rows } = await db.executeQuery<Record<string, string>>(compiled);
    add(rows.map((row) => [row.customer_id, row.product_id, row.order_date]));
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
