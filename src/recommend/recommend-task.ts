import type { Kysely } from 'kysely';
import type { ProgressUpdate } from '../core/context.ts';
import { UserError } from '../core/errors.ts';
import { createDatabase, dialectOf, sqlitePath } from '../store/database.ts';
import type { Database } from '../store/schema.ts';
import { CO_PURCHASE_DEFAULTS } from './co-purchases.ts';
import { evaluateHoldout } from './evaluate.ts';
import { learnModel } from './model.ts';
import { inactiveProducts, latestPurchaseDay, readPurchases } from './purchases.ts';
import { METHOD, storeEvaluation, storeModel, type RecommendationRun } from './runs.ts';
import { segmentProducts, type SegmentProducts } from './segment-products.ts';

interface Who {
  createdBy: string;
  platform: string;
  createdAt: string;
}

export type RecommendTaskInput = { databaseUrl?: string } & (
  | ({ mode: 'train'; asOf?: string; zone: string } & Who)
  | ({ mode: 'evaluate'; holdoutDays: number; k: number; zone: string } & Who)
  | { mode: 'segment'; segmentId: number; limit: number }
);

export type RecommendTaskOutput = { run: RecommendationRun } | { segment: SegmentProducts };

type Progress = (update: ProgressUpdate) => void;

/** Worker entry: opens its own connection to the store named by `databaseUrl`. */
export default async function recommendTask(input: RecommendTaskInput, progress: Progress): Promise<RecommendTaskOutput> {
  const url = input.databaseUrl!;
  const db = createDatabase(url);
  try {
    return await performRecommendTask(db, input, progress, storeAccess(url));
  } finally {
    await db.destroy();
  }
}

export interface StoreAccess {
  /** The store's SQLite file, for the streaming read and the prepared-statement writes (absent: kysely only). */
  sqliteFile?: string;
  /** The store's PostgreSQL URL, for the read through a cursor. */
  postgresUrl?: string;
}

/** How a worker reaches the store named by a DATABASE_URL besides kysely. */
export function storeAccess(url: string): StoreAccess {
  if (dialectOf(url) === 'postgres') return { postgresUrl: url };
  const file = sqlitePath(url);
  return file === ':memory:' ? {} : { sqliteFile: file };
}

/** Learning, evaluating or a segment's products, on a given store (the worker's, or an in-memory one in-process). */
export async function performRecommendTask(
  db: Kysely<Database>,
  input: RecommendTaskInput,
  progress: Progress = () => {},
  access: StoreAccess = {},
): Promise<RecommendTaskOutput> {
  if (input.mode === 'segment') return { segment: await segmentProducts(db, input.segmentId, input.limit, await inactiveProducts(db)) };
  const latest = await latestPurchaseDay(db, input.zone);
  if (latest === null) {
    throw new UserError('no_line_items', 'There are no purchases with products in the store: nothing to learn recommendations from.', {
      hint: 'Import orders with a product column (product_id, SKU or StockCode; a product name alone works too): /import orders <file>.',
    });
  }
  const through = input.mode === 'train' ? (input.asOf ?? latest) : latest;
  let started = performance.now();
  progress({ fraction: 0, message: 'reading purchases' });
  const purchases = await readPurchases(db, through, input.zone, {
    ...access,
    onProgress: (lines) => progress({ fraction: null, message: `read ${lines.toLocaleString('en-US')} purchase lines` }),
  });
  const readMs = Math.round(performance.now() - started);
  const who = { created_at: input.createdAt, created_by: input.createdBy, platform: input.platform };
  if (input.mode === 'evaluate') {
    progress({ fraction: 0.4, message: 'learning and scoring on the holdout' });
    const evaluation = evaluateHoldout(purchases, {
      through,
      holdoutDays: input.holdoutDays,
      k: input.k,
      inactive: await inactiveProducts(db),
    });
    if (evaluation.customers === 0) {
      throw new UserError(
        'nothing_to_evaluate',
        `No customer both bought before ${evaluation.holdout_from} and bought something new to them from then to ${through}: there is nothing to score recommendations on.`,
        { hint: 'Evaluate on a longer holdout (e.g. holdout_days=90), or once more purchases with products are imported.' },
      );
    }
    const run = await storeEvaluation(db, {
      kind: 'evaluation',
      method: METHOD,
      as_of: through,
      parameters: { ...CO_PURCHASE_DEFAULTS, k: input.k, holdout_days: input.holdoutDays },
      details: { ...evaluation, timings_ms: { read: readMs } },
      customers: evaluation.customers,
      products: evaluation.catalog,
      ...who,
    });
    return { run };
  }
  progress({ fraction: 0.4, message: 'learning co-purchases' });
  started = performance.now();
  const model = learnModel(purchases);
  const learnMs = Math.round(performance.now() - started);
  progress({ fraction: 0.7, message: 'storing the model' });
  started = performance.now();
  const details = { lines: model.lines, pairs: model.pairs, timings_ms: { read: readMs, learn: learnMs } };
  const run = await storeModel(
    db,
    {
      kind: 'model',
      method: METHOD,
      as_of: through,
      parameters: CO_PURCHASE_DEFAULTS,
      details,
      customers: model.customers,
      products: model.popular.length,
      ...who,
    },
    model,
    purchases.productIds,
    access.sqliteFile,
  );
  details.timings_ms = { ...details.timings_ms, store: Math.round(performance.now() - started) } as typeof details.timings_ms;
  return { run: { ...run, details } };
}
