import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { startSlackAdapter } from '../adapters/slack/start.ts';
import { loadRegistry } from '../commands/index.ts';
import { loadConfig } from '../src/config/config.ts';
import { Bot } from '../src/core/bot.ts';
import { createDatabase } from '../src/store/database.ts';
import { migrateToLatest } from '../src/store/migrate.ts';
import { workerPool } from '../src/jobs/worker-pool.ts';
import { FakeSlack } from '../test/fakes/slack.ts';
import { formatRow, peakRssMiB, type BenchRow } from './report.ts';
import { generateStoreApart } from './generate-store.ts';
import { measureFloors } from './slack-ack-floors.ts';
import { withMainThreadSched } from './thread-sched.ts';
import { LoadClient, type AckResult, type SlashRequest } from './slack-ack-load.ts';

const BOT_TOKEN = 'xoxb-bench-bot-token';
const SIGNING_SECRET = 'bench-signing-secret';
const ADMIN = 'U0BENCHADMIN';
const VIEWER = 'U0BENCHVIEWER';
/** Slack's limit: an ack later than this is shown to the user as a failure. */
const SLACK_ACK_LIMIT_MS = 3000;
/** How long a request may wait for its ack before it is counted as never acknowledged. */
const REQUEST_TIMEOUT_MS = 10_000;

/** Cheap everyday commands, answered after the ack, plus two refused in the ack itself. */
const MIX: SlashRequest[] = [
  { command: '/help', text: '', userId: ADMIN },
  { command: '/audit', text: '', userId: ADMIN },
  { command: '/segment', text: 'list', userId: ADMIN },
  { command: '/help', text: 'segment', userId: VIEWER },
  { command: '/admin', text: 'roles', userId: ADMIN },
  { command: '/customer', text: 'show C0000042', userId: ADMIN },
  { command: '/audit', text: 'command=segment limit=5', userId: ADMIN },
  { command: '/segment', text: 'run k=99', userId: ADMIN }, // validation error in the ack
  { command: '/admin', text: 'roles', userId: VIEWER }, // refused in the ack: needs admin
  { command: '/segment', text: 'list limit=3', userId: VIEWER },
];

