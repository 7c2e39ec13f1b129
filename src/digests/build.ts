import type { Kysely } from 'kysely';
import { runInWorker, workerTask } from '../jobs/run-in-worker.ts';
import type { Database } from '../store/schema.ts';
import { writeDigestChart } from './chart.ts';
import type { DigestTaskInput } from './build-task.ts';
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

/** Queries in this thread (the chart is drawn by a worker, see writeChart). */
export async function buildDigestData(db: Kysely<Database>, input: BuildInput): Promise<BuiltDigest> {
  const started = performance.now();
  const data = await computeDigestData(db, input.options);
  const chart = data.empty ? null : await writeDigestChart(data, input.outDir, input.chartName);
  return built(data, chart, started);
}

function built(data: DigestData, chart: string | null, started: number): BuiltDigest {
  return { data, chart, hash: contentHash(data), build_ms: Math.round(performance.now() - started) };
}

/**
 * The queries, whose cost grows with the store, and the chart run in a worker thread with its own connection
 * (the queries in-process for an in-memory store, which a worker cannot open).
 */
export async function buildDigest(db: Kysely<Database>, databaseUrl: string, input: BuildInput): Promise<BuiltDigest> {
  if (databaseUrl === 'sqlite::memory:' || databaseUrl === 'sqlite:memory:') return buildDigestData(db, input);
  const started = performance.now();
  const { data, chart } = await runInWorker<DigestTaskInput, { data: DigestData; chart: string | null }>(TASK, {
    databaseUrl,
    options: input.options,
    outDir: input.outDir,
    chartName: input.chartName,
  });
  return built(data, chart, started);
}
