import SQLite from 'better-sqlite3';
import { type Kysely, sql, type RawBuilder } from 'kysely';
import { applyUnsubscribes } from '../privacy/unsubscribes.ts';
import type { Database } from '../store/schema.ts';
import type { ImportKind } from './fields.ts';
import { mergeLineItems, stagesLineItems, type LineItemCounts, type ProductNames } from './line-items.ts';
import { mergeProducts, stageProducts } from './products.ts';
import type { CustomerRecord, EventRecord, ImportRecord, OrderLineRecord, ProductRecord, RateRecord, SpendRecord } from './rows.ts';

export interface MergeCounts {
  inserted: number;
  updated: number;
  unchanged: number;
  /** Orders: customers created because an order named them. */
  customers_created?: number;
  /** Customers and events: consent changed of stored customers. */
  consent_changes?: ConsentChanges;
  /** Orders with a product column: the line items kept. */
  line_items?: LineItemCounts;
}

export interface ConsentChanges {
  /** Stored customers whose consent went from no to yes. */
  opted_in: number;
  /** Stored customers whose consent went from yes to no. */
  opted_out: number;
  /** Rows that said yes for a customer who unsubscribed at or after the row's consent_updated_at (or without one): consent stays no. */
  kept_unsubscribed: number;
  /** Customers: rows that said SMS yes for a customer who replied STOP: SMS consent stays no. */
  kept_sms_stopped?: number;
}

/** The staging tables each kind writes; only one import of a kind runs at a time (its `import:<kind>` lease). */
export const STAGING_TABLES: Record<ImportKind, readonly StagingTable[]> = {
  customers: ['import_staging_customers', 'import_staging_attributes'],
  orders: ['import_staging_order_lines', 'import_staging_line_items'],
  spend: ['import_staging_spend'],
  events: ['import_staging_events'],
  rates: ['import_staging_rates'],
  products: ['import_staging_products'],
};

type StagingTable =
  | 'import_staging_customers'
  | 'import_staging_attributes'
  | 'import_staging_order_lines'
  | 'import_staging_spend'
  | 'import_staging_events'
  | 'import_staging_rates'
  | 'import_staging_line_items'
  | 'import_staging_products';

/** Staging keys start with the time, so an import's rows can be told apart by eye. */
export function newImportId(now: Date): string {
  return `${now.toISOString()}#${Math.random().toString(36).slice(2, 10)}`;
}

/** Drops one import's staging rows; only its own, as another import (another kind, another instance) may be staging now. */
export async function clearStaging(db: Kysely<Database>, importId: string): Promise<void> {
  for (const tables of Object.values(STAGING_TABLES))
    for (const table of tables) await db.deleteFrom(table).where('import_id', '=', importId).execute();
}

/**
 * Drops one import's staging rows after it failed, even when it failed because the disk is full.
 * On SQLite a plain DELETE then fails too: with secure_delete it rewrites every page it frees, and
 * the WAL has no room for them (its committed frames cannot be checkpointed into a file that cannot
 * grow). So, on a connection of its own, the rows go without zeroing the freed pages
 * (secure_delete=FAST): with `wholeKind` (the caller holds the kind's import lease, so no other
 * import of the kind is staging) by emptying the kind's tables, which only writes the free-list
 * pages; else a step at a time. The pages are free for the next writes (the file does not shrink).
 * Returns how the rows went; throws when even that fails (the staging sweep removes them later).
 */
