import type { Kysely } from 'kysely';
import { runInWorker, workerTask } from '../jobs/run-in-worker.ts';
import type { Database } from '../store/schema.ts';
import { writeDigestChart } from './chart.ts';
import { computeDigestData, type DigestData, type DigestOptions } from './content.ts';
import { contentHash } from './content-hash.ts';

const TASK = workerTask(new URL('./build-task.ts', import.meta.url));

export interface BuildInput {
  options: DigestOptions;
  outDir: string;
  /** File name of the chart without `.png`. */
  chartName: string;
}

export interface BuiltDigest {
  data: DigestData;
  /** Absolute path of the PNG; null for an empty period. */
  chart: string | null;
  hash: string;
  build_ms: number;
}

/** Queries and chart in this thread. */
export async function buildDigestData(db: Kysely<Database>, input: BuildInput): Promise<BuiltDigest> {
  const started = performance.now();
  const data = await computeDigestData(db, input.options);
  return finish(data, input, started);
}

async function finish(data: DigestData, input: BuildInput, started: number): Promise<BuiltDigest> {
  const chart = data.empty ? null : await writeDigestChart(data, input.outDir, input.chartName);
  return { data, chart, hash: contentHash(data), build_ms: Math.round(performance.now() - started) };
}

/**
 * The queries, whose cost grows with the store, run in a worker thread with its own connection (in-process for
 * an in-memory store); the chart, a constant ~100 ms once the renderer is loaded, is drawn here.
 */
export async function buildDigest(db: Kysely<Database>, databaseUrl: string, input: BuildInput): Promise<BuiltDigest> {
  if (databaseUrl === 'sqlite::memory:' || databaseUrl === 'sqlite:memory:') return buildDigestData(db, input);
  const started = performance.now();
  const data = await runInWorker<{ databaseUrl: string; options: DigestOptions }, DigestData>(TASK, {
    databaseUrl,
    options: input.options,
  });
  return finish(data, input, started);
}
