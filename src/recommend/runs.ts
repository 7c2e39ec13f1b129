import SQLite from 'better-sqlite3';
import { CompiledQuery, type Kysely } from 'kysely';
import { yieldToForeground } from '../jobs/foreground.ts';
import { bulkWriteChunk, yieldToWaitingWrites } from '../store/write-priority.ts';
import type { Database } from '../store/schema.ts';
import type { CoPurchaseOptions } from './co-purchases.ts';
import type { Evaluation } from './evaluate.ts';
import type { LearntModel } from './model.ts';
import type { Near } from './rank.ts';

export type RunKind = 'model' | 'evaluation';

export const METHOD = 'item-to-item co-purchases (cosine over customers)';

/** What a model learnt from and how long each step took. */
export interface ModelDetails {
  lines: number;
  pairs: number;
  timings_ms: { read: number; learn: number; store?: number };
}

export interface RecommendationRun {
  id: number;
  kind: RunKind;
  method: string;
  /** Learnt from purchases up to the end of this business day (an evaluation: the holdout's last day). */
  as_of: string;
  parameters: CoPurchaseOptions & { k?: number; holdout_days?: number };
  details: ModelDetails | (Evaluation & { timings_ms: { read: number } });
  customers: number;
  products: number;
  created_at: string;
  created_by: string;
  platform: string;
}

export type NewRun = Omit<RecommendationRun, 'id'>;

/** Products by popularity kept per model: enough to fill any list after leaving out what a customer bought. */
export const POPULAR_KEPT = 1000;
const ROWS_PER_INSERT = 1000;
/** Rows per transaction: short write transactions, so the bot's own writes never wait long. */
const ROWS_PER_COMMIT = 20_000;

function toRun(row: Record<string, unknown>): RecommendationRun {
  return {
    id: Number(row.id),
    kind: row.kind as RunKind,
    method: String(row.method),
    as_of: String(row.as_of),
    parameters: JSON.parse(String(row.parameters)) as RecommendationRun['parameters'],
    details: JSON.parse(String(row.details)) as RecommendationRun['details'],
    customers: Number(row.customers),
    products: Number(row.products),
    created_at: String(row.created_at),
    created_by: String(row.created_by),
    platform: String(row.platform),
  };
}