export async function removeStaging(
  db: Kysely<Database>,
  kind: ImportKind,
  importId: string,
  options: { sqliteFile?: string; wholeKind?: boolean } = {},
): Promise<'deleted' | 'freed'> {
  try {
    await clearStaging(db, importId);
    return 'deleted';
  } catch (error) {
    if (!options.sqliteFile) throw error;
  }
  const sqlite = new SQLite(options.sqliteFile);
  try {
    sqlite.pragma('busy_timeout = 10000');
    sqlite.pragma('secure_delete = FAST');
    for (const table of STAGING_TABLES[kind]) {
      if (options.wholeKind) {
        // no WHERE: SQLite's truncate optimization frees the pages without rewriting them
        sqlite.exec(`DELETE FROM ${table}`);
        continue;
      }
      const step = sqlite.prepare(`DELETE FROM ${table} WHERE rowid IN (SELECT rowid FROM ${table} WHERE import_id = ? LIMIT 2000)`);
      while (step.run(importId).changes > 0);
    }
    try {
      sqlite.pragma('wal_checkpoint(PASSIVE)');
    } catch {
      // the database file cannot grow either: the WAL keeps the frames until there is room
    }
    return 'freed';
  } finally {
    sqlite.close();
  }
}

/**
 * Drops the staging rows of every import of `kind` but `keep`: those of an import that died (its
 * process killed, its machine gone). Only for a caller holding the kind's import lease, so that
 * no live import of the kind is staging. Returns how many rows went.
 */
export async function clearLeftoverStaging(db: Kysely<Database>, kind: ImportKind, keep?: string): Promise<number> {
  let removed = 0;
  for (const table of STAGING_TABLES[kind]) {
    const query = db.deleteFrom(table);
    const result = await (keep === undefined ? query : query.where('import_id', '<>', keep)).executeTakeFirst();
    removed += Number(result.numDeletedRows);
  }
  return removed;
}

/** Rows per multi-row INSERT, under SQLite's and PostgreSQL's bound-parameter limits. */
export const STAGING_BATCH_ROWS = 1000;

/** Writes batches of validated records to the staging tables. */
export interface StagingWriter {
  write(records: ImportRecord[]): Promise<void>;
  /** Makes everything written visible to the merge. */
  finish(): void;
  /** Releases the writer; what was not finished is dropped. */
  close(): void;
  /** The SQLite fast path's connection: staging of one's own (line items) joins its transactions. */
  readonly sqlite?: SQLite.Database;
}

/** The portable writer: multi-row INSERTs through kysely (PostgreSQL, in-memory SQLite). */
export function kyselyStagingWriter(db: Kysely<Database>, kind: ImportKind, importId: string): StagingWriter {
  return { write: (records) => stageBatch(db, kind, importId, records), finish: () => {}, close: () => {} };
}

const SQLITE_STAGING: Record<ImportKind, { sql: string; params: (importId: string, record: never) => unknown[] }> = {
  orders: {
    sql: 'INSERT INTO import_staging_order_lines (import_id, order_id, line, customer_id, order_date, gross_cents, net_cents, currency, country, purchase) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    params: (id, r: OrderLineRecord) => [
      id,
      r.order_id,
      r.line,
      r.customer_id,
      r.order_date,
      r.gross_cents,
      r.net_cents,
      r.currency,
      r.country,
      r.purchase,
    ],
  },
  customers: {
    sql: `INSERT INTO import_staging_customers (import_id, customer_id, email, name, signup_date, country, acquisition_channel, consent, consent_updated_at,
        phone, time_zone, sms_consent)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (import_id, customer_id) DO UPDATE SET email = excluded.email, name = excluded.name, signup_date = excluded.signup_date,
        country = excluded.country, acquisition_channel = excluded.acquisition_channel, consent = excluded.consent,
        consent_updated_at = excluded.consent_updated_at, phone = excluded.phone, time_zone = excluded.time_zone, sms_consent = excluded.sms_consent`,
    params: (id, r: CustomerRecord) => [
      id,
      r.customer_id,
      r.email,
      r.name,
      r.signup_date,
      r.country,
      r.acquisition_channel,
      r.consent,
      r.consent_updated_at,
      r.phone,
      r.time_zone,
      r.sms_consent,
    ],
  },
  spend: {
    sql: `INSERT INTO import_staging_spend (import_id, date, channel, campaign, amount_cents, currency, booked) VALUES (?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (import_id, date, channel, campaign) DO UPDATE SET amount_cents = excluded.amount_cents, currency = excluded.currency, booked = excluded.booked`,
    params: (id, r: SpendRecord) => [id, r.date, r.channel, r.campaign, r.amount_cents, r.currency, r.booked],
  },
  events: {
    sql: 'INSERT INTO import_staging_events (import_id, customer_id, campaign_id, type, occurred_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
    params: (id, r: EventRecord) => [id, r.customer_id, r.campaign_id, r.type, r.occurred_at],
  },
  rates: {
    sql: `INSERT INTO import_staging_rates (import_id, date, currency, rate, reporting_currency) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (import_id, date, currency) DO UPDATE SET rate = excluded.rate, reporting_currency = excluded.reporting_currency`,
    params: (id, r: RateRecord) => [id, r.date, r.currency, r.rate, r.reporting_currency],
  },
  products: {
    sql: `INSERT INTO import_staging_products (import_id, product_id, name, category, price_cents, currency, url, image_url, active)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (import_id, product_id) DO UPDATE SET name = excluded.name, category = excluded.category, price_cents = excluded.price_cents,
        currency = excluded.currency, url = excluded.url, image_url = excluded.image_url, active = excluded.active`,
    params: (id, r: ProductRecord) => [id, r.product_id, r.name, r.category, r.price_cents, r.currency, r.url, r.image_url, r.active],
  },
};

