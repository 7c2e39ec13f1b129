import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import SQLite from 'better-sqlite3';
import { buildDigest, buildDigestData } from '../src/digests/build.ts';
import { computeDigestData } from '../src/digests/content.ts';
import { createDatabase } from '../src/store/database.ts';
import { migrateToLatest } from '../src/store/migrate.ts';
import { randomInt, seededRandom } from '../src/util/random.ts';
import { formatRow, peakRssMiB, type BenchRow } from './report.ts';

const CHANNELS = ['google', 'meta', 'tiktok', 'email', 'affiliate'];
const DAYS = 728;
const FIRST_DAY = Date.parse('2024-11-25');
const SEND_DATE = '2026-11-23';
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Two years of customers, orders (in date order) and daily spend, written with prepared statements. */
function generate(file: string, customers: number, orders: number): void {
  const db = new SQLite(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  const random = seededRandom(42);
  const at = '2026-11-23T00:00:00.000Z';
  const dates = Array.from({ length: DAYS }, (_, i) => iso(FIRST_DAY + i * 86_400_000));
  const insertCustomer = db.prepare(
    'insert into customers (customer_id, signup_date, country, acquisition_channel, consent, created_at, updated_at) values (?, ?, ?, ?, 1, ?, ?)',
  );
  const insertOrder = db.prepare(
    'insert into orders (order_id, customer_id, order_date, gross_cents, net_cents, currency, lines, is_purchase, updated_at) values (?, ?, ?, ?, ?, ?, 1, 1, ?)',
  );
  const insertSpend = db.prepare(
    "insert into spend (date, channel, campaign, amount_cents, currency, updated_at) values (?, ?, '', ?, 'USD', ?)",
  );
  db.transaction(() => {
    for (let i = 0; i < customers; i++) {
      insertCustomer.run(
        `c${i}`,
        dates[Math.floor((i / customers) * DAYS)],
        'US',
        CHANNELS[randomInt(random, 0, CHANNELS.length - 1)],
        at,
        at,
      );
    }
  })();
  const perDay = orders / DAYS;
  db.transaction(() => {
    for (let i = 0; i < orders; i++) {
      const cents = randomInt(random, 1_000, 20_000);
      insertOrder.run(
        `o${String(i).padStart(8, '0')}`,
        `c${randomInt(random, 0, customers - 1)}`,
        dates[Math.min(DAYS - 1, Math.floor(i / perDay))],
        cents,
        cents,
        'USD',
        at,
      );
    }
    for (const date of dates) for (const channel of CHANNELS) insertSpend.run(date, channel, randomInt(random, 50_000, 150_000), at);
  })();
  db.close();
}

/** `keepFile`: generate into that file once and reuse it on later runs (BENCH_DIGEST_DB). */
export async function benchDigest(options: { customers?: number; orders?: number; keepFile?: string } = {}): Promise<BenchRow[]> {
  const customers = options.customers ?? 1_000_000;
  const orders = options.orders ?? 5_000_000;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'growthbot-bench-digest-'));
  try {
    const file = options.keepFile ?? path.join(dir, 'bot.db');
    const url = `sqlite:${file}`;
    const reuse = Boolean(options.keepFile && existsSync(file));
    if (!reuse) {
      const migrated = createDatabase(url);
      await migrateToLatest(migrated);
      await migrated.destroy();
    }
    const generated = performance.now();
    if (!reuse) generate(file, customers, orders);
    const generateSeconds = (performance.now() - generated) / 1000;

    const raw = new SQLite(file, { readonly: true });
    const scanStarted = performance.now();
    raw.prepare('SELECT count(*), sum(net_cents) FROM orders').get();
    const scanMs = performance.now() - scanStarted;
    raw.close();

    const db = createDatabase(url);
    const rows: BenchRow[] = [];
    const input = (period: 'week' | 'month') => ({
      options: {
        period,
        sections: ['kpis', 'channels', 'campaigns', 'segments'] as const,
        send_date: SEND_DATE,
        currency: 'USD',
        zone: 'UTC',
      },
      outDir: path.join(dir, 'out'),
      chartName: `bench-${period}`,
    });
    for (const period of ['week', 'month', 'week'] as const) {
      const started = performance.now();
      const built = await buildDigest(db, url, {
        ...input(period),
        options: { ...input(period).options, sections: [...input(period).options.sections] },
      });
      const ms = performance.now() - started;
      rows.push({
        name: `digest ${period} (worker queries + chart${rows.length === 0 ? ', first: loads the chart renderer' : ''})`,
        value: ms,
        unit: 'ms',
        baseline: { name: 'full scan count+sum(orders)', value: scanMs },
        ratio: ms / scanMs,
        target: '< 2000',
        pass: ms < 2000,
        notes: `build ${built.build_ms} ms; ${built.data.kpis.orders.value.toLocaleString('en-US')} orders in the period`,
      });
    }
    const inProcess = performance.now();
    await buildDigestData(db, { ...input('week'), options: { ...input('week').options, sections: [...input('week').options.sections] } });
    rows.push({
      name: 'digest week (in-process)',
      value: performance.now() - inProcess,
      unit: 'ms',
      baseline: { name: 'full scan', value: scanMs },
      target: '< 2000',
      pass: performance.now() - inProcess < 2000,
    });
    for (const period of ['week', 'month'] as const) {
      const started = performance.now();
      await computeDigestData(db, { ...input(period).options, sections: [...input(period).options.sections] });
      const ms = performance.now() - started;
      rows.push({
        name: `digest ${period} queries only`,
        value: ms,
        unit: 'ms',
        baseline: { name: 'full scan', value: scanMs },
        ratio: ms / scanMs,
      });
    }
    await db.destroy();
    rows.push({
      name: 'digest bench peak RSS',
      value: peakRssMiB(),
      unit: 'MiB',
      notes: `${customers.toLocaleString('en-US')} customers, ${orders.toLocaleString('en-US')} orders ${reuse ? 'reused from ' + file : `generated in ${generateSeconds.toFixed(1)} s`}`,
    });
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// `npx tsx bench/digest.ts [customers] [orders]` (BENCH_DIGEST_DB=/tmp/digest-bench.db keeps the generated store)
if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const args = process.argv.slice(2);
  const customers = Number(args[0] ?? 1_000_000);
  const orders = Number(args[1] ?? customers * 5);
  for (const row of await benchDigest({ customers, orders, keepFile: process.env.BENCH_DIGEST_DB })) console.log(formatRow(row));
}
