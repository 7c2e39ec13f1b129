import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatRow, type BenchRow } from './report.ts';

/**
 * Start to first answer (#24.5): `npm start`'s program (node scripts/start.mjs, the compiled build)
 * with the console adapter and only environment variables, `/help` piped in at once, timed from the
 * spawn to the answer's first byte; then left idle until its worker is warm and its resident memory
 * read. The anchor is a bare `node -e ''` (start to exit) in the same run, so a slow machine shows
 * in both. Each figure is the median of ROUNDS starts on an already migrated SQLite file.
 *
 * `npx tsx bench/start.ts`; BENCH_START_ROUNDS (default 7).
 */

const ROUNDS = Number(process.env.BENCH_START_ROUNDS ?? 7);
const TARGET_FIRST_ANSWER_MS = 1_000;
const TARGET_IDLE_MIB = 200;
/** The worker warms after the first answer (or 5 s after start); idle is read after that. */
const IDLE_AFTER_MS = 7_000;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function residentMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return kib / 1024;
}

function botEnv(dir: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: dir,
    DATABASE_URL: `sqlite:${path.join(dir, 'bot.db')}`,
    OUT_DIR: path.join(dir, 'out'),
  };
}

/** One start: ms to the first byte of the answer, and the idle RSS once the worker is warm. */
function startOnce(dir: string, measureIdle: boolean): Promise<{ firstAnswerMs: number; idleMiB: number }> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, [path.join(root, 'scripts', 'start.mjs')], {
      cwd: dir,
      env: botEnv(dir),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let firstAnswerMs = NaN;
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.once('data', () => {
      firstAnswerMs = Number(process.hrtime.bigint() - started) / 1e6;
      if (!measureIdle) return child.stdin.end();
      setTimeout(() => {
        const idleMiB = residentMiB(child.pid!);
        child.stdin.end();
        child.once('exit', () => resolve({ firstAnswerMs, idleMiB }));
      }, IDLE_AFTER_MS);
    });
    child.once('exit', (code) => {
      if (Number.isNaN(firstAnswerMs)) reject(new Error(`the bot exited with ${code} before answering:\n${stderr}`));
      else if (!measureIdle) resolve({ firstAnswerMs, idleMiB: NaN });
    });
    child.stdin.write('/help\n');
  });
}

function bareNodeMs(): number {
  const started = process.hrtime.bigint();
  spawnSync(process.execPath, ['-e', '']);
  return Number(process.hrtime.bigint() - started) / 1e6;
}

const build = spawnSync(process.execPath, [path.join(root, 'scripts', 'build.mjs')], { stdio: 'inherit' });
if (build.status !== 0) throw new Error('the build failed');
const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-start-'));
try {
  // the first start creates and migrates the store: not what a restart costs
  await startOnce(dir, false);
  const firstAnswers: number[] = [];
  const idle: number[] = [];
  const anchors: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    anchors.push(bareNodeMs());
    const { firstAnswerMs, idleMiB } = await startOnce(dir, round < 3);
    firstAnswers.push(firstAnswerMs);
    if (!Number.isNaN(idleMiB)) idle.push(idleMiB);
  }
  const anchor = median(anchors);
  const firstAnswer = median(firstAnswers);
  const idleMiB = median(idle);
  const load = os.loadavg()[0]!.toFixed(2);
  const rows: BenchRow[] = [
    {
      name: 'start to first answer (console /help, compiled build)',
      value: firstAnswer,
      unit: 'ms',
      baseline: { name: 'bare node start', value: anchor },
      ratio: firstAnswer / anchor,
      target: `≤ ${TARGET_FIRST_ANSWER_MS} ms`,
      pass: firstAnswer <= TARGET_FIRST_ANSWER_MS,
      notes: `median of ${ROUNDS}, range ${Math.round(Math.min(...firstAnswers))}–${Math.round(Math.max(...firstAnswers))} ms, load ${load}`,
    },
    {
      name: 'idle resident memory (worker warm)',
      value: idleMiB,
      unit: 'MiB',
      target: `< ${TARGET_IDLE_MIB} MiB`,
      pass: idleMiB < TARGET_IDLE_MIB,
      notes: `median of ${idle.length}, read ${IDLE_AFTER_MS / 1000} s after the first answer`,
    },
  ];
  for (const row of rows) process.stdout.write(`${formatRow(row)}\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