/** SQLite staging commits every this many rows: few commits (and WAL checkpoints), short write locks. */
const SQLITE_ROWS_PER_COMMIT = 50_000;

/**
 * The SQLite fast path: a connection of its own to the store file with statements prepared
 * once and reused. Staging only: the merge stays portable SQL.
 */
export function sqliteStagingWriter(file: string, kind: ImportKind, importId: string): StagingWriter {
  const sqlite = new SQLite(file);
  sqlite.pragma('busy_timeout = 10000');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('secure_delete = ON');
  sqlite.pragma('cache_size = -65536');
  const spec = SQLITE_STAGING[kind];
  const insert = sqlite.prepare(spec.sql);
  const attribute = sqlite.prepare(
    'INSERT INTO import_staging_attributes (import_id, customer_id, name, value) VALUES (?, ?, ?, ?) ON CONFLICT (import_id, customer_id, name) DO UPDATE SET value = excluded.value',
  );
  let uncommitted = 0;
  const commit = () => {
    if (sqlite.inTransaction) sqlite.exec('COMMIT');
    uncommitted = 0;
  };
  return {
    write: async (records) => {
      if (!sqlite.inTransaction) sqlite.exec('BEGIN');
      for (const record of records) {
        insert.run(spec.params(importId, record as never));
        if (kind === 'customers') {
          for (const [name, value] of (record as CustomerRecord).attributes)
            attribute.run(importId, (record as CustomerRecord).customer_id, name, value);
        }
      }
      uncommitted += records.length;
      if (uncommitted >= SQLITE_ROWS_PER_COMMIT) commit();
    },
    finish: commit,
    sqlite,
    close: () => {
      if (!sqlite.open) return;
      if (sqlite.inTransaction) sqlite.exec('ROLLBACK');
      sqlite.close();
    },
  };
}

