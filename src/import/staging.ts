import SQLite from 'better-sqlite3';
import { type Kysely, sql, type RawBuilder } from 'kysely';
import type { Database } from '../store/schema.ts';
import type { ImportKind } from './fields.ts';
import type { CustomerRecord, EventRecord, ImportRecord, OrderLineRecord, SpendRecord } from './rows.ts';

export interface MergeCounts {
  inserted: number;
  updated: number;
  unchanged: number;
  /** Orders: customers created because an order named them. */
  customers_created?: number;
}

const STAGING_TABLES = [
  'import_staging_customers',
  'import_staging_attributes',
  'import_staging_order_lines',
  'import_staging_spend',
  'import_staging_events',
] as const;

/** Staging keys start with the time, so rows a crashed import left behind can be found and dropped. */
export function newImportId(now: Date): string {
  return `${now.toISOString()}#${Math.random().toString(36).slice(2, 10)}`;
}

/** Drops one import's staging rows; only its own, as another import (another kind, another instance) may be staging now. */
export async function clearStaging(db: Kysely<Database>, importId: string): Promise<void> {
  for (const table of STAGING_TABLES) await db.deleteFrom(table).where('import_id', '=', importId).execute();
}

/** Drops what imports that died more than a day ago left in staging. */
export async function clearStaleStaging(db: Kysely<Database>, now: Date): Promise<void> {
  const cutoff = new Date(now.getTime() - 86_400_000).toISOString();
  for (const table of STAGING_TABLES) await db.deleteFrom(table).where('import_id', '<', cutoff).execute();
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
}

/** The portable writer: multi-row INSERTs through kysely (PostgreSQL, in-memory SQLite). */
export function kyselyStagingWriter(db: Kysely<Database>, kind: ImportKind, importId: string): StagingWriter {
  return { write: (records) => stageBatch(db, kind, importId, records), finish: () => {}, close: () => {} };
}

