import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import SQLite from 'better-sqlite3';
import { addDays } from '../src/core/dates.ts';
import { randomNormal, seededRandom } from '../src/util/random.ts';

/** The date the generated stores are "as of" (the benches segment as of it). */
export const AS_OF = '2026-06-30';

/** Five personas: recency scale (days), mean orders, order value ($). */
const PERSONAS = [
  { share: 0.1, recency: 12, orders: 6, value: 90 },
  { share: 0.2, recency: 25, orders: 1.2, value: 45 },
  { share: 0.25, recency: 60, orders: 3, value: 55 },
  { share: 0.15, recency: 240, orders: 4, value: 110 },
  { share: 0.3, recency: 300, orders: 1.5, value: 25 },
];

/**
 * Writes `customers` seeded customers with about 3 orders each into a fresh store, with
 * better-sqlite3 prepared multi-row statements in one transaction (the orders indexes rebuilt after).
 */
export function generateStore(file: string, customers: number, seed: number): { orders: number } {
  const db = new SQLite(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  db.pragma('foreign_keys = OFF'); // customers are flushed in batches after their orders may be
  // the orders indexes are rebuilt after the inserts (faster than maintaining them row by row)
  const indexes = db
    .prepare("select name, sql from sqlite_master where type = 'index' and tbl_name = 'orders' and sql is not null")
    .all() as { name: string; sql: string }[];
  for (const index of indexes) db.exec(`drop index ${index.name}`);
  const random = seededRandom(seed);
  const at = '2026-07-01T00:00:00.000Z';
  const ROWS = 500;
  const customerSql = `insert into customers (customer_id, email, signup_date, consent, created_at, updated_at) values ${Array(ROWS).fill('(?, ?, ?, 1, ?, ?)').join(',')}`;
  const orderSql = `insert into orders (order_id, customer_id, order_date, gross_cents, net_cents, currency, lines, is_purchase, updated_at) values ${Array(ROWS).fill("(?, ?, ?, ?, ?, 'USD', 1, 1, ?)").join(',')}`;
  const insertCustomers = db.prepare(customerSql);
  const insertOrders = db.prepare(orderSql);
  let customerParams: unknown[] = [];
  let orderParams: unknown[] = [];
  let orders = 0;
  db.transaction(() => {
    for (let i = 0; i < customers; i++) {
      let u = random();
      const persona = PERSONAS.find((p) => (u -= p.share) < 0) ?? PERSONAS[PERSONAS.length - 1];
      const id = `C${String(i).padStart(7, '0')}`;
      const last = addDays(AS_OF, -Math.min(700, Math.round(-persona.recency * Math.log(Math.max(random(), 1e-12)))));
      const n =
        1 + Math.min(40, Math.round(-(persona.orders - 1) * Math.log(Math.max(random(), 1e-12)) * 0.9 + (random() < 0.5 ? 0 : 0.4)));
      customerParams.push(id, `${id.toLowerCase()}@example.com`, addDays(last, -30 * n - 10), at, at);
      if (customerParams.length === ROWS * 5) {
        insertCustomers.run(customerParams);
        customerParams = [];
      }
      for (let j = 0; j < n; j++) {
        const cents = Math.max(100, Math.round(persona.value * Math.exp(randomNormal(random, 0, 0.5)) * 100));
        orderParams.push(`${id}-${j}`, id, addDays(last, -j * (10 + Math.floor(random() * 40))), cents, cents, at);
        orders++;
        if (orderParams.length === ROWS * 6) {
          insertOrders.run(orderParams);
          orderParams = [];
        }
      }
    }
    const rest = (params: unknown[], columns: number, sqlFor: (rows: number) => string) => {
      if (params.length > 0) db.prepare(sqlFor(params.length / columns)).run(params);
    };
    rest(customerParams, 5, (rows) => customerSql.replace(/values .*/, `values ${Array(rows).fill('(?, ?, ?, 1, ?, ?)').join(',')}`));
    rest(orderParams, 6, (rows) =>
      orderSql.replace(/values .*/, `values ${Array(rows).fill("(?, ?, ?, ?, ?, 'USD', 1, 1, ?)").join(',')}`),
    );
  })();
  for (const index of indexes) db.exec(index.sql);
  db.exec('analyze');
  db.close();
  return { orders };
}

/**
 * generateStore in a child process of its own: the bench process then starts with a clean heap
 * (the generator's garbage, hundreds of MiB at 1M customers, would otherwise be collected in the
 * middle of the measurements).
 */
export function generateStoreApart(file: string, customers: number, seed: number): { orders: number } {
  const out = execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), file, String(customers), String(seed)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return JSON.parse(out.trim().split('\n').at(-1)!) as { orders: number };
}

// `npx tsx bench/generate-store.ts <sqlite file> <customers> <seed>` (the store must be migrated)
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [file, customers, seed] = process.argv.slice(2);
  console.log(JSON.stringify(generateStore(file!, Number(customers), Number(seed))));
}