/** Writes one batch of validated records to the kind's staging table. */
export async function stageBatch(db: Kysely<Database>, kind: ImportKind, importId: string, records: ImportRecord[]): Promise<void> {
  if (records.length === 0) return;
  if (kind === 'orders') {
    const rows = (records as OrderLineRecord[]).map((r) => ({ import_id: importId, ...r }));
    await db.insertInto('import_staging_order_lines').values(rows).execute();
  } else if (kind === 'customers') {
    const customers = records as CustomerRecord[];
    const rows = customers.map(({ attributes: _attributes, ...r }) => ({ import_id: importId, ...r }));
    // The last row of a customer id wins, as it would in a spreadsheet read top to bottom.
    await db
      .insertInto('import_staging_customers')
      .values(dedupe(rows, (r) => r.customer_id))
      .onConflict((oc) =>
        oc.columns(['import_id', 'customer_id']).doUpdateSet((eb) => ({
          email: eb.ref('excluded.email'),
          name: eb.ref('excluded.name'),
          signup_date: eb.ref('excluded.signup_date'),
          country: eb.ref('excluded.country'),
          acquisition_channel: eb.ref('excluded.acquisition_channel'),
          consent: eb.ref('excluded.consent'),
          consent_updated_at: eb.ref('excluded.consent_updated_at'),
          phone: eb.ref('excluded.phone'),
          time_zone: eb.ref('excluded.time_zone'),
          sms_consent: eb.ref('excluded.sms_consent'),
        })),
      )
      .execute();
    const attributes = dedupe(
      customers.flatMap((c) => c.attributes.map(([name, value]) => ({ import_id: importId, customer_id: c.customer_id, name, value }))),
      (a) => `${a.customer_id}\u0000${a.name}`,
    );
    for (let i = 0; i < attributes.length; i += STAGING_BATCH_ROWS) {
      await db
        .insertInto('import_staging_attributes')
        .values(attributes.slice(i, i + STAGING_BATCH_ROWS))
        .onConflict((oc) => oc.columns(['import_id', 'customer_id', 'name']).doUpdateSet((eb) => ({ value: eb.ref('excluded.value') })))
        .execute();
    }
  } else if (kind === 'spend') {
    const rows = dedupe(
      (records as SpendRecord[]).map((r) => ({ import_id: importId, ...r })),
      (r) => `${r.date}\u0000${r.channel}\u0000${r.campaign}`,
    );
    await db
      .insertInto('import_staging_spend')
      .values(rows)
      .onConflict((oc) =>
        oc.columns(['import_id', 'date', 'channel', 'campaign']).doUpdateSet((eb) => ({
          amount_cents: eb.ref('excluded.amount_cents'),
          currency: eb.ref('excluded.currency'),
          booked: eb.ref('excluded.booked'),
        })),
      )
      .execute();
  } else if (kind === 'products') {
    await stageProducts(db, importId, records as ProductRecord[]);
  } else if (kind === 'rates') {
    // the last row of a currency and day wins
    const rows = dedupe(
      (records as RateRecord[]).map((r) => ({ import_id: importId, ...r })),
      (r) => `${r.date}\u0000${r.currency}`,
    );
    await db
      .insertInto('import_staging_rates')
      .values(rows)
      .onConflict((oc) =>
        oc.columns(['import_id', 'date', 'currency']).doUpdateSet((eb) => ({
          rate: eb.ref('excluded.rate'),
          reporting_currency: eb.ref('excluded.reporting_currency'),
        })),
      )
      .execute();
  } else {
    const rows = (records as EventRecord[]).map((r) => ({ import_id: importId, ...r }));
    await db
      .insertInto('import_staging_events')
      .values(rows)
      .onConflict((oc) => oc.doNothing())
      .execute();
  }
}

/** Keeps the last row of each key (one INSERT may not touch a row twice). */
export function dedupe<T>(rows: T[], key: (row: T) => string): T[] {
  const byKey = new Map<string, T>();
  for (const row of rows) {
    const k = key(row);
    byKey.delete(k);
    byKey.set(k, row);
  }
  return byKey.size === rows.length ? rows : [...byKey.values()];
}

/** `a` and `b` differ, nulls included (portable IS DISTINCT FROM). */
export function differs(a: string, b: string): string {
  return `(${a} <> ${b} OR (${a} IS NULL) <> (${b} IS NULL))`;
}

