import { sql, type Kysely } from 'kysely';
import type { Database } from '../store/schema.ts';
import type { ProductRecord } from './rows.ts';
import { counts, dedupe, differs, type MergeCounts } from './staging.ts';

/** Stored product columns a products file sets, by the file's column that holds them. */
const SET_BY: Record<string, string[]> = {
  name: ['name'],
  category: ['category'],
  price: ['price_cents', 'currency'],
  url: ['url'],
  image_url: ['image_url'],
  active: ['active'],
};

/** The portable staging of products: the last row of a product id wins. */
export async function stageProducts(db: Kysely<Database>, importId: string, records: ProductRecord[]): Promise<void> {
  const rows = dedupe(
    records.map((r) => ({ import_id: importId, ...r })),
    (r) => r.product_id,
  );
  await db
    .insertInto('import_staging_products')
    .values(rows)
    .onConflict((oc) =>
      oc.columns(['import_id', 'product_id']).doUpdateSet((eb) => ({
        name: eb.ref('excluded.name'),
        category: eb.ref('excluded.category'),
        price_cents: eb.ref('excluded.price_cents'),
        currency: eb.ref('excluded.currency'),
        url: eb.ref('excluded.url'),
        image_url: eb.ref('excluded.image_url'),
        active: eb.ref('excluded.active'),
      })),
    )
    .execute();
}

/**
 * A products file names its products from now on (listed): the columns it has replace the stored
 * ones (an empty name keeps the name the orders gave; an empty active cell means active), the
 * columns it lacks stay as they were.
 */
export async function mergeProducts(db: Kysely<Database>, importId: string, now: string, presentColumns: string[]): Promise<MergeCounts> {
  const columns = presentColumns.flatMap((column) => SET_BY[column] ?? []);
  /** The value a column gets from staged row `s` over stored row `p` (as inserted: active defaults to 1). */
  const incoming = (column: string, s: string, p: string) =>
    column === 'name' ? `COALESCE(${s}.name, ${p}.name)` : column === 'active' ? `COALESCE(${s}.active, 1)` : `${s}.${column}`;
  const changed = (s: string, p: string) =>
    [`${p}.listed = 0`, ...columns.map((c) => differs(`${p}.${c}`, incoming(c, s, p)))].join(' OR ');
  const result = await counts(
    db,
    sql`SELECT count(*) AS total,
          sum(CASE WHEN p.product_id IS NULL THEN 1 ELSE 0 END) AS inserted,
          sum(CASE WHEN p.product_id IS NOT NULL AND (${sql.raw(changed('s', 'p'))}) THEN 1 ELSE 0 END) AS updated
        FROM import_staging_products s LEFT JOIN products p ON p.product_id = s.product_id
        WHERE s.import_id = ${importId}`,
  );
  const sets = [...columns.map((c) => `${c} = ${incoming(c, 'excluded', 'products')}`), 'listed = 1', 'updated_at = excluded.updated_at'];
  await sql`INSERT INTO products (product_id, name, category, price_cents, currency, url, image_url, active, listed, created_at, updated_at)
      SELECT product_id, name, category, price_cents, currency, url, image_url, COALESCE(active, 1), 1, ${now}, ${now}
      FROM import_staging_products WHERE import_id = ${importId}
      ON CONFLICT (product_id) DO UPDATE SET ${sql.raw(sets.join(', '))}
      WHERE ${sql.raw(changed('excluded', 'products'))}`.execute(db);
  return { inserted: result.inserted, updated: result.updated, unchanged: result.unchanged };
}