function commandsFor(count: number): SlashRequest[] {
  return Array.from({ length: count }, (_, i) => MIX[i % MIX.length]!);
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

interface BurstStats {
  label: string;
  count: number;
  p50: number;
  p99: number;
  max: number;
  /** Non-200, no answer within REQUEST_TIMEOUT_MS, or a 200 later than Slack's 3 s. */
  unacknowledged: number;
  /** Commands acknowledged with an empty 200 whose answer reached the response URL. */
  answered: number;
  expectedAnswers: number;
  /** Longest main event-loop stall while the burst ran (ms). */
  loopMaxMs: number;
  /** While the burst ran: the main thread's time on a CPU, and runnable but waiting for one (Linux). */
  sched?: { onCpuMs: number; waitingMs: number };
  slowest: string;
}

function stats(label: string, results: AckResult[], answered: number, loopMaxMs: number, sched?: BurstStats['sched']): BurstStats {
  const sorted = results.map((r) => r.ms).sort((a, b) => a - b);
  const slowest = results.reduce((a, b) => (b.ms > a.ms ? b : a), results[0]!);
  return {
    label,
    count: results.length,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? NaN,
    unacknowledged: results.filter((r) => r.status !== 200 || r.ms > SLACK_ACK_LIMIT_MS).length,
    answered,
    expectedAnswers: results.filter((r) => r.status === 200 && !r.withBody).length,
    loopMaxMs,
    slowest: `${slowest.line} (${slowest.status || 'timeout'})`,
    ...(sched ? { sched } : {}),
  };
}

/** Several bursts as one: their acks together, answers summed, the longest stall, CPU figures per burst on average. */
function combine(label: string, bursts: BurstStats[], results: AckResult[]): BurstStats {
  const scheds = bursts.flatMap((b) => (b.sched ? [b.sched] : []));
  const mean = (pick: (s: NonNullable<BurstStats['sched']>) => number) => scheds.reduce((a, b) => a + pick(b), 0) / scheds.length;
  const sched = scheds.length ? { onCpuMs: mean((s) => s.onCpuMs), waitingMs: mean((s) => s.waitingMs) } : undefined;
  const combined = stats(
    `${label}${sched ? ' (CPU figures: mean per burst)' : ''}`,
    results,
    0,
    Math.max(...bursts.map((b) => b.loopMaxMs)),
    sched,
  );
  return {
    ...combined,
    answered: bursts.reduce((a, b) => a + b.answered, 0),
    expectedAnswers: bursts.reduce((a, b) => a + b.expectedAnswers, 0),
  };
}

function describe(s: BurstStats): string {
  return `${s.label}: ${s.count} acks p50 ${s.p50.toFixed(1)} ms, p99 ${s.p99.toFixed(1)} ms, max ${s.max.toFixed(1)} ms (${s.slowest}); unacknowledged ${s.unacknowledged}; answers ${s.answered}/${s.expectedAnswers}; main loop max stall ${s.loopMaxMs.toFixed(1)} ms${s.sched ? `; main thread on a CPU ${s.sched.onCpuMs.toFixed(0)} ms, waiting for one ${s.sched.waitingMs.toFixed(0)} ms` : ''}`;
}

/** The segment run's progress as the adapter last showed it in Slack (its chat.update calls). */
function segmentState(fake: FakeSlack): { done: boolean; phase: string } {
  const updates = fake.callsTo('chat.update');
  const last = updates.at(-1);
  if (!last) return { done: false, phase: 'starting' };
  const text = String(last.params.text ?? '');
  if (!text.startsWith('⏳')) return { done: true, phase: 'done' };
  const detail = /· ([^"]+)"/.exec(JSON.stringify(last.params.blocks ?? []))?.[1] ?? 'running';
  return { done: false, phase: detail };
}

export interface SlackAckOptions {
  customers?: number;
  /** Concurrent commands per burst. */
  commands?: number;
  /** Pause between bursts while the segmentation runs. */
  gapMs?: number;
}

/**
 * Ack latency of signed slash commands over the real Slack adapter (HTTP mode, Bolt) while a
 * `/segment run k=5` over `customers` stored customers runs, next to the same burst with
 * nothing else running. Bursts repeat until the run ends, so every phase (features in SQL,
 * clustering, storing memberships, charts and the answer) gets hit.
 */
export async function benchSlackAck(options: SlackAckOptions = {}): Promise<{ rows: BenchRow[]; lines: string[] }> {
  const customers = options.customers ?? 1_000_000;
  const count = options.commands ?? 200;
  const gapMs = options.gapMs ?? 1000;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'growthbot-bench-slack-ack-'));
  const file = path.join(dir, 'bench.db');
  const url = `sqlite:${file}`;
  const lines: string[] = [];
  const fake = new FakeSlack({ botToken: BOT_TOKEN });
  let load: LoadClient | undefined;
  let adapter: Awaited<ReturnType<typeof startSlackAdapter>> | undefined;
  let db: ReturnType<typeof createDatabase> | undefined;
  try {
    const migrated = createDatabase(url);
    await migrateToLatest(migrated);
    await migrated.destroy();
    const generateStarted = performance.now();
    // Its connection is the last one open, so closing it checkpoints the WAL (as a store filled over time would be).
    const { orders } = generateStoreApart(file, customers, 11);
    const generateMs = performance.now() - generateStarted;
    db = createDatabase(url);

    await fake.start();
    const config = loadConfig({
      DATABASE_URL: url,
      OUT_DIR: path.join(dir, 'out'),
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: fake.apiUrl,
      BOT_ADMINS: ADMIN,
      ...(process.env.JOB_NICENESS ? { JOB_NICENESS: process.env.JOB_NICENESS } : {}),
    });
    const logger = pino({ level: 'silent' });
    const bot = new Bot({ db, config, logger, registry: await loadRegistry(), outDir: path.join(dir, 'out') });
    adapter = await startSlackAdapter({ bot, config, logger, host: '127.0.0.1', port: 0 });
    workerPool.configure({ niceness: config.JOB_NICENESS });
    await workerPool.warm(); // as npm start does
    const baseUrl = `http://127.0.0.1:${adapter.port}`;
    load = await LoadClient.start();
    const loop = monitorEventLoopDelay({ resolution: 5 });
    loop.enable();

    const burst = async (label: string, requests: SlashRequest[]): Promise<BurstStats & { results: AckResult[] }> => {
      loop.reset();
      const { result, sched } = await withMainThreadSched(() => load!.burst(baseUrl, SIGNING_SECRET, requests, REQUEST_TIMEOUT_MS));
      const { burst: id, results } = result;
      const expected = results.filter((r) => r.status === 200 && !r.withBody).length;
      const deadline = Date.now() + 30_000;
      let answered = await load!.answered(id);
      while (answered < expected && Date.now() < deadline) {
        await sleep(50);
        answered = await load!.answered(id);
      }
      return { ...stats(label, results, answered, loop.max / 1e6, sched), results };
    };

    // as many as a burst: its connections stay open (keep-alive), as from a load balancer;
    // three bursts warm the code paths up (the first acks run cold), then three make the baseline
    for (let i = 0; i < 3; i++) await burst('warm-up', commandsFor(count));
    const quiet: (BurstStats & { results: AckResult[] })[] = [];
    for (let i = 0; i < 3; i++) quiet.push(await burst('baseline', commandsFor(count)));
    const baseline = combine(
      'baseline, nothing else running (3 bursts)',
      quiet,
      quiet.flatMap((b) => b.results),
    );
    lines.push(describe(baseline));

    const segmentStarted = performance.now();
    const segmentAck = await load.burst(
      baseUrl,
      SIGNING_SECRET,
      [{ command: '/segment', text: 'run k=5 seed=11 as_of=2026-06-30', userId: ADMIN }],
      REQUEST_TIMEOUT_MS,
    );
    const segmentAckMs = segmentAck.results[0]!.ms;
    if (segmentAck.results[0]!.status !== 200) throw new Error(`/segment run was not acknowledged (${segmentAck.results[0]!.status})`);
    await sleep(500);
    const during: (BurstStats & { burstId: number })[] = [];
    const all: AckResult[] = [];
    let segmentMs = NaN;
    const watcher = (async () => {
      while (!segmentState(fake).done) await sleep(20);
      segmentMs = performance.now() - segmentStarted;
    })();
    while (!segmentState(fake).done && during.length < 50) {
      const phase = segmentState(fake).phase;
      const at = ((performance.now() - segmentStarted) / 1000).toFixed(1);
      const requests = commandsFor(count);
      loop.reset();
      const { result, sched } = await withMainThreadSched(() => load!.burst(baseUrl, SIGNING_SECRET, requests, REQUEST_TIMEOUT_MS));
      const { burst: id, results } = result;
      const loopMax = loop.max / 1e6;
      const ended = segmentState(fake).done ? ', run ended during the burst' : '';
      // Answers are checked at the end: waiting for them here would space the bursts out.
      during.push({ ...stats(`burst ${during.length + 1} at ${at} s (${phase}${ended})`, results, 0, loopMax, sched), burstId: id });
      all.push(...results);
      await sleep(gapMs);
    }
    await watcher;
    const runs = await db.selectFrom('segment_runs').select(['id', 'customers']).execute();
    if (runs.length !== 1) throw new Error(`expected one stored segmentation run, found ${runs.length}`);
    await adapter.idle();
    for (const b of during) {
      b.answered = await load.answered(b.burstId);
      lines.push(describe(b));
    }
    const combined = combine(`all ${during.length} bursts during the run`, during, all);
    lines.push(describe(combined));
    const worst = during.reduce((a, b) => (b.p99 > a.p99 ? b : a), during[0]!);

    const measured = await measureFloors(load, SIGNING_SECRET, commandsFor(count), 5, REQUEST_TIMEOUT_MS);
    const floors = { plain: stats('plain HTTP server', measured.plain, 0, 0), bolt: stats('bare Bolt app', measured.bolt, 0, 0) };
    lines.push(describe(floors.plain), describe(floors.bolt));

    const n = customers.toLocaleString('en-US');
    const base = (value: number) => ({ name: `same ${count}-command bursts, no segmentation`, value });
    const rows: BenchRow[] = [
      { name: `slack-ack store: ${n} customers, ${orders.toLocaleString('en-US')} orders generated`, value: generateMs, unit: 'ms' },
      {
        name: `/segment run k=5 over ${n} customers (Slack, worker thread), ack`,
        value: segmentAckMs,
        unit: 'ms',
        target: `< ${SLACK_ACK_LIMIT_MS.toLocaleString('en-US')} (Slack limit)`,
        pass: segmentAckMs < SLACK_ACK_LIMIT_MS,
        notes: `whole run ${(segmentMs / 1000).toFixed(1)} s, ${Number(runs[0]!.customers).toLocaleString('en-US')} customers segmented; ${during.length} bursts of ${count} fired during it`,
      },
      {
        name: `ack latency p50 during segmentation (${all.length} commands)`,
        value: combined.p50,
        unit: 'ms',
        baseline: base(baseline.p50),
        ratio: combined.p50 / baseline.p50,
      },
      {
        name: `ack latency p99 during segmentation (${all.length} commands)`,
        value: combined.p99,
        unit: 'ms',
        baseline: base(baseline.p99),
        ratio: combined.p99 / baseline.p99,
        target: '< 100',
        pass: combined.p99 < 100,
        notes: `worst burst p99 ${worst.p99.toFixed(1)} ms: ${worst.label}`,
      },
      {
        name: 'ack latency max during segmentation',
        value: combined.max,
        unit: 'ms',
        baseline: base(baseline.max),
        target: `< ${SLACK_ACK_LIMIT_MS.toLocaleString('en-US')} (Slack limit)`,
        pass: combined.max < SLACK_ACK_LIMIT_MS,
        notes: combined.slowest,
      },
      {
        name: `unacknowledged commands during segmentation (non-200, timeout or > ${SLACK_ACK_LIMIT_MS} ms)`,
        value: combined.unacknowledged,
        unit: 'commands',
        baseline: base(baseline.unacknowledged),
        target: '0',
        pass: combined.unacknowledged === 0 && baseline.unacknowledged === 0,
      },
      {
        name: 'answers delivered after the ack during segmentation',
        value: combined.answered,
        unit: 'commands',
        target: `${combined.expectedAnswers}`,
        pass: combined.answered === combined.expectedAnswers,
        notes: `baseline ${baseline.answered}/${baseline.expectedAnswers}`,
      },
      {
        name: `floor: the same ${count} requests to a plain HTTP server that answers at once`,
        value: floors.plain.p99,
        unit: 'ms p99',
        notes: `p50 ${floors.plain.p50.toFixed(1)} ms, max ${floors.plain.max.toFixed(1)} ms: the load generator's own cost`,
      },
      {
        name: `floor: the same ${count} requests to a bare Bolt app that acks at once`,
        value: floors.bolt.p99,
        unit: 'ms p99',
        notes: `p50 ${floors.bolt.p50.toFixed(1)} ms, max ${floors.bolt.max.toFixed(1)} ms: what @slack/bolt costs before any bot code`,
      },
      {
        name: 'main event-loop longest stall during segmentation',
        value: combined.loopMaxMs,
        unit: 'ms',
        baseline: { name: 'no segmentation', value: baseline.loopMaxMs },
      },
      { name: 'slack-ack peak RSS (main + worker threads)', value: peakRssMiB(), unit: 'MiB' },
    ];
    return { rows, lines };
  } finally {
    await load?.stop();
    await adapter?.stop().catch(() => undefined);
    await fake.stop();
    await db?.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

// `npx tsx bench/slack-ack.ts [customers] [commands per burst]`
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const customers = process.argv[2] ? Number(process.argv[2]) : undefined;
  const commands = process.argv[3] ? Number(process.argv[3]) : undefined;
  const { rows, lines } = await benchSlackAck({ customers, commands });
  for (const line of lines) console.log(line);
  for (const row of rows) console.log(formatRow(row));
}
