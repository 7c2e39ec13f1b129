import type { Statement } from 'better-sqlite3';
import { sql, type Kysely } from 'kysely';
import type { Database, ImportStagingLineItemsTable } from '../store/schema.ts';
import type { ColumnMapping, ImportKind } from './fields.ts';
import { MAX_PRODUCT_NAME_CHARS, oneLine } from './product-values.ts';
import { MAX_ID_CHARS, type OrderLineRecord, type Rejection } from './rows.ts';
import type { StagingWriter } from './staging.ts';
import { decimalValue, parseBounded } from './values.ts';

/*
 * Line items of an orders file with a product column (product_id, or product_name alone: the name
 * is then the id). Every kept row is staged beside its order line, in the same SQLite transactions,
 * and merged in the orders' transaction; a file without a product column stages nothing here.
 */

export interface LineItemCounts {
  /** Order and product pairs written for the file's orders. */
  lines: number;
  products: number;
  /** Products first seen in this file (named by its lines). */
  products_created: number;
}

type LineItem = Omit<ImportStagingLineItemsTable, 'import_id' | 'order_id' | 'customer_id' | 'line'> & { name: string | null };

/** Rows of products written per statement. */
const PRODUCT_ROWS = 500;

/** Whether an import with these columns has line items. */
export function stagesLineItems(columns: Iterable<string>): boolean {
  for (const column of columns) if (column === 'product_id' || column === 'product_name') return true;
  return false;
}

/** Each product of the staged lines with the name of its latest line that has one. */
export type ProductNames = ReadonlyMap<string, string | null>;

export interface LineItemReader {
  /** Reads the product of a validated order row; a rejection when its product cannot be kept. */
  read(cells: string[], line: number, record: OrderLineRecord): Rejection | null;
  /** Stages the items of the records `inner` stages, with them. */
  writer(inner: StagingWriter, db: Kysely<Database>, importId: string): StagingWriter;
  /** The products of the lines staged so far, named (for the merge). */
  names(): ProductNames;
}

/** The line-item reader of an orders import, or null when the file has no product column. */
export function lineItemReader(kind: ImportKind, mapping: ColumnMapping): LineItemReader | null {
  if (kind !== 'orders' || !stagesLineItems(mapping.fields.keys())) return null;
  const at = (field: string) => mapping.fields.get(field) ?? -1;
  const idAt = at('product_id') >= 0 ? at('product_id') : at('product_name');
  const idColumn = at('product_id') >= 0 ? 'product_id' : 'product_name';
  const nameAt = at('product_name');
  const quantityAt = at('quantity');
  const cell = (cells: string[], i: number) => (i < 0 ? '' : (cells[i] ?? '').trim());
  const items = new WeakMap<OrderLineRecord, LineItem>();
  /** A product renamed over time takes the name of its latest line (the last in the file among lines of one date). */
  const latest = new Map<string, { name: string | null; date: string }>();
  const remember = (product: string, name: string | null, date: string) => {
    const known = latest.get(product);
    if (!known) latest.set(product, { name, date });
    else if (name !== null && (known.name === null || date >= known.date)) {
      known.name = name;
      known.date = date;
    }
  };
  return {
    names: () => new Map([...latest].map(([product, { name }]) => [product, name])),
    read(cells, line, record) {
      const id = cell(cells, idAt);
      if (id.length > MAX_ID_CHARS) return { line, column: idColumn, reason: `longer than ${MAX_ID_CHARS} characters`, value: id };
      const quantity = parseBounded(cell(cells, quantityAt));
      items.set(record, {
        product_id: id,
        name: oneLine(cell(cells, nameAt), MAX_PRODUCT_NAME_CHARS),
        quantity: 'reason' in quantity ? 1 : decimalValue(quantity),
        net_cents: record.net_cents,
      });
      return null;
    },
    writer(inner, db, importId) {
      let insert: Statement | undefined;
      return {
        sqlite: inner.sqlite,
        finish: () => inner.finish(),
        close: () => inner.close(),
        async write(records) {
          const rows = [];
          for (const record of records as OrderLineRecord[]) {
            const item = items.get(record);
            if (!item) continue;
            rows.push({
              import_id: importId,
              order_id: record.order_id,
              product_id: item.product_id,
              line: record.line,
              customer_id: record.customer_id,
              quantity: item.quantity,
              net_cents: item.net_cents,
            });
            if (item.product_id !== '') remember(item.product_id, item.name, record.order_date);
          }
          const sqlite = inner.sqlite;
          if (sqlite) {
            insert ??= sqlite.prepare(
              'INSERT INTO import_staging_line_items (import_id, order_id, product_id, line, customer_id, quantity, net_cents) VALUES (?, ?, ?, ?, ?, ?, ?)',
            );
            // in the transaction the order lines are staged in (the inner writer commits it)
            if (!sqlite.inTransaction) sqlite.exec('BEGIN');
            for (const r of rows) insert.run(r.import_id, r.order_id, r.product_id, r.line, r.customer_id, r.quantity, r.net_cents);
          } else if (rows.length) {
            await db.insertInto('import_staging_line_items').values(rows).execute();
          }
          await inner.write(records);
        },
      };
    },
  };
}

