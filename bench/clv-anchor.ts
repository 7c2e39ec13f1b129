import SQLite from 'better-sqlite3';
import pg from 'pg';
import Cursor from 'pg-cursor';
import { fitBgNbd } from '../src/metrics/clv/bgnbd.ts';
import { fitGammaGamma } from '../src/metrics/clv/gamma-gamma.ts';

/**
 * The anchor `/clv model` and `/clv value` are measured against: one SQL pass computing every
 * customer's summary (frequency x, recency t_x, age T, monetary) of purchases in one currency up to
 * as_of (UTC days), streamed into typed arrays, then the BG/NBD and Gamma-Gamma fits. Plain drivers,
 * no Kysely, no paging, no worker, no chart: the least any CLV answer has to do.
 */
export const ANCHOR_SQL = `
select customer_id, count(*) - 1 as x, min(day) as first_day, max(day) as last_day,
       sum(cents) - sum(case when day = first_day then cents else 0 end) as repeat_cents
from (select customer_id, substr(order_date, 1, 10) as day, sum(net_cents) as cents,
             min(substr(order_date, 1, 10)) over (partition by customer_id) as first_day
      from orders
      where is_purchase = 1 and currency = $1 and order_date < $2
      group by customer_id, substr(order_date, 1, 10)) as days
group by customer_id`;

export interface AnchorSummaries {
  ids: string[];
  x: Float64Array;
  tx: Float64Array;
  T: Float64Array;
  monetary: Float64Array;
  length: number;
}

export interface AnchorResult {
  ms: number;
  queryMs: number;
  fitMs: number;
  summaries: AnchorSummaries;
  bgnbd: ReturnType<typeof fitBgNbd>;
  gammaGamma: ReturnType<typeof fitGammaGamma>;
}

const DAY_MS = 86_400_000;

function nextDay(day: string): string {
  return new Date(Date.parse(day) + DAY_MS).toISOString().slice(0, 10);
}

/** The anchor on the store at `url` (sqlite:<file> or postgres://…), in weeks. */
export async function clvAnchor(url: string, options: { asOf: string; currency: string }): Promise<AnchorResult> {
  const started = performance.now();
  const asOfDay = Date.parse(options.asOf) / DAY_MS;
  let capacity = 1 << 16;
  let ids: string[] = [];
  let x = new Float64Array(capacity);
  let tx = new Float64Array(capacity);
  let T = new Float64Array(capacity);
  let monetary = new Float64Array(capacity);
  let n = 0;
  const dayNumbers = new Map<string, number>();
  const dayNumber = (day: string) => {
    let value = dayNumbers.get(day);
    if (value === undefined) dayNumbers.set(day, (value = Date.parse(day) / DAY_MS));
    return value;
  };
  const grow = (a: Float64Array) => {
    const b = new Float64Array(capacity);
    b.set(a);
    return b;
  };
  const add = (id: string, repeats: number, first: string, last: string, repeatCents: number) => {
    if (n === capacity) {
      capacity *= 2;
      [x, tx, T, monetary] = [grow(x), grow(tx), grow(T), grow(monetary)];
    }
    const firstDay = dayNumber(first);
    ids.push(id);
    x[n] = repeats;
    tx[n] = (dayNumber(last) - firstDay) / 7;
    T[n] = (asOfDay - firstDay) / 7;
    monetary[n] = repeats > 0 ? repeatCents / 100 / repeats : 0;
    n++;
  };
  const params = [options.currency, nextDay(options.asOf)];
  if (url.startsWith('postgres')) {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const cursor = client.query(new Cursor(ANCHOR_SQL, params, { rowMode: 'array' }));
      for (;;) {
        const rows = (await cursor.read(50_000)) as [string, string, string, string, string][];
        for (const r of rows) add(r[0], Number(r[1]), r[2], r[3], Number(r[4]));
        if (rows.length === 0) break;
      }
      await cursor.close();
    } finally {
      await client.end();
    }
  } else {
    const db = new SQLite(url.replace(/^sqlite:(\/\/)?/, ''), { readonly: true });
    try {
      const statement = db.prepare(ANCHOR_SQL.replace(/\$\d/g, '?')).raw(true);
      for (const r of statement.iterate(...params) as IterableIterator<[string, number, string, string, number]>)
        add(r[0], r[1], r[2], r[3], r[4]);
    } finally {
      db.close();
    }
  }
  const queryMs = performance.now() - started;
  const summaries = { ids, x: x.slice(0, n), tx: tx.slice(0, n), T: T.slice(0, n), monetary: monetary.slice(0, n), length: n };
  ids = [];
  const fitStarted = performance.now();
  const bgnbd = fitBgNbd(summaries);
  const gammaGamma = fitGammaGamma(summaries);
  const fitMs = performance.now() - fitStarted;
  return { ms: performance.now() - started, queryMs, fitMs, summaries, bgnbd, gammaGamma };
}
