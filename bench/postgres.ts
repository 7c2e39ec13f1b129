import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import SQLite from 'better-sqlite3';
import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import pino from 'pino';
import { loadRegistry } from '../commands/index.ts';
import { loadConfig } from '../src/config/config.ts';
import { Bot } from '../src/core/bot.ts';
import { buildDigest } from '../src/digests/build.ts';
import { computeDigestData } from '../src/digests/content.ts';
import { createDatabase } from '../src/store/database.ts';
import { migrateToLatest } from '../src/store/migrate.ts';
import type { Database } from '../src/store/schema.ts';
import { randomInt, seededRandom } from '../src/util/random.ts';
import { benchImport } from './import.ts';
import { formatRow, type BenchRow } from './report.ts';
import { generateStoreApart } from './generate-store.ts';

/**
 * The import, segmentation and digest benchmarks on SQLite and on PostgreSQL in the same run.
 * Import: bench/import.ts's benchImport against each store. Segmentation and digest: one seeded
 * store (bench/segmentation.ts's generator, plus channels and daily spend) written to SQLite and
 * copied row for row into a fresh PostgreSQL schema, then the same `/segment run` through the bot
 * core (worker thread) and the same digest build on each.
 *
 * `npx tsx bench/postgres.ts [customers]` (default 100,000; BENCH_PG_CUSTOMERS), PostgreSQL from
 * BENCH_DATABASE_URL, else TEST_DATABASE_URL, else postgres://postgres@127.0.0.1:5432/test.
 */

const AS_OF = '2026-06-30';
const SEND_DATE = '2026-06-29';
const SEED = 11;
const CHANNELS = ['google', 'meta', 'tiktok', 'email', 'affiliate'];

export function withSearchPath(base: string, schema: string): string {
  const url = new URL(base);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.toString();
}

