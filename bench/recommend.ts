import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { loadConfig } from '../src/config/config.ts';
import { importLimits } from '../src/import/limits.ts';
import { runImport } from '../src/import/run-import.ts';
import type { Evaluation } from '../src/recommend/evaluate.ts';
import { performRecommendTask, storeAccess, type RecommendTaskInput } from '../src/recommend/recommend-task.ts';
import type { ModelDetails, RecommendationRun } from '../src/recommend/runs.ts';
import { createDatabase, dialectOf, sqlitePath } from '../src/store/database.ts';
import { migrateToLatest } from '../src/store/migrate.ts';
import { childJson } from './child.ts';
import { formatRow, peakRssMiB, type BenchRow } from './report.ts';

const HERE = fileURLToPath(import.meta.url);
const ROOT = path.resolve(path.dirname(HERE), '..');
/** The UCI Online Retail data beside the checkout (../shared/datasets), or under DATASETS_DIR. */
const DATA = path.resolve(process.env.DATASETS_DIR ?? path.join(ROOT, '..', 'shared', 'datasets'), 'online-retail', 'onlineretail.csv.gz');

interface Measured {
  run: RecommendationRun;
  seconds: number;
  cpuSeconds: number;
  maxRssMiB: number;
}

const sqliteFileOf = (url: string) => (dialectOf(url) === 'sqlite' ? sqlitePath(url) : undefined);

/** Child `import`: the data into a fresh store through /import's own code. */
async function importSide(databaseUrl: string): Promise<{ seconds: number; lines: number }> {
  const db = createDatabase(databaseUrl);
  await migrateToLatest(db);
  const started = performance.now();
  const result = await runImport(
    db,
    {
      kind: 'orders',
      source: { type: 'path', path: DATA, label: 'onlineretail.csv.gz' },
      strict: false,
      defaultCurrency: 'GBP',
      timeZone: 'UTC',
      defaultConsent: false,
      outDir: path.dirname(sqliteFileOf(databaseUrl) ?? os.tmpdir()),
      now: '2026-12-08T10:00:00.000Z',
      limits: importLimits(loadConfig({})),
    },
    undefined,
    { sqliteFile: sqliteFileOf(databaseUrl) },
  );
  await db.destroy();
  return { seconds: (performance.now() - started) / 1000, lines: result.line_items?.lines ?? 0 };
}

/** Child `train` or `evaluate`: the worker task's own code in this process (its peak memory is the task's). */
async function measuredSide(mode: 'train' | 'evaluate', databaseUrl: string): Promise<Measured> {
  const db = createDatabase(databaseUrl);
  const who = { createdBy: 'bench', platform: 'console', createdAt: '2026-12-08T10:00:00.000Z' };
  const input: RecommendTaskInput =
    mode === 'train' ? { mode, zone: 'UTC', ...who } : { mode, zone: 'UTC', holdoutDays: 30, k: 10, ...who };
  const cpu = process.cpuUsage();
  const started = performance.now();
  const output = await performRecommendTask(db, input, undefined, storeAccess(databaseUrl));
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  await db.destroy();
  return { run: (output as { run: RecommendationRun }).run, seconds, cpuSeconds: (used.user + used.system) / 1e6, maxRssMiB: peakRssMiB() };
}

function child<T>(mode: string, databaseUrl: string): Promise<T> {
  return childJson<T>(HERE, [mode, databaseUrl]);
}

const percent = (ratio: number) => Math.round(ratio * 1000) / 10;

/**
 * The UCI Online Retail data (541,909 lines) imported as orders with their products, then
 * `/recommend train` and `/recommend evaluate` (the last 30 days held out) each in a process of
 * its own: training time and peak memory against their targets, and the recommender's hit rate@10
 * and coverage against popularity, scored on the same customers in the same run.
 */
export async function benchRecommend(options: { databaseUrl?: string } = {}): Promise<BenchRow[]> {
  if (!existsSync(DATA)) {
    console.log(`skipped: ${DATA} is absent (the shared datasets sit beside the checkout; DATASETS_DIR names another folder)`);
    return [];
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'growthbot-bench-recommend-'));
  const url = options.databaseUrl ?? `sqlite:${path.join(dir, 'bench.db')}`;
  try {
    const imported = await child<{ seconds: number; lines: number }>('import', url);
    const train = await child<Measured>('train', url);
    const evaluate = await child<Measured>('evaluate', url);
    const model = train.run.details as ModelDetails;
    const e = evaluate.run.details as Evaluation & { timings_ms: { read: number } };
    const store = dialectOf(url) === 'sqlite' ? 'SQLite' : 'PostgreSQL';
    return [
      {
        name: `recommend train, Online Retail (${store})`,
        value: train.seconds,
        unit: 's',
        target: '< 10',
        pass: train.seconds < 10,
        notes: `${model.lines.toLocaleString('en-US')} purchase lines of ${train.run.customers.toLocaleString('en-US')} customers and ${train.run.products.toLocaleString('en-US')} products (${imported.lines.toLocaleString('en-US')} line items imported in ${imported.seconds.toFixed(1)} s): read ${model.timings_ms.read} ms, learn ${model.timings_ms.learn} ms, store ${Math.round(train.seconds * 1000 - model.timings_ms.read - model.timings_ms.learn)} ms; CPU ${train.cpuSeconds.toFixed(1)} s`,
      },
      {
        name: 'recommend train peak RSS',
        value: train.maxRssMiB,
        unit: 'MiB',
        target: '< 500',
        pass: train.maxRssMiB < 500,
        notes: `the training process; evaluate's ${evaluate.maxRssMiB.toFixed(0)} MiB`,
      },
      {
        name: 'recommend hit rate@10, last 30 days',
        value: percent(e.recommender.hit_rate),
        unit: '%',
        baseline: { name: 'popularity, same customers', value: percent(e.popularity.hit_rate) },
        ratio: e.recommender.hit_rate / e.popularity.hit_rate,
        target: '> 1 (beats popularity)',
        pass: e.recommender.hit_rate > e.popularity.hit_rate,
        notes: `${e.recommender.hits} vs ${e.popularity.hits} of ${e.customers.toLocaleString('en-US')} customers, learnt through ${e.train_through}`,
      },
      {
        name: 'recommend coverage@10',
        value: percent(e.recommender.coverage),
        unit: '%',
        baseline: { name: 'popularity', value: percent(e.popularity.coverage) },
        ratio: e.recommender.coverage / e.popularity.coverage,
        notes: `${e.recommender.products_recommended} vs ${e.popularity.products_recommended} of ${e.catalog.toLocaleString('en-US')} products`,
      },
      {
        name: 'recommend evaluate',
        value: evaluate.seconds,
        unit: 's',
        notes: `read ${e.timings_ms.read} ms, learn ${e.train.ms} ms, score ${e.score_ms} ms; peak RSS ${evaluate.maxRssMiB.toFixed(0)} MiB`,
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// `npx tsx bench/recommend.ts` (BENCH_RECOMMEND_DATABASE_URL=postgres://… for PostgreSQL: an empty database or schema).
if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const args = process.argv.slice(2);
  if (args[0] === '--child') {
    const [, mode, url] = args;
    const result = mode === 'import' ? await importSide(url!) : await measuredSide(mode as 'train' | 'evaluate', url!);
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } else {
    for (const row of await benchRecommend({ databaseUrl: process.env.BENCH_RECOMMEND_DATABASE_URL })) console.log(formatRow(row));
  }
}
