import { createReadStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import SQLite from 'better-sqlite3';
import { writeDemoData } from '../examples/demo-data.ts';
import { runImport } from '../src/import/run-import.ts';
import { importLimits } from '../src/import/limits.ts';
import { loadConfig } from '../src/config/config.ts';
import { createDatabase, dialectOf, sqlitePath } from '../src/store/database.ts';
import { migrateToLatest } from '../src/store/migrate.ts';
import { childJson } from './child.ts';
import { formatRow, type BenchRow } from './report.ts';

const HERE = fileURLToPath(import.meta.url);

interface Timing {
  rows: number;
  /** Wall-clock seconds. */
  seconds: number;
  /** CPU seconds of the process (user + system): steadier than wall time on a shared machine. */
  cpuSeconds: number;
}

interface SideResult {
  customers: Timing;
  orders: Timing;
  maxRssMiB: number;
}

function timer(): () => { seconds: number; cpuSeconds: number } {
  const wall = performance.now();
  const cpu = process.cpuUsage();
  return () => {
    const used = process.cpuUsage(cpu);
    return { seconds: (performance.now() - wall) / 1000, cpuSeconds: (used.user + used.system) / 1e6 };
  };
}

/** The measured side: /import's own code (parse, validate, stage, merge) in this process. */
async function importSide(dir: string, databaseUrl: string): Promise<SideResult> {
  const db = createDatabase(databaseUrl);
  await migrateToLatest(db);
  const run = async (kind: 'customers' | 'orders') => {
    const stop = timer();
    const result = await runImport(
      db,
      {
        kind,
        source: { type: 'path', path: path.join(dir, `${kind}.csv`), label: `${kind}.csv` },
        strict: false,
        defaultCurrency: 'USD',
        timeZone: 'UTC',
        defaultConsent: false,
        outDir: dir,
        now: '2026-11-25T10:00:00.000Z',
        limits: importLimits(loadConfig({})),
      },
      undefined,
      { sqliteFile: dialectOf(databaseUrl) === 'sqlite' ? sqlitePath(databaseUrl) : undefined },
    );
    if (result.rejected) throw new Error(`${result.rejected} ${kind} rows rejected: ${JSON.stringify(result.rejection_reasons)}`);
    return { rows: result.read, ...stop() };
  };
  const customers = await run('customers');
  const orders = await run('orders');
  await db.destroy();
  return { customers, orders, maxRssMiB: process.resourceUsage().maxRSS / 1024 };
}

/** The baseline: the same rows (customers with their `age` attribute, orders), split from the same files, inserted by bare prepared statements in one transaction per file. */
async function baselineSide(dir: string, file: string): Promise<SideResult> {
  const setup = createDatabase(`sqlite:${file}`);
  await migrateToLatest(setup);
  await setup.destroy();
  const sqlite = new SQLite(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  const load = async (name: string, insert: (cells: string[]) => void) => {
    const stop = timer();
    let rows = 0;
    sqlite.exec('BEGIN');
    const lines = readline.createInterface({ input: createReadStream(path.join(dir, name)), crlfDelay: Infinity });
    let header = true;
    for await (const line of lines) {
      if (header) {
        header = false;
        continue;
      }
      insert(line.split(','));
      rows++;
    }
    sqlite.exec('COMMIT');
    return { rows, ...stop() };
  };
  const now = '2026-11-25T10:00:00.000Z';
  const customer = sqlite.prepare(
    'INSERT INTO customers (customer_id, email, name, signup_date, country, acquisition_channel, consent, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const attribute = sqlite.prepare('INSERT INTO customer_attributes (customer_id, name, value) VALUES (?, ?, ?)');
  const customers = await load('customers.csv', (c) => {
    customer.run(c[0], c[1], c[2], c[3], c[4], c[5], c[6] === 'true' ? 1 : 0, now, now);
    attribute.run(c[0], 'age', Number(c[7]));
  });
  const order = sqlite.prepare(
    'INSERT INTO orders (order_id, customer_id, order_date, gross_cents, net_cents, currency, lines, is_purchase, updated_at) VALUES (?, ?, ?, ?, ?, ?, 1, 1, ?)',
  );
  const orders = await load('orders.csv', (c) => {
    const cents = Math.round(Number(c[3]) * Number(c[4]) * 100);
    order.run(c[0], c[1], c[2], cents, cents, c[5], now);
  });
  sqlite.close();
  return { customers, orders, maxRssMiB: process.resourceUsage().maxRSS / 1024 };
}

function child(mode: 'import' | 'baseline', dir: string, target: string): Promise<SideResult> {
  return childJson<SideResult>(HERE, [mode, dir, target]);
}

/** Orders with a product column (line items kept) next to the same orders without one. */
function productsRow(withProducts: Timing, without: Timing): BenchRow {
  const rate = (side: Timing) => side.rows / side.seconds;
  const ratio = rate(withProducts) / rate(without);
  return {
    name: 'import orders with a product column',
    value: rate(withProducts),
    unit: 'rows/s',
    baseline: { name: 'the same orders without a product column', value: rate(without) },
    ratio,
    target: '>= 0.5',
    pass: ratio >= 0.5,
    notes: `${withProducts.rows.toLocaleString('en-US')} rows, one line item each, in ${withProducts.seconds.toFixed(1)} s vs ${without.seconds.toFixed(1)} s; CPU ${withProducts.cpuSeconds.toFixed(1)} s vs ${without.cpuSeconds.toFixed(1)} s`,
  };
}

/**
 * Generates `customers` customers and `orders` orders with the seeded demo generator, imports
 * them with /import's code and with a bare prepared statement, each in its own process, and
 * compares rows per second and peak memory; then the same orders with a product column (SQLite
 * only), whose line items are kept too, against the orders without one.
 */
export async function benchImport(options: { customers?: number; orders?: number; databaseUrl?: string } = {}): Promise<BenchRow[]> {
  const customers = options.customers ?? 1_000_000;
  const orders = options.orders ?? 5_000_000;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'growthbot-bench-import-'));
  try {
    const generated = performance.now();
    const demo = { customers, ordersPerCustomer: Math.round(orders / customers), lineItems: false, seed: 7 };
    await writeDemoData(dir, { ...demo, products: false }, false);
    // the same customers and orders with product and sku columns: /import orders keeps their line items too
    const withProducts = path.join(dir, 'products');
    await writeDemoData(withProducts, demo, false);
    const generateSeconds = (performance.now() - generated) / 1000;
    const mib = (file: string) => statSync(path.join(dir, file)).size / 2 ** 20;
    const baseline = await child('baseline', dir, path.join(dir, 'baseline.db'));
    const measured = await child('import', dir, options.databaseUrl ?? `sqlite:${path.join(dir, 'import.db')}`);
    const measuredProducts = options.databaseUrl
      ? undefined
      : await child('import', withProducts, `sqlite:${path.join(withProducts, 'import.db')}`);
    const rate = (side: Timing) => side.rows / side.seconds;
    const row = (name: string, ours: Timing, base: Timing): BenchRow => {
      const ratio = rate(ours) / rate(base);
      const cpuRatio = ours.rows / ours.cpuSeconds / (base.rows / base.cpuSeconds);
      return {
        name,
        value: rate(ours),
        unit: 'rows/s',
        baseline: { name: 'bare prepared INSERT, one transaction', value: rate(base) },
        ratio,
        target: '>= 0.5',
        pass: ratio >= 0.5,
        notes: `${ours.rows.toLocaleString('en-US')} rows in ${ours.seconds.toFixed(1)} s vs ${base.seconds.toFixed(1)} s; CPU ${ours.cpuSeconds.toFixed(1)} s vs ${base.cpuSeconds.toFixed(1)} s, CPU ratio ${cpuRatio.toFixed(2)}`,
      };
    };
    const total = (side: SideResult): Timing => ({
      rows: side.customers.rows + side.orders.rows,
      seconds: side.customers.seconds + side.orders.seconds,
      cpuSeconds: side.customers.cpuSeconds + side.orders.cpuSeconds,
    });
    return [
      row('import customers', measured.customers, baseline.customers),
      row('import orders', measured.orders, baseline.orders),
      row('import total', total(measured), total(baseline)),
      ...(measuredProducts ? [productsRow(measuredProducts.orders, measured.orders)] : []),
      {
        name: 'import peak RSS',
        value: measured.maxRssMiB,
        unit: 'MiB',
        target: '< 400',
        pass: measured.maxRssMiB < 400,
        notes: `baseline process ${baseline.maxRssMiB.toFixed(0)} MiB; files ${mib('customers.csv').toFixed(0)} + ${mib('orders.csv').toFixed(0)} MiB generated in ${generateSeconds.toFixed(1)} s`,
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// `npx tsx bench/import.ts [customers] [orders]` (or BENCH_IMPORT_CUSTOMERS / BENCH_IMPORT_ORDERS).
if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const args = process.argv.slice(2);
  if (args[0] === '--child') {
    const [, mode, dir, target] = args;
    const result = mode === 'import' ? await importSide(dir!, target!) : await baselineSide(dir!, target!);
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } else {
    const customers = Number(args[0] ?? process.env.BENCH_IMPORT_CUSTOMERS ?? 1_000_000);
    const orders = Number(args[1] ?? process.env.BENCH_IMPORT_ORDERS ?? customers * 5);
    for (const row of await benchImport({ customers, orders, databaseUrl: process.env.BENCH_IMPORT_DATABASE_URL }))
      console.log(formatRow(row));
  }
}
