import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { sql } from 'kysely';
import pino from 'pino';
// @ts-expect-error plain JavaScript build script, no type declarations
import { build, dist } from '../scripts/build.mjs';
import { loadConfig } from '../src/config/config.ts';
import { createDatabase } from '../src/store/database.ts';
import { migrateToLatest } from '../src/store/migrate.ts';
import { clvAnchor } from './clv-anchor.ts';
import { AS_OF, generateStoreApart } from './generate-store.ts';
import { adminQuery, copyToPostgres, withSearchPath } from './postgres.ts';
import { formatRow, peakRssMiB, type BenchRow } from './report.ts';

/**
 * `/clv model` and `/clv value` through the bot core of the compiled build (dist/, as `npm start`
 * runs it: fitted in a worker thread, charts drawn) on a generated store, on SQLite and on PostgreSQL, each next to the anchor
 * (bench/clv-anchor.ts: one SQL pass for the per-customer summary, then the fit) on the same store in
 * the same run. Every run is a child process of its own (its peak RSS is its own, the fitted-model cache
 * starts empty); the runs alternate and each figure is the median of ROUNDS. The anchor runs at the
 * worker threads' niceness (JOB_NICENESS), so both get the same share of a busy machine.
 *
 * `npx tsx bench/clv-commands.ts [customers]` (default 1,000,000; BENCH_CLV_CUSTOMERS), PostgreSQL from
 * BENCH_DATABASE_URL, else TEST_DATABASE_URL, else postgres://postgres@127.0.0.1:5432/test (skipped when
 * unreachable); BENCH_CLV_ROUNDS (default 3).
 */

const SEED = 11;
const CURRENCY = 'USD';
const TARGET_RATIO = 1.5;
const TARGET_PEAK_MIB = 600;
const here = fileURLToPath(import.meta.url);

type RunKind = 'anchor' | 'model' | 'value';

interface RunResult {
  ms: number;
  peakMiB: number;
  /** BG/NBD r and the customers fitted, to tell that the command fitted what the anchor fitted. */
  r: number;
  customers: number;
  notes: string;
}

const COMMANDS: Record<Exclude<RunKind, 'anchor'>, string> = {
  model: `/clv model as_of=${AS_OF}`,
  value: `/clv as_of=${AS_OF}`,
};

function configEnv(url: string, outDir: string): Record<string, string> {
  return { DATABASE_URL: url, OUT_DIR: outDir, ...(process.env.JOB_NICENESS ? { JOB_NICENESS: process.env.JOB_NICENESS } : {}) };
}

/** One run in this process (the child side). */
async function runHere(kind: RunKind, url: string, outDir: string): Promise<RunResult> {
  if (kind === 'anchor') {
    os.setPriority(loadConfig(configEnv(url, outDir)).JOB_NICENESS);
    const anchor = await clvAnchor(url, { asOf: AS_OF, currency: CURRENCY });
    return {
      ms: anchor.ms,
      peakMiB: peakRssMiB(),
      r: anchor.bgnbd.r,
      customers: anchor.summaries.length,
      notes: `query ${Math.round(anchor.queryMs)} ms, fit ${Math.round(anchor.fitMs)} ms`,
    };
  }
  const compiled = async <T>(file: string) => (await import(pathToFileURL(path.join(dist as string, file)).href)) as T;
  const { Bot } = await compiled<typeof import('../src/core/bot.ts')>('src/core/bot.js');
  const { loadRegistry } = await compiled<typeof import('../commands/index.ts')>('commands/index.js');
  const { workerPool } = await compiled<typeof import('../src/jobs/worker-pool.ts')>('src/jobs/worker-pool.js');
  const { createDatabase: openStore } = await compiled<typeof import('../src/store/database.ts')>('src/store/database.js');
  const db = openStore(url);
  try {
    const config = loadConfig(configEnv(url, outDir));
    workerPool.configure({ niceness: config.JOB_NICENESS });
    const bot = new Bot({ db, config, logger: pino({ level: 'silent' }), registry: await loadRegistry(), outDir });
    // as `npm start` does: the run finds a worker with its code loaded
    await workerPool.warm();
    const started = performance.now();
    const reply = await bot.execute({ caller: { platform: 'console', userId: 'bench', channelId: 'console' }, text: COMMANDS[kind] });
    const ms = performance.now() - started;
    if (!reply.ok) throw new Error(`${COMMANDS[kind]} failed on ${url}: ${JSON.stringify(reply.data)}`);
    const data = reply.data as { bgnbd?: { r: number }; customers?: number; model?: { bgnbd: { r: number }; customers: number } };
    const model = data.model ?? { bgnbd: data.bgnbd!, customers: data.customers! };
    return { ms, peakMiB: peakRssMiB(), r: model.bgnbd.r, customers: model.customers, notes: '' };
  } finally {
    await workerPool.close();
    await db.destroy();
  }
}

/** One run in a child process of its own. */
function runApart(kind: RunKind, url: string, outDir: string): RunResult {
  const out = execFileSync(process.execPath, ['--import', 'tsx', here, '--run', kind, url, outDir], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    env: process.env,
  });
  return JSON.parse(out.trim().split('\n').at(-1)!) as RunResult;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** The anchor and both commands on one store, alternating, ROUNDS times. */