async function insertRun(db: Kysely<Database>, run: NewRun, status: string): Promise<number> {
  const row = await db
    .insertInto('recommendation_runs')
    .values({ ...run, parameters: JSON.stringify(run.parameters), details: JSON.stringify(run.details), status })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

/** Stores an evaluation: its figures only. */
export async function storeEvaluation(db: Kysely<Database>, run: NewRun): Promise<RecommendationRun> {
  return { ...run, id: await insertRun(db, run, 'complete') };
}

/**
 * Stores a model: the run row first with status 'storing' (readers skip it), its neighbours and
 * most popular products in short transactions of multi-row inserts, then status 'complete'. A run
 * a crash left half-stored is dropped by the next one (runs are stored one at a time, under a lease).
 */
export async function storeModel(
  db: Kysely<Database>,
  run: NewRun,
  model: LearntModel,
  productIds: string[],
  sqliteFile?: string,
): Promise<RecommendationRun> {
  await dropIncompleteRuns(db);
  const id = await insertRun(db, run, 'storing');
  try {
    const { offsets, ids, scores, coBuyers } = model.neighbours;
    const neighbours: unknown[][] = [];
    for (let p = 0; p < productIds.length; p++)
      for (let k = offsets[p]!; k < offsets[p + 1]!; k++)
        neighbours.push([id, productIds[p], k - offsets[p]! + 1, productIds[ids[k]!], scores[k], coBuyers[k]]);
    const popular = [...model.popular.subarray(0, POPULAR_KEPT)].map((p, i) => [id, i + 1, productIds[p], model.buyers[p]]);
    const insert = sqliteFile ? sqliteInserts(sqliteFile) : kyselyInserts;
    await insert(db, 'recommendation_neighbours', ['run_id', 'product_id', 'rank', 'neighbour_id', 'score', 'co_buyers'], neighbours);
    await insert(db, 'recommendation_popular', ['run_id', 'rank', 'product_id', 'buyers'], popular);
    await db.updateTable('recommendation_runs').set({ status: 'complete' }).where('id', '=', id).execute();
    return { ...run, id };
  } catch (error) {
    await dropRun(db, id).catch(() => undefined);
    throw error;
  }
}

type ModelTable = 'recommendation_neighbours' | 'recommendation_popular';
type Inserts = (db: Kysely<Database>, table: ModelTable, columns: string[], rows: unknown[][]) => Promise<void>;

/** The multi-row INSERT of `count` rows, as the store's dialect writes it. */
function insertStatement(db: Kysely<Database>, table: ModelTable, columns: string[], count: number): string {
  return db
    .insertInto(table)
    .values(Array.from({ length: count }, () => Object.fromEntries(columns.map((c) => [c, 0]))) as never)
    .compile().sql;
}

/** Multi-row inserts of ROWS_PER_INSERT rows (one statement compiled once), ROWS_PER_COMMIT rows per transaction. */
const kyselyInserts: Inserts = async (db, table, columns, rows) => {
  const full = insertStatement(db, table, columns, ROWS_PER_INSERT);
  for (let from = 0; from < rows.length; from += ROWS_PER_COMMIT) {
    yieldToForeground();
    await db.transaction().execute(async (trx) => {
      const end = Math.min(rows.length, from + ROWS_PER_COMMIT);
      for (let at = from; at < end; at += ROWS_PER_INSERT) {
        const chunk = rows.slice(at, Math.min(end, at + ROWS_PER_INSERT));
        const statement = chunk.length === ROWS_PER_INSERT ? full : insertStatement(db, table, columns, chunk.length);
        await trx.executeQuery(CompiledQuery.raw(statement, chunk.flat()));
      }
    });
  }
};

/** The same statements and transactions, prepared once on a SQLite connection of its own and run synchronously. */
function sqliteInserts(file: string): Inserts {
  return async (db, table, columns, rows) => {
    const sqlite = new SQLite(file, { fileMustExist: true });
    try {
      sqlite.pragma('busy_timeout = 10000');
      sqlite.pragma('synchronous = NORMAL');
      sqlite.pragma('secure_delete = ON');
      const full = sqlite.prepare(insertStatement(db, table, columns, ROWS_PER_INSERT));
      const commit = sqlite.transaction((from: number, end: number) => {
        for (let at = from; at < end; at += ROWS_PER_INSERT) {
          const chunk = rows.slice(at, Math.min(end, at + ROWS_PER_INSERT));
          (chunk.length === ROWS_PER_INSERT ? full : sqlite.prepare(insertStatement(db, table, columns, chunk.length))).run(chunk.flat());
        }
      });
      for (let from = 0; from < rows.length; from += ROWS_PER_COMMIT) {
        // chat acks and the bot's own writes go first
        yieldToForeground();
        yieldToWaitingWrites();
        bulkWriteChunk(() => commit(from, Math.min(rows.length, from + ROWS_PER_COMMIT)));
      }
    } finally {
      sqlite.close();
    }
  };
}

/** Drops model runs left 'storing' by a crash. */
export async function dropIncompleteRuns(db: Kysely<Database>): Promise<void> {
  const stale = await db.selectFrom('recommendation_runs').select('id').where('status', '<>', 'complete').execute();
  for (const { id } of stale) await dropRun(db, Number(id));
}

async function dropRun(db: Kysely<Database>, runId: number): Promise<void> {
  await db.deleteFrom('recommendation_neighbours').where('run_id', '=', runId).execute();
  await db.deleteFrom('recommendation_popular').where('run_id', '=', runId).execute();
  await db.deleteFrom('recommendation_runs').where('id', '=', runId).execute();
}

/** The newest complete run of a kind. */
export async function latestRun(db: Kysely<Database>, kind: RunKind): Promise<RecommendationRun | undefined> {
  const row = await db
    .selectFrom('recommendation_runs')
    .selectAll()
    .where('kind', '=', kind)
    .where('status', '=', 'complete')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ? toRun(row) : undefined;
}

const IN_LIST = 500;

/** The stored nearest products of some products, by product. */
export async function storedNeighbours(db: Kysely<Database>, runId: number, products: string[]): Promise<Map<string, Near<string>[]>> {
  const near = new Map<string, Near<string>[]>();
  for (let i = 0; i < products.length; i += IN_LIST) {
    const rows = await db
      .selectFrom('recommendation_neighbours')
      .select(['product_id', 'neighbour_id', 'score', 'co_buyers'])
      .where('run_id', '=', runId)
      .where('product_id', 'in', products.slice(i, i + IN_LIST))
      .orderBy('product_id')
      .orderBy('rank')
      .execute();
    for (const row of rows) {
      let list = near.get(row.product_id);
      if (!list) near.set(row.product_id, (list = []));
      list.push({ product: row.neighbour_id, score: Number(row.score), coBuyers: Number(row.co_buyers) });
    }
  }
  return near;
}

/** A model's most bought products, most first. */
export async function storedPopular(db: Kysely<Database>, runId: number): Promise<{ product: string; buyers: number }[]> {
  const rows = await db
    .selectFrom('recommendation_popular')
    .select(['product_id', 'buyers'])
    .where('run_id', '=', runId)
    .orderBy('rank')
    .execute();
  return rows.map((r) => ({ product: r.product_id, buyers: Number(r.buyers) }));
}