const SQLITE_STAGING: Record<ImportKind, { sql: string; params: (importId: string, record: never) => unknown[] }> = {
  orders: {
    sql: 'INSERT INTO import_staging_order_lines (import_id, order_id, line, customer_id, order_date, gross_cents, net_cents, currency, country) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
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
    ],
  },
  customers: {
    sql: `INSERT INTO import_staging_customers (import_id, customer_id, email, name, signup_date, country, acquisition_channel, consent) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (import_id, customer_id) DO UPDATE SET email = excluded.email, name = excluded.name, signup_date = excluded.signup_date,
        country = excluded.country, acquisition_channel = excluded.acquisition_channel, consent = excluded.consent`,
    params: (id, r: CustomerRecord) => [id, r.customer_id, r.email, r.name, r.signup_date, r.country, r.acquisition_channel, r.consent],
  },
  spend: {
    sql: `INSERT INTO import_staging_spend (import_id, date, channel, campaign, amount_cents, currency) VALUES (?, ?, ?, ?, ?, ?)
      ON CONFLICT (import_id, date, channel, campaign) DO UPDATE SET amount_cents = excluded.amount_cents, currency = excluded.currency`,
    params: (id, r: SpendRecord) => [id, r.date, r.channel, r.campaign, r.amount_cents, r.currency],
  },
  events: {
    sql: 'INSERT INTO import_staging_events (import_id, customer_id, campaign_id, type, occurred_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
    params: (id, r: EventRecord) => [id, r.customer_id, r.campaign_id, r.type, r.occurred_at],
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
        oc
          .columns(['import_id', 'date', 'channel', 'campaign'])
          .doUpdateSet((eb) => ({ amount_cents: eb.ref('excluded.amount_cents'), currency: eb.ref('excluded.currency') })),
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
function dedupe<T>(rows: T[], key: (row: T) => string): T[] {
  const byKey = new Map<string, T>();
  for (const row of rows) {
    const k = key(row);
    byKey.delete(k);
    byKey.set(k, row);
  }
  return byKey.size === rows.length ? rows : [...byKey.values()];
}

/** `a` and `b` differ, nulls included (portable IS DISTINCT FROM). */
function differs(a: string, b: string): string {
  return `(${a} <> ${b} OR (${a} IS NULL) <> (${b} IS NULL))`;
}

async function counts(db: Kysely<Database>, query: RawBuilder<unknown>): Promise<MergeCounts> {
  const { rows } = await query.execute(db);
  const row = (rows[0] ?? {}) as Record<string, unknown>;
  const total = Number(row.total ?? 0);
  const inserted = Number(row.inserted ?? 0);
  const updated = Number(row.updated ?? 0);
  return { inserted, updated, unchanged: total - inserted - updated };
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
  presentColumns: string[],
): Promise<MergeCounts> {
  return db.transaction().execute(async (trx) => {
    switch (kind) {
      case 'customers':
        return mergeCustomers(trx, importId, now, presentColumns);
      case 'orders':
        return mergeOrders(trx, importId, now);
      case 'spend':
        return mergeSpend(trx, importId, now);
      case 'events':
        return mergeEvents(trx, importId, now);
    }
  });
}

const CUSTOMER_FIELDS = ['email', 'name', 'signup_date', 'country', 'acquisition_channel'];

async function mergeCustomers(db: Kysely<Database>, importId: string, now: string, present: string[]): Promise<MergeCounts> {
  const fields = CUSTOMER_FIELDS.filter((f) => present.includes(f));
  const fieldDiffs = fields.map((f) => differs(`c.${f}`, `s.${f}`));
  fieldDiffs.push('(s.consent IS NOT NULL AND s.consent <> c.consent)');
  const attributeDiff = `EXISTS (SELECT 1 FROM import_staging_attributes a LEFT JOIN customer_attributes ca ON ca.customer_id = a.customer_id AND ca.name = a.name
      WHERE a.import_id = s.import_id AND a.customer_id = s.customer_id AND (ca.value IS NULL OR ca.value <> a.value))`;
  const result = await counts(
    db,
    sql`SELECT count(*) AS total,
          sum(CASE WHEN c.customer_id IS NULL THEN 1 ELSE 0 END) AS inserted,
          sum(CASE WHEN c.customer_id IS NOT NULL AND (${sql.raw([...fieldDiffs, attributeDiff].join(' OR '))}) THEN 1 ELSE 0 END) AS updated
        FROM import_staging_customers s LEFT JOIN customers c ON c.customer_id = s.customer_id
        WHERE s.import_id = ${importId}`,
  );
  const sets = [
    ...fields.map((f) => `${f} = excluded.${f}`),
    'consent = COALESCE(excluded.consent, customers.consent)',
    'updated_at = excluded.updated_at',
  ];
  const changed = [
    ...fields.map((f) => differs(`customers.${f}`, `excluded.${f}`)),
    '(excluded.consent IS NOT NULL AND excluded.consent <> customers.consent)',
  ];
  await sql`INSERT INTO customers (customer_id, email, name, signup_date, country, acquisition_channel, consent, created_at, updated_at)
      SELECT customer_id, email, name, signup_date, country, acquisition_channel, COALESCE(consent, 1), ${now}, ${now}
      FROM import_staging_customers WHERE import_id = ${importId}
      ON CONFLICT (customer_id) DO UPDATE SET ${sql.raw(sets.join(', '))}
      WHERE ${sql.raw(changed.join(' OR '))}`.execute(db);
  await sql`INSERT INTO customer_attributes (customer_id, name, value)
      SELECT customer_id, name, value FROM import_staging_attributes WHERE import_id = ${importId}
      ON CONFLICT (customer_id, name) DO UPDATE SET value = excluded.value
      WHERE customer_attributes.value <> excluded.value`.execute(db);
  return result;
}

/** One row per order, aggregated from its staged lines (a streaming pass over the staging key). */
function stagedOrders(importId: string): RawBuilder<unknown> {
  return sql`SELECT order_id, min(customer_id) AS customer_id, min(order_date) AS order_date, sum(gross_cents) AS gross_cents, sum(net_cents) AS net_cents,
        max(currency) AS currency, count(*) AS lines, CASE WHEN sum(gross_cents) > 0 AND substr(order_id, 1, 1) <> 'C' THEN 1 ELSE 0 END AS is_purchase
      FROM import_staging_order_lines WHERE import_id = ${importId}
      GROUP BY order_id`;
}

async function mergeOrders(db: Kysely<Database>, importId: string, now: string): Promise<MergeCounts> {
  // Unknown customers first (acquired at their first order); known ones are filtered out before grouping.
  const created = await sql`INSERT INTO customers (customer_id, country, signup_date, consent, created_at, updated_at)
      SELECT l.customer_id, max(l.country), substr(min(l.order_date), 1, 10), 1, ${now}, ${now}
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
          sum(CASE WHEN p.date IS NOT NULL AND (p.amount_cents <> s.amount_cents OR p.currency <> s.currency) THEN 1 ELSE 0 END) AS updated
        FROM import_staging_spend s LEFT JOIN spend p ON p.date = s.date AND p.channel = s.channel AND p.campaign = s.campaign
        WHERE s.import_id = ${importId}`,
  );
  await sql`INSERT INTO spend (date, channel, campaign, amount_cents, currency, updated_at)
      SELECT date, channel, campaign, amount_cents, currency, ${now} FROM import_staging_spend WHERE import_id = ${importId}
      ON CONFLICT (date, channel, campaign) DO UPDATE SET amount_cents = excluded.amount_cents, currency = excluded.currency, updated_at = excluded.updated_at
      WHERE spend.amount_cents <> excluded.amount_cents OR spend.currency <> excluded.currency`.execute(db);
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
  return result;
}