export async function adminQuery(base: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: base, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/** Channels on customers and a year of daily spend per channel, so the digest has every section to compute. */
function addChannelsAndSpend(file: string): void {
  const db = new SQLite(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  db.exec(
    `update customers set acquisition_channel = case abs(unicode(substr(customer_id, -1))) % 5 ${CHANNELS.map((c, i) => `when ${i} then '${c}'`).join(' ')} end`,
  );
  const random = seededRandom(SEED);
  const insert = db.prepare(
    "insert into spend (date, channel, campaign, amount_cents, currency, updated_at) values (?, ?, '', ?, 'USD', '2026-07-01T00:00:00.000Z')",
  );
  const first = Date.parse('2025-07-01');
  db.transaction(() => {
    for (let day = 0; day < 365; day++) {
      const date = new Date(first + day * 86_400_000).toISOString().slice(0, 10);
      for (const channel of CHANNELS) insert.run(date, channel, randomInt(random, 50_000, 150_000));
    }
  })();
  db.exec('analyze');
  db.close();
}

const COPIED: { table: 'customers' | 'orders' | 'spend'; columns: string[]; types: string[] }[] = [
  {
    table: 'customers',
    columns: ['customer_id', 'email', 'name', 'signup_date', 'country', 'acquisition_channel', 'consent', 'created_at', 'updated_at'],
    types: ['text', 'text', 'text', 'text', 'text', 'text', 'int4', 'text', 'text'],
  },
  {
    table: 'orders',
    columns: ['order_id', 'customer_id', 'order_date', 'gross_cents', 'net_cents', 'currency', 'lines', 'is_purchase', 'updated_at'],
    types: ['text', 'text', 'text', 'int8', 'int8', 'text', 'int4', 'int4', 'text'],
  },
  {
    table: 'spend',
    columns: ['date', 'channel', 'campaign', 'amount_cents', 'currency', 'updated_at'],
    types: ['text', 'text', 'text', 'int8', 'text', 'text'],
  },
];

/** Copies the generated rows into PostgreSQL: one `insert … select from unnest(arrays)` per 20,000 rows. */
export async function copyToPostgres(file: string, db: Kysely<Database>): Promise<number> {
  const source = new SQLite(file, { readonly: true });
  let rows = 0;
  for (const { table, columns, types } of COPIED) {
    const select = source.prepare(`select ${columns.join(', ')} from ${table}`).raw(true);
    let batch: unknown[][] = columns.map(() => []);
    const flush = async () => {
      if (batch[0]!.length === 0) return;
      const arrays = batch.map((values, i) => sql`${values}::${sql.raw(types[i]!)}[]`);
      await sql`insert into ${sql.table(table)} (${sql.join(columns.map((c) => sql.ref(c)))}) select * from unnest(${sql.join(arrays)})`.execute(
        db,
      );
      rows += batch[0]!.length;
      batch = columns.map(() => []);
    };
    for (const row of select.iterate() as Iterable<unknown[]>) {
      for (let i = 0; i < columns.length; i++) batch[i]!.push(row[i]);
      if (batch[0]!.length === 20_000) await flush();
    }
    await flush();
  }
  source.close();
  await sql`analyze`.execute(db);
  return rows;
}

interface StoreFigures {
  segmentK5Ms: number;
  segmentAutoMs: number;
  chosenK: number;
  digestWeekMs: number;
  digestMonthMs: number;
  digestQueriesWeekMs: number;
  digestQueriesMonthMs: number;
}

async function timed<T>(work: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const started = performance.now();
  const result = await work();
  return { result, ms: performance.now() - started };
}

/** The same segmentation and digest work on one store. */
async function measure(url: string, outDir: string): Promise<StoreFigures> {
  const db = createDatabase(url);
  try {
    const config = loadConfig({ DATABASE_URL: url, OUT_DIR: outDir });
    const bot = new Bot({ db, config, logger: pino({ level: 'silent' }), registry: await loadRegistry(), outDir });
    const caller = { platform: 'console' as const, userId: 'bench', channelId: 'console' };
    const k5 = await timed(() => bot.execute({ caller, text: `/segment run k=5 seed=${SEED} as_of=${AS_OF}` }));
    if (!k5.result.ok) throw new Error(`/segment run k=5 failed on ${url}: ${JSON.stringify(k5.result.data)}`);
    const auto = await timed(() => bot.execute({ caller, text: `/segment run seed=${SEED} as_of=${AS_OF}` }));
    if (!auto.result.ok) throw new Error(`/segment run k=auto failed on ${url}: ${JSON.stringify(auto.result.data)}`);
    const options = (period: 'week' | 'month') => ({
      period,
      sections: ['kpis', 'channels', 'campaigns', 'segments'] as ('kpis' | 'channels' | 'campaigns' | 'segments')[],
      send_date: SEND_DATE,
      currency: 'USD',
      zone: 'UTC',
    });
    const digest = async (period: 'week' | 'month') =>
      (await timed(() => buildDigest(db, url, { options: options(period), outDir, chartName: `bench-${period}` }))).ms;
    const queries = async (period: 'week' | 'month') => (await timed(() => computeDigestData(db, options(period)))).ms;
    return {
      segmentK5Ms: k5.ms,
      segmentAutoMs: auto.ms,
      chosenK: (auto.result.data as { k: number }).k,
      digestWeekMs: await digest('week'),
      digestMonthMs: await digest('month'),
      digestQueriesWeekMs: await queries('week'),
      digestQueriesMonthMs: await queries('month'),
    };
  } finally {
    await db.destroy();
  }
}

function side(name: string, sqlite: number, postgres: number, unit: string, notes?: string): BenchRow {
  return {
    name: `${name} on PostgreSQL`,
    value: postgres,
    unit,
    baseline: { name: 'SQLite, same run', value: sqlite },
    ratio: postgres / sqlite,
    notes,
  };
}

export async function benchPostgres(options: { customers?: number; databaseUrl?: string } = {}): Promise<BenchRow[]> {
  const customers = options.customers ?? 100_000;
  const base = options.databaseUrl ?? 'postgres://postgres@127.0.0.1:5432/test';
  const rows: BenchRow[] = [];

  // Import: /import's own code on each store (bench/import.ts; its baseline is a bare SQLite INSERT).
  const importSchema = `bench_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  await adminQuery(base, `create schema ${importSchema}`);
  try {
    const orders = customers * 5;
    const sqliteImport = await benchImport({ customers, orders });
    const pgImport = await benchImport({ customers, orders, databaseUrl: withSearchPath(base, importSchema) });
    for (const [i, row] of pgImport.entries()) {
      const lite = sqliteImport[i]!;
      if (row.unit === 'rows/s')
        rows.push(side(row.name, lite.value, row.value, row.unit, `PostgreSQL ${row.notes ?? ''}; SQLite ${lite.notes ?? ''}`));
    }
  } finally {
    await adminQuery(base, `drop schema if exists ${importSchema} cascade`);
  }

  // Segmentation and digest: one generated store, on SQLite and copied to PostgreSQL.
  const dir = mkdtempSync(path.join(os.tmpdir(), 'growthbot-bench-pg-'));
  const schema = `bench_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  await adminQuery(base, `create schema ${schema}`);
  try {
    const file = path.join(dir, 'bench.db');
    const sqliteUrl = `sqlite:${file}`;
    const pgUrl = withSearchPath(base, schema);
    const migrated = createDatabase(sqliteUrl);
    await migrateToLatest(migrated);
    await migrated.destroy();
    const generated = performance.now();
    const { orders } = generateStoreApart(file, customers, SEED);
    addChannelsAndSpend(file);
    const generateS = (performance.now() - generated) / 1000;
    const pgDb = createDatabase(pgUrl);
    await migrateToLatest(pgDb);
    const copied = await timed(() => copyToPostgres(file, pgDb));
    await pgDb.destroy();
    rows.push({
      name: `store: ${customers.toLocaleString('en-US')} customers, ${orders.toLocaleString('en-US')} orders`,
      value: copied.ms,
      unit: 'ms',
      notes: `generated into SQLite in ${generateS.toFixed(1)} s; this is the copy of ${copied.result.toLocaleString('en-US')} rows to PostgreSQL`,
    });

    const lite = await measure(sqliteUrl, path.join(dir, 'out-sqlite'));
    const post = await measure(pgUrl, path.join(dir, 'out-pg'));
    rows.push(side('/segment run k=5 (worker)', lite.segmentK5Ms, post.segmentK5Ms, 'ms'));
    rows.push(
      side(
        '/segment run k=auto (worker)',
        lite.segmentAutoMs,
        post.segmentAutoMs,
        'ms',
        `chose k=${post.chosenK} on PostgreSQL, k=${lite.chosenK} on SQLite`,
      ),
    );
    rows.push(side('digest week (worker, incl. chart)', lite.digestWeekMs, post.digestWeekMs, 'ms'));
    rows.push(side('digest month (worker, incl. chart)', lite.digestMonthMs, post.digestMonthMs, 'ms'));
    rows.push(side('digest week queries only', lite.digestQueriesWeekMs, post.digestQueriesWeekMs, 'ms'));
    rows.push(side('digest month queries only', lite.digestQueriesMonthMs, post.digestQueriesMonthMs, 'ms'));
  } finally {
    await adminQuery(base, `drop schema if exists ${schema} cascade`);
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const customers = Number(process.argv[2] ?? process.env.BENCH_PG_CUSTOMERS ?? 100_000);
  const databaseUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  for (const row of await benchPostgres({ customers, databaseUrl })) console.log(formatRow(row));
}