export async function counts(db: Kysely<Database>, query: RawBuilder<unknown>): Promise<MergeCounts & Partial<ConsentChanges>> {
  const { rows } = await query.execute(db);
  const row = (rows[0] ?? {}) as Record<string, unknown>;
  const total = Number(row.total ?? 0);
  const inserted = Number(row.inserted ?? 0);
  const updated = Number(row.updated ?? 0);
  return {
    inserted,
    updated,
    unchanged: total - inserted - updated,
    opted_in: Number(row.opted_in ?? 0),
    opted_out: Number(row.opted_out ?? 0),
    kept_unsubscribed: Number(row.kept_unsubscribed ?? 0),
    kept_sms_stopped: Number(row.kept_sms_stopped ?? 0),
  };
}

export interface MergeOptions {
  /** Canonical columns the file has: a column it lacks leaves the stored value alone. */
  presentColumns: string[];
  /** DEFAULT_CONSENT: the consent of a new customer whose row (or order) gives none. */
  defaultConsent: boolean;
  /** Orders with line items: their products and the names their lines give them. */
  productNames?: ProductNames;
}

/**
 * Moves one import from staging into the real tables in one transaction: one set-based
 * statement per table, counts of inserted, updated and unchanged computed in SQL first.
 */
export async function mergeStaging(
  db: Kysely<Database>,
  kind: ImportKind,
  importId: string,
  now: string,
  options: MergeOptions,
): Promise<MergeCounts> {
  return db.transaction().execute(async (trx) => {
    switch (kind) {
      case 'customers':
        return mergeCustomers(trx, importId, now, options);
      case 'orders': {
        const merged = await mergeOrders(trx, importId, now, options.defaultConsent);
        if (!stagesLineItems(options.presentColumns)) return merged;
        return { ...merged, line_items: await mergeLineItems(trx, importId, now, options.productNames ?? new Map()) };
      }
      case 'products':
        return mergeProducts(trx, importId, now, options.presentColumns);
      case 'spend':
        return mergeSpend(trx, importId, now);
      case 'events':
        return mergeEvents(trx, importId, now);
      case 'rates':
        return mergeRates(trx, importId, now);
    }
  });
}

const CUSTOMER_FIELDS = ['email', 'name', 'signup_date', 'country', 'acquisition_channel', 'phone', 'time_zone'];

/** A "yes" in staging row `s` that an unsubscribe at or after its consent_updated_at (any, without one) overrules. */
const UNSUBSCRIBED_SINCE = `EXISTS (SELECT 1 FROM events e WHERE e.customer_id = s.customer_id AND e.type = 'unsubscribed'
    AND (s.consent_updated_at IS NULL OR e.occurred_at >= s.consent_updated_at))`;

/**
 * Each staged customer with the consent it will have: an empty or missing value keeps the stored
 * one (a new customer gets DEFAULT_CONSENT); an explicit no applies; an explicit yes applies unless
 * the customer unsubscribed since. consent_updated_at keeps the latest dated change.
 */
function plannedCustomers(importId: string, defaultConsent: boolean): RawBuilder<unknown> {
  const consent = `CASE WHEN s.consent IS NULL AND c.customer_id IS NOT NULL THEN c.consent
      WHEN COALESCE(s.consent, ${defaultConsent ? 1 : 0}) = 0 THEN 0
      WHEN ${UNSUBSCRIBED_SINCE} THEN COALESCE(c.consent, 0)
      ELSE 1 END`;
  const updatedAt = `CASE WHEN s.consent IS NOT NULL AND s.consent_updated_at IS NOT NULL
        AND (c.consent_updated_at IS NULL OR s.consent_updated_at > c.consent_updated_at) THEN s.consent_updated_at
      ELSE c.consent_updated_at END`;
  // SMS consent is never assumed: empty keeps the stored one (no for a new customer); a yes does not undo a STOP reply
  const smsConsent = `CASE WHEN s.sms_consent IS NULL THEN COALESCE(c.sms_consent, 0)
      WHEN s.sms_consent = 0 OR c.sms_opted_out_at IS NOT NULL THEN 0 ELSE 1 END`;
  return sql`SELECT s.customer_id, ${sql.raw(CUSTOMER_FIELDS.map((f) => `s.${f}, c.${f} AS old_${f}`).join(', '))},
        s.consent AS given_consent, ${sql.raw(consent)} AS consent, ${sql.raw(updatedAt)} AS consent_updated_at,
        s.sms_consent AS given_sms_consent, ${sql.raw(smsConsent)} AS sms_consent, c.sms_consent AS old_sms_consent,
        c.customer_id AS known, c.consent AS old_consent, c.consent_updated_at AS old_consent_updated_at
      FROM import_staging_customers s LEFT JOIN customers c ON c.customer_id = s.customer_id
      WHERE s.import_id = ${importId}`;
}