/**
 * The file's orders get exactly the lines it gives them: lines of those orders it no longer has
 * go, the others are written where they changed; products first seen here are added, named by
 * their lines (until a products file names them). In the orders' merge transaction.
 */
export async function mergeLineItems(db: Kysely<Database>, importId: string, now: string, names: ProductNames): Promise<LineItemCounts> {
  await sql`DELETE FROM order_lines
      WHERE order_id IN (SELECT order_id FROM import_staging_line_items WHERE import_id = ${importId})
        AND NOT EXISTS (SELECT 1 FROM import_staging_line_items s
          WHERE s.import_id = ${importId} AND s.order_id = order_lines.order_id AND s.product_id = order_lines.product_id)`.execute(db);
  await sql`INSERT INTO order_lines (order_id, product_id, quantity, net_cents)
      SELECT order_id, product_id, sum(quantity), sum(net_cents) FROM import_staging_line_items
      WHERE import_id = ${importId} AND product_id <> ''
      GROUP BY order_id, product_id
      ON CONFLICT (order_id, product_id) DO UPDATE SET quantity = excluded.quantity, net_cents = excluded.net_cents
      WHERE order_lines.quantity <> excluded.quantity OR order_lines.net_cents <> excluded.net_cents`.execute(db);
  const { rows } = await sql<{ lines: number | string }>`SELECT count(*) AS lines FROM (SELECT 1 AS one FROM import_staging_line_items
      WHERE import_id = ${importId} AND product_id <> '' GROUP BY order_id, product_id) l`.execute(db);
  let created = 0;
  const products = [...names].map(([product_id, name]) => ({ product_id, name, active: 1, listed: 0, created_at: now, updated_at: now }));
  for (let i = 0; i < products.length; i += PRODUCT_ROWS) {
    const batch = products.slice(i, i + PRODUCT_ROWS);
    const inserted = await db
      .insertInto('products')
      .values(batch)
      .onConflict((oc) => oc.column('product_id').doNothing())
      .executeTakeFirst();
    created += Number(inserted.numInsertedOrUpdatedRows ?? 0);
    const withNames = batch.filter((p) => p.name !== null);
    if (withNames.length === 0) continue;
    // known products not named by a products file take their lines' latest name
    await db
      .insertInto('products')
      .values(withNames)
      .onConflict((oc) =>
        oc
          .column('product_id')
          .doUpdateSet((eb) => ({ name: eb.ref('excluded.name'), updated_at: eb.ref('excluded.updated_at') }))
          .where('products.listed', '=', 0)
          .where((eb) => eb.or([eb('products.name', 'is', null), eb('products.name', '<>', eb.ref('excluded.name'))])),
      )
      .execute();
  }
  return { lines: Number(rows[0]?.lines ?? 0), products: names.size, products_created: created };
}