function measureStore(label: string, url: string, outDir: string, rounds: number): BenchRow[] {
  const runs: Record<RunKind, RunResult[]> = { anchor: [], model: [], value: [] };
  for (let round = 0; round < rounds; round++) {
    for (const kind of ['anchor', 'model', 'value'] as const) runs[kind].push(runApart(kind, url, outDir));
  }
  const anchorMs = median(runs.anchor.map((r) => r.ms));
  const anchor = runs.anchor[0]!;
  const list = (values: number[]) => values.map((v) => Math.round(v)).join(', ');
  const rows: BenchRow[] = [
    {
      name: `clv anchor on ${label}: one SQL pass for the per-customer summary + BG/NBD and Gamma-Gamma fits`,
      value: anchorMs,
      unit: 'ms',
      notes: `median of ${rounds}: ${list(runs.anchor.map((r) => r.ms))} ms; first run ${anchor.notes}; peak RSS ${Math.round(anchor.peakMiB)} MiB`,
    },
  ];
  for (const kind of ['model', 'value'] as const) {
    const ms = median(runs[kind].map((r) => r.ms));
    const ratio = ms / anchorMs;
    const same = runs[kind].every((r) => r.customers === anchor.customers && Math.abs(r.r - anchor.r) <= 1e-6 * anchor.r);
    rows.push({
      name: `${COMMANDS[kind]} on ${label} (worker thread, chart included)`,
      value: ms,
      unit: 'ms',
      baseline: { name: 'the anchor, same store, same run', value: anchorMs },
      ratio,
      target: `<= ${TARGET_RATIO}x`,
      pass: ratio <= TARGET_RATIO && same,
      notes: `median of ${rounds}: ${list(runs[kind].map((r) => r.ms))} ms; ${same ? 'fits the same customers and BG/NBD r as the anchor' : `DIFFERS from the anchor: ${runs[kind][0]!.customers} customers, r ${runs[kind][0]!.r} vs ${anchor.customers}, ${anchor.r}`}`,
    });
    const peak = Math.max(...runs[kind].map((r) => r.peakMiB));
    rows.push({
      name: `${COMMANDS[kind]} on ${label}: peak RSS of the process (main + worker threads)`,
      value: peak,
      unit: 'MiB',
      target: `< ${TARGET_PEAK_MIB}`,
      pass: peak < TARGET_PEAK_MIB,
      notes: `largest of ${rounds} runs: ${list(runs[kind].map((r) => r.peakMiB))} MiB`,
    });
  }
  return rows;
}

async function reachable(url: string): Promise<boolean> {
  try {
    await adminQuery(url, 'select 1');
    return true;
  } catch {
    return false;
  }
}

export async function benchClvCommands(options: { customers?: number; databaseUrl?: string; rounds?: number } = {}): Promise<BenchRow[]> {
  const customers = options.customers ?? 1_000_000;
  const rounds = options.rounds ?? 3;
  const base = options.databaseUrl ?? 'postgres://postgres@127.0.0.1:5432/test';
  const dir = mkdtempSync(path.join(os.tmpdir(), 'growthbot-bench-clv-'));
  const schema = `bench_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const rows: BenchRow[] = [];
  let pgSchema: string | null = null;
  (build as (options: { quiet: boolean }) => boolean)({ quiet: true });
  try {
    const file = path.join(dir, 'bench.db');
    const sqliteUrl = `sqlite:${file}`;
    const migrated = createDatabase(sqliteUrl);
    await migrateToLatest(migrated);
    await migrated.destroy();
    const generated = performance.now();
    const { orders } = generateStoreApart(file, customers, SEED);
    const generateS = (performance.now() - generated) / 1000;
    const store = `${customers.toLocaleString('en-US')} customers, ${orders.toLocaleString('en-US')} orders`;
    let copyNote = 'PostgreSQL not reachable: SQLite only';
    let pgUrl: string | null = null;
    if (await reachable(base)) {
      await adminQuery(base, `create schema ${schema}`);
      pgSchema = schema;
      pgUrl = withSearchPath(base, schema);
      const pgDb = createDatabase(pgUrl);
      try {
        await migrateToLatest(pgDb);
        const copied = performance.now();
        await copyToPostgres(file, pgDb);
        // what autovacuum does to a table this size soon after a load (index-only scans need the visibility map)
        await sql`vacuum analyze orders`.execute(pgDb);
        await sql`vacuum analyze customers`.execute(pgDb);
        copyNote = `copied to PostgreSQL and vacuumed in ${((performance.now() - copied) / 1000).toFixed(1)} s`;
      } finally {
        await pgDb.destroy();
      }
    }
    rows.push({ name: `clv store: ${store}`, value: generateS * 1000, unit: 'ms', notes: `generated into SQLite; ${copyNote}` });
    rows.push(...measureStore('SQLite', sqliteUrl, path.join(dir, 'out'), rounds));
    if (pgUrl) rows.push(...measureStore('PostgreSQL', pgUrl, path.join(dir, 'out'), rounds));
    return rows;
  } finally {
    if (pgSchema) await adminQuery(base, `drop schema if exists ${pgSchema} cascade`);
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === here) {
  if (process.argv[2] === '--run') {
    const [kind, url, outDir] = process.argv.slice(3) as [RunKind, string, string];
    console.log(JSON.stringify(await runHere(kind, url, outDir)));
  } else {
    const customers = Number(process.argv[2] ?? process.env.BENCH_CLV_CUSTOMERS ?? 1_000_000);
    const databaseUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
    const rounds = Number(process.env.BENCH_CLV_ROUNDS ?? 3);
    for (const row of await benchClvCommands({ customers, databaseUrl, rounds })) console.log(formatRow(row));
  }
}