async function mergeCustomers(
  db: Kysely<Database>,
  importId: string,
  now: string,
  { presentColumns, defaultConsent }: MergeOptions,
): Promise<MergeCounts> {
  const fields = CUSTOMER_FIELDS.filter((f) => presentColumns.includes(f));
  const diffs = [
    ...fields.map((f) => differs(`p.old_${f}`, `p.${f}`)),
    'p.consent <> p.old_consent',
    differs('p.consent_updated_at', 'p.old_consent_updated_at'),
    'p.sms_consent <> p.old_sms_consent',
  ];
  const attributeDiff = sql`EXISTS (SELECT 1 FROM import_staging_attributes a
      LEFT JOIN customer_attributes ca ON ca.customer_id = a.customer_id AND ca.name = a.name
      WHERE a.import_id = ${importId} AND a.customer_id = p.customer_id AND (ca.value IS NULL OR ca.value <> a.value))`;
  const result = await counts(
    db,
    sql`SELECT count(*) AS total,
          sum(CASE WHEN p.known IS NULL THEN 1 ELSE 0 END) AS inserted,
          sum(CASE WHEN p.known IS NOT NULL AND (${sql.raw(diffs.join(' OR '))} OR ${attributeDiff}) THEN 1 ELSE 0 END) AS updated,
          sum(CASE WHEN p.known IS NOT NULL AND p.old_consent = 0 AND p.consent = 1 THEN 1 ELSE 0 END) AS opted_in,
          sum(CASE WHEN p.known IS NOT NULL AND p.old_consent = 1 AND p.consent = 0 THEN 1 ELSE 0 END) AS opted_out,
          sum(CASE WHEN p.given_consent = 1 AND p.consent = 0 THEN 1 ELSE 0 END) AS kept_unsubscribed,
          sum(CASE WHEN p.given_sms_consent = 1 AND p.sms_consent = 0 THEN 1 ELSE 0 END) AS kept_sms_stopped
        FROM (${plannedCustomers(importId, defaultConsent)}) p`,
  );
  const sets = [
    ...fields.map((f) => `${f} = excluded.${f}`),
    'consent = excluded.consent',
    'consent_updated_at = excluded.consent_updated_at',
    'sms_consent = excluded.sms_consent',
    'updated_at = excluded.updated_at',
  ];
  const changed = [
    ...fields.map((f) => differs(`customers.${f}`, `excluded.${f}`)),
    'excluded.consent <> customers.consent',
    differs('excluded.consent_updated_at', 'customers.consent_updated_at'),
    'excluded.sms_consent <> customers.sms_consent',
  ];
  await sql`INSERT INTO customers (customer_id, email, name, signup_date, country, acquisition_channel, consent, consent_updated_at,
        phone, time_zone, sms_consent, created_at, updated_at)
      SELECT customer_id, email, name, signup_date, country, acquisition_channel, consent, consent_updated_at,
        phone, time_zone, sms_consent, ${now}, ${now}
      FROM (${plannedCustomers(importId, defaultConsent)}) p WHERE true
      ON CONFLICT (customer_id) DO UPDATE SET ${sql.raw(sets.join(', '))}
      WHERE ${sql.raw(changed.join(' OR '))}`.execute(db);
  await sql`INSERT INTO customer_attributes (customer_id, name, value)
      SELECT customer_id, name, value FROM import_staging_attributes WHERE import_id = ${importId}
      ON CONFLICT (customer_id, name) DO UPDATE SET value = excluded.value
      WHERE customer_attributes.value <> excluded.value`.execute(db);
  const { opted_in, opted_out, kept_unsubscribed, kept_sms_stopped, ...merged } = result;
  return {
    ...merged,
    consent_changes: {
      opted_in: opted_in!,
      opted_out: opted_out!,
      kept_unsubscribed: kept_unsubscribed!,
      ...(kept_sms_stopped ? { kept_sms_stopped } : {}),
    },
  };
}

