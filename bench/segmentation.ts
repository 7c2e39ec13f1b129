import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { loadRegistry } from '../commands/index.ts';
import { loadConfig } from '../src/config/config.ts';
import { Bot } from '../src/core/bot.ts';
import { fetchCustomerFeatures } from '../src/segmentation/customer-features.ts';
import { kmeans } from '../src/segmentation/kmeans.ts';
import { transformFeatures } from '../src/segmentation/transforms.ts';
import { createDatabase } from '../src/store/database.ts';
import { migrateToLatest } from '../src/store/migrate.ts';
import { workerPool } from '../src/jobs/worker-pool.ts';
import { plainLloyd } from './segmentation-core.ts';
import { AS_OF, generateStoreApart } from './generate-store.ts';
import { formatRow, peakRssMiB, type BenchRow } from './report.ts';

const SEED = 11;

function timed<T>(run: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const started = performance.now();
  return run().then((result) => ({ result, ms: performance.now() - started }));
}

/**
 * The whole `/segment run` through the bot core (worker thread: features in SQL from stored
 * orders, transforms, k-means, stored memberships, charts) for k=5 and k=auto, each next to
 * a plain Lloyd's loop over the same standardized features from the same start.
 */
export async function benchSegmentation(customers = 1_000_000): Promise<BenchRow[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'growthbot-bench-segment-'));
  const url = `sqlite:${path.join(dir, 'bench.db')}`;
  try {
    const setupDb = createDatabase(url);
    await migrateToLatest(setupDb);
    await setupDb.destroy();
    const generated = performance.now();
    const { orders } = generateStoreApart(path.join(dir, 'bench.db'), customers, SEED);
    const generateMs = performance.now() - generated;

    const db = createDatabase(url);
    const config = loadConfig({ DATABASE_URL: url, OUT_DIR: path.join(dir, 'out') });
    const bot = new Bot({ db, config, logger: pino({ level: 'silent' }), registry: await loadRegistry(), outDir: path.join(dir, 'out') });
    const caller = { platform: 'console' as const, userId: 'bench', channelId: 'console' };
    // as `npm start` does: the runs find a worker with their code loaded
    const warm = await timed(() => workerPool.warm());

    const fixed = await timed(() => bot.execute({ caller, text: `/segment run k=5 seed=${SEED} as_of=${AS_OF}` }));
    if (!fixed.result.ok) throw new Error(`k=5 run failed: ${JSON.stringify(fixed.result.data)}`);
    const auto = await timed(() => bot.execute({ caller, text: `/segment run seed=${SEED} as_of=${AS_OF}` }));
    if (!auto.result.ok) throw new Error(`k=auto run failed: ${JSON.stringify(auto.result.data)}`);
    const peak = peakRssMiB();
    const fixedData = fixed.result.data as { inertia: number; customers: number; run_id: number };
    const autoData = auto.result.data as { inertia: number; k: number };
    const stages = async (runId: number) => {
      const row = await db.selectFrom('segment_runs').select('details').where('id', '=', runId).executeTakeFirstOrThrow();
      const t = (JSON.parse(row.details) as { timings_ms: { features: number; cluster: number } }).timings_ms;
      return `features ${t.features} ms, clustering ${t.cluster} ms, storing + charts ${Math.round((runId === fixedData.run_id ? fixed.ms : auto.ms) - t.features - t.cluster)} ms`;
    };
    const fixedStages = await stages(fixedData.run_id);
    const autoStages = await stages((auto.result.data as { run_id: number }).run_id);
    const stored = await db
      .selectFrom('segment_members')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('run_id', '=', fixedData.run_id)
      .executeTakeFirstOrThrow();

    // nothing else running while the baseline is timed (a retired worker's replacement would be warming)
    await workerPool.close();
    // Baseline: the same standardized features, the same start the run's final Lloyd used (untimed preparation).
    const features = await fetchCustomerFeatures(db, { features: ['recency', 'frequency', 'monetary'], asOf: AS_OF, zone: 'UTC' });
    const { matrix } = transformFeatures({ names: features.names, rows: features.ids.length, values: features.values });
    const startFixed = kmeans(matrix, 5, { seed: SEED }).start;
    const baseFixed = await timed(async () => plainLloyd(matrix.values, matrix.rows, 3, startFixed, 5, 300));
    const startAuto = kmeans(matrix, autoData.k, { seed: SEED }).start;
    const baseAuto = await timed(async () => plainLloyd(matrix.values, matrix.rows, 3, startAuto, autoData.k, 300));
    await db.destroy();

    const same = (a: number, b: number) => Math.abs(a - b) <= 1e-6 * Math.max(1, b);
    const n = customers.toLocaleString('en-US');
    return [
      { name: `segmentation store: ${n} customers, ${orders.toLocaleString('en-US')} orders generated`, value: generateMs, unit: 'ms' },
      { name: 'worker warmed at start-up (as npm start does; not part of the runs)', value: warm.ms, unit: 'ms' },
      {
        name: `/segment run k=5, ${n} customers (stored orders -> SQL features -> k-means in a worker -> ${Number(stored.n).toLocaleString('en-US')} stored memberships)`,
        value: fixed.ms,
        unit: 'ms',
        baseline: { name: 'plain Lloyd, same standardized features and start', value: baseFixed.ms },
        ratio: fixed.ms / baseFixed.ms,
        target: '<= 2x',
        pass: fixed.ms <= 2 * baseFixed.ms,
        notes: `${fixedStages}; inertia ${fixedData.inertia.toFixed(1)}${same(fixedData.inertia, baseFixed.result.inertia) ? ' = baseline' : ` vs baseline ${baseFixed.result.inertia.toFixed(1)}`}; baseline iterations ${baseFixed.result.iterations}`,
      },
      {
        name: `/segment run k=auto, ${n} customers (chose k=${autoData.k})`,
        value: auto.ms,
        unit: 'ms',
        baseline: { name: "the k=5 run's plain Lloyd baseline (same run)", value: baseFixed.ms },
        ratio: auto.ms / baseFixed.ms,
        target: '<= 6x',
        pass: auto.ms <= 6 * baseFixed.ms,
        notes: `${autoStages}; inertia ${autoData.inertia.toFixed(1)}${same(autoData.inertia, baseAuto.result.inertia) ? ` = plain Lloyd k=${autoData.k} from the same start` : ` vs plain Lloyd k=${autoData.k} ${baseAuto.result.inertia.toFixed(1)}`}; for information: ${(auto.ms / baseAuto.ms).toFixed(1)}x a plain Lloyd k=${autoData.k} (${Math.round(baseAuto.ms)} ms, ${baseAuto.result.iterations} iterations)`,
      },
      { name: 'segmentation peak memory (RSS, main + worker threads)', value: peak, unit: 'MiB', target: '< 1024', pass: peak < 1024 },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const customers = process.argv[2] ? Number(process.argv[2]) : undefined;
  for (const row of await benchSegmentation(customers)) console.log(formatRow(row));
}
