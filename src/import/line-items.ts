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

type LineItem = Omit<ImportStagingLineItemsTable, 'import_id' | 'order_id' | 'customer_id' | 'order_date'>;

/** Whether an import with these columns has line items. */
export function stagesLineItems(columns: Iterable<string>): boolean {
  for (const column of columns) if (column === 'product_id' || column === 'product_name') return true;
  return false;
}

export interface LineItemReader {
  /** Reads the product of a validated order row; a rejection when its product cannot be kept. */
  read(cells: string[], line: number, record: OrderLineRecord): Rejection | null;
  /** Stages the items of the records `inner` stages, with them. */
  writer(inner: StagingWriter, db: Kysely<Database>, importId: string): StagingWriter;
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
  return {
    read(cells, line, record) {
      const id = cell(cells, idAt);
      if (id.length > MAX_ID_CHARS) return { line, column: idColumn, reason: `longer than ${MAX_ID_CHARS} characters`, value: id };
      const quantity = parseBounded(cell(cells, quantityAt));
      items.set(record, {
        product_id: id === '' ? null : id,
        product_name: oneLine(cell(cells, nameAt), MAX_PRODUCT_NAME_CHARS),
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
            if (item)
              rows.push({
                import_id: importId,
                order_id: record.order_id,
                customer_id: record.customer_id,
                order_date: record.order_date,
                ...item,
              });
          }
          const sqlite = inner.sqlite;
          if (sqlite) {
            insert ??= sqlite.prepare(
              'INSERT INTO import_staging_line_items (import_id, order_id, customer_id, order_date, product_id, product_name, quantity, net_cents) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
            );
            // in the transaction the order lines are staged in (the inner writer commits it)
            if (!sqlite.inTransaction) sqlite.exec('BEGIN');
            for (const r of rows)
              insert.run(r.import_id, r.order_id, r.customer_id, r.order_date, r.product_id, r.product_name, r.quantity, r.net_cents);
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
export async function mergeLineItems(db: Kysely<Database>, importId: string, now: string): Promise<LineItemCounts> {
  await sql`DELETE FROM order_lines
      WHERE order_id IN (SELECT order_id FROM import_staging_line_items WHERE import_id = ${importId})
        AND NOT EXISTS (SELECT 1 FROM import_staging_line_items s
          WHERE s.import_id = ${importId} AND s.order_id = order_lines.order_id AND s.product_id = order_lines.product_id)`.execute(db);
  await sql`INSERT INTO order_lines (order_id, product_id, quantity, net_cents)
      SELECT order_id, product_id, sum(quantity), sum(net_cents) FROM import_staging_line_items
      WHERE import_id = ${importId} AND product_id IS NOT NULL
      GROUP BY order_id, product_id
      ON CONFLICT (order_id, product_id) DO UPDATE SET quantity = excluded.quantity, net_cents = excluded.net_cents
      WHERE order_lines.quantity <> excluded.quantity OR order_lines.net_cents <> excluded.net_cents`.execute(db);
  const { rows } = await sql<Record<keyof LineItemCounts, number | string>>`SELECT count(*) AS lines,
        count(DISTINCT l.product_id) AS products, count(DISTINCT CASE WHEN p.product_id IS NULL THEN l.product_id END) AS products_created
      FROM (SELECT order_id, product_id FROM import_staging_line_items WHERE import_id = ${importId} AND product_id IS NOT NULL
        GROUP BY order_id, product_id) l
      LEFT JOIN products p ON p.product_id = l.product_id`.execute(db);
  // a product renamed over time takes the name of its latest line
  await sql`INSERT INTO products (product_id, name, active, listed, created_at, updated_at)
      SELECT product_id, product_name, 1, 0, ${now}, ${now} FROM (
        SELECT product_id, product_name,
          row_number() OVER (PARTITION BY product_id ORDER BY (product_name IS NULL), order_date DESC, product_name DESC) AS latest
        FROM import_staging_line_items WHERE import_id = ${importId} AND product_id IS NOT NULL) named
      WHERE latest = 1
      ON CONFLICT (product_id) DO UPDATE SET name = excluded.name, updated_at = excluded.updated_at
      WHERE products.listed = 0 AND excluded.name IS NOT NULL AND (products.name IS NULL OR products.name <> excluded.name)`.execute(db);
  return {
    lines: Number(rows[0]?.lines ?? 0),
    products: Number(rows[0]?.products ?? 0),
    products_created: Number(rows[0]?.products_created ?? 0),
  };
}