/** One row per order, aggregated from its staged lines (a streaming pass over the staging key). */
function stagedOrders(importId: string): RawBuilder<unknown> {
  return sql`SELECT order_id, min(customer_id) AS customer_id, min(order_date) AS order_date, sum(gross_cents) AS gross_cents, sum(net_cents) AS net_cents,
        max(currency) AS currency, count(*) AS lines, max(purchase) AS is_purchase
      FROM import_staging_order_lines WHERE import_id = ${importId}
      GROUP BY order_id`;
}

async function mergeOrders(db: Kysely<Database>, importId: string, now: string, defaultConsent: boolean): Promise<MergeCounts> {
  // Unknown customers first (acquired at their first order, consent DEFAULT_CONSENT unless they unsubscribed); known ones are filtered out before grouping.
  const consent = defaultConsent
    ? sql`CASE WHEN EXISTS (SELECT 1 FROM events e WHERE e.customer_id = l.customer_id AND e.type = 'unsubscribed') THEN 0 ELSE 1 END`
    : sql`0`;
  const created = await sql`INSERT INTO customers (customer_id, country, signup_date, consent, created_at, updated_at)
      SELECT l.customer_id, max(l.country), min(l.order_date), ${consent}, ${now}, ${now}
      FROM import_staging_order_lines l
      WHERE l.import_id = ${importId} AND NOT EXISTS (SELECT 1 FROM customers c WHERE c.customer_id = l.customer_id)
      GROUP BY l.customer_id
      ON CONFLICT (customer_id) DO NOTHING`.execute(db);
  const columns = ['customer_id', 'order_date', 'gross_cents', 'net_cents', 'currency', 'lines', 'is_purchase'];
  const result = await counts(
    db,
    sql`SELECT count(*) AS total,
          sum(CASE WHEN o.order_id IS NULL THEN 1 ELSE 0 END) AS inserted,
          sum(CASE WHEN o.order_id IS NOT NULL AND (${sql.raw(columns.map((c) => `o.${c} <> s.${c}`).join(' OR '))}) THEN 1 ELSE 0 END) AS updated
        FROM (${stagedOrders(importId)}) s LEFT JOIN orders o ON o.order_id = s.order_id`,
  );
  await sql`INSERT INTO orders (order_id, customer_id, order_date, gross_cents, net_cents, currency, lines, is_purchase, updated_at)
      SELECT order_id, customer_id, order_date, gross_cents, net_cents, currency, lines, is_purchase, ${now}
      FROM (${stagedOrders(importId)}) s WHERE true
      ON CONFLICT (order_id) DO UPDATE SET ${sql.raw([...columns, 'updated_at'].map((c) => `${c} = excluded.${c}`).join(', '))}
      WHERE ${sql.raw(columns.map((c) => `orders.${c} <> excluded.${c}`).join(' OR '))}`.execute(db);
  return { ...result, customers_created: Number(created.numAffectedRows ?? 0) };
}

async function mergeSpend(db: Kysely<Database>, importId: string, now: string): Promise<MergeCounts> {
  const result = await counts(
    db,
    sql`SELECT count(*) AS total,
          sum(CASE WHEN p.date IS NULL THEN 1 ELSE 0 END) AS inserted,
          sum(CASE WHEN p.date IS NOT NULL AND (p.amount_cents <> s.amount_cents OR p.currency <> s.currency OR p.booked <> s.booked) THEN 1 ELSE 0 END) AS updated
        FROM import_staging_spend s LEFT JOIN spend p ON p.date = s.date AND p.channel = s.channel AND p.campaign = s.campaign
        WHERE s.import_id = ${importId}`,
  );
  await sql`INSERT INTO spend (date, channel, campaign, amount_cents, currency, booked, updated_at)
      SELECT date, channel, campaign, amount_cents, currency, booked, ${now} FROM import_staging_spend WHERE import_id = ${importId}
      ON CONFLICT (date, channel, campaign) DO UPDATE SET amount_cents = excluded.amount_cents, currency = excluded.currency, booked = excluded.booked, updated_at = excluded.updated_at
      WHERE spend.amount_cents <> excluded.amount_cents OR spend.currency <> excluded.currency OR spend.booked <> excluded.booked`.execute(
    db,
  );
  return result;
}

/** Rates: one per currency and day; a day imported again takes the new rate (and the reporting currency it is in). */
async function mergeRates(db: Kysely<Database>, importId: string, now: string): Promise<MergeCounts> {
  const result = await counts(
    db,
    sql`SELECT count(*) AS total,
          sum(CASE WHEN r.date IS NULL THEN 1 ELSE 0 END) AS inserted,
          sum(CASE WHEN r.date IS NOT NULL AND (r.rate <> s.rate OR r.reporting_currency <> s.reporting_currency) THEN 1 ELSE 0 END) AS updated
        FROM import_staging_rates s LEFT JOIN exchange_rates r ON r.date = s.date AND r.currency = s.currency
        WHERE s.import_id = ${importId}`,
  );
  await sql`INSERT INTO exchange_rates (date, currency, rate, reporting_currency, updated_at)
      SELECT date, currency, rate, reporting_currency, ${now} FROM import_staging_rates WHERE import_id = ${importId}
      ON CONFLICT (date, currency) DO UPDATE SET rate = excluded.rate, reporting_currency = excluded.reporting_currency, updated_at = excluded.updated_at
      WHERE exchange_rates.rate <> excluded.rate OR exchange_rates.reporting_currency <> excluded.reporting_currency`.execute(db);
  return result;
}

async function mergeEvents(db: Kysely<Database>, importId: string, now: string): Promise<MergeCounts> {
  const result = await counts(
    db,
    sql`SELECT count(*) AS total,
          sum(CASE WHEN e.customer_id IS NULL THEN 1 ELSE 0 END) AS inserted,
          0 AS updated
        FROM import_staging_events s LEFT JOIN events e ON e.customer_id = s.customer_id AND e.campaign_id = s.campaign_id AND e.type = s.type AND e.occurred_at = s.occurred_at
        WHERE s.import_id = ${importId}`,
  );
  await sql`INSERT INTO events (customer_id, campaign_id, type, occurred_at, updated_at)
      SELECT customer_id, campaign_id, type, occurred_at, ${now} FROM import_staging_events WHERE import_id = ${importId}
      ON CONFLICT (customer_id, campaign_id, type, occurred_at) DO NOTHING`.execute(db);
  const unsubscribers = db
    .selectFrom('import_staging_events')
    .select('customer_id')
    .where('import_id', '=', importId)
    .where('type', '=', 'unsubscribed');
  const optedOut = await applyUnsubscribes(db, unsubscribers, now);
  return { ...result, consent_changes: { opted_in: 0, opted_out: optedOut, kept_unsubscribed: 0 } };
}
