import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';
import { randomInt, randomNormal, seededRandom, type Random } from '../src/util/random.ts';

/** Options of the demo dataset. The same options always give the same bytes. */
export interface DemoOptions {
  customers: number;
  seed?: number;
  /** Last day of the data (orders, spend, events). */
  end?: string;
  /** Months of history before `end`. */
  months?: number;
  /** Exactly this many orders per customer (the benchmark); otherwise a BG/NBD-like buy-till-you-die process. */
  ordersPerCustomer?: number;
  /** Multi-line orders, returns and cancellations (on by default). */
  lineItems?: boolean;
  /** The product and sku columns of orders.csv (on by default; the import benchmark measures without them too). */
  products?: boolean;
}

export const CHANNELS = ['google_ads', 'facebook', 'email', 'organic', 'referral'] as const;
const CHANNEL_WEIGHTS = [0.3, 0.25, 0.1, 0.25, 0.1];
const PAID_CPA: Record<string, number> = { google_ads: 42, facebook: 31, email: 12 };
const COUNTRIES = ['US', 'GB', 'DE', 'FR', 'CA', 'ES', 'NL', 'AU'];
const COUNTRY_WEIGHTS = [0.4, 0.15, 0.1, 0.1, 0.08, 0.07, 0.05, 0.05];
const FIRST = [
  'Ava',
  'Ben',
  'Chloe',
  'Dan',
  'Ella',
  'Finn',
  'Grace',
  'Hugo',
  'Isla',
  'Jack',
  'Kai',
  'Lena',
  'Mia',
  'Noah',
  'Olga',
  'Paul',
  'Rosa',
  'Sam',
  'Tara',
  'Yusuf',
];
const LAST = [
  'Smith',
  'Jones',
  'Müller',
  'Martin',
  'Garcia',
  'Brown',
  'Rossi',
  'Novak',
  'Silva',
  'Kim',
  'Nguyen',
  'Dubois',
  'Walsh',
  'Berg',
  'Costa',
];
const PRODUCTS: [string, number][] = [
  ['Mug', 12.5],
  ['Notebook', 6.99],
  ['Tote bag', 18],
  ['Poster', 24.9],
  ['Candle', 15.75],
  ['Tea set', 39.5],
  ['Lamp', 54],
  ['Blanket', 79.99],
];

/** "Tote bag" -> "SKU-TOTE-BAG" */
const skuOf = (product: string) => `SKU-${product.toUpperCase().replace(/ /g, '-')}`;

/** The catalog for /import products: the products orders name, with categories, and one retired product never sold. */
const CATALOG: { product: string; category: string; active: boolean }[] = [
  { product: 'Mug', category: 'Kitchen', active: true },
  { product: 'Notebook', category: 'Stationery', active: true },
  { product: 'Tote bag', category: 'Bags', active: true },
  { product: 'Poster', category: 'Decor', active: true },
  { product: 'Candle', category: 'Decor', active: true },
  { product: 'Tea set', category: 'Kitchen', active: true },
  { product: 'Lamp', category: 'Decor', active: false },
  { product: 'Blanket', category: 'Home', active: true },
];

const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);

function pick<T>(random: Random, items: readonly T[], weights?: number[]): T {
  if (!weights) return items[Math.floor(random() * items.length)]!;
  let u = random();
  for (let i = 0; i < items.length; i++) {
    u -= weights[i]!;
    if (u <= 0) return items[i]!;
  }
  return items[items.length - 1]!;
}

/** Gamma(shape, 1) draw (Marsaglia-Tsang), for heterogeneous purchase rates. */
function randomGamma(random: Random, shape: number): number {
  if (shape < 1) return randomGamma(random, shape + 1) * random() ** (1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = randomNormal(random);
    const v = (1 + c * x) ** 3;
    if (v <= 0) continue;
    const u = random();
    if (Math.log(Math.max(u, Number.EPSILON)) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}

function randomBeta(random: Random, a: number, b: number): number {
  const x = randomGamma(random, a);
  return x / (x + randomGamma(random, b));
}

function csvLine(cells: (string | number)[]): string {
  return `${cells.map((c) => (typeof c === 'string' && /[",\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : String(c))).join(',')}\n`;
}

export interface DemoRow {
  file: 'customers' | 'orders';
  line: string;
}

export const CUSTOMER_HEADER = 'customer_id,email,name,signup_date,country,acquisition_channel,consent,age,annual_income,spending_score\n';
export const ORDER_HEADER = 'order_id,customer_id,order_date,product,quantity,unit_price,currency,sku\n';
/** orders.csv without product columns (DemoOptions.products = false). */
const PLAIN_ORDER_HEADER = 'order_id,customer_id,order_date,quantity,unit_price,currency\n';

/** Per-month counts of acquisitions by channel, for spend that follows them. */
export type Acquisitions = Map<string, number>;

/** Customer ids as people write them: C1001, C1002, … */
export function customerId(n: number): string {
  return `C${1000 + n}`;
}

/**
 * Annual income (thousands) and a spending score (1-100) as a mall's loyalty survey has them: five
 * groups (low/high income × low/high score, and a middle), so k-means with k=5 finds them.
 */
const INCOME_GROUPS: [income: number, score: number][] = [
  [25, 20],
  [25, 80],
  [55, 50],
  [88, 17],
  [88, 82],
];
const INCOME_WEIGHTS = [0.12, 0.12, 0.4, 0.18, 0.18];

function incomeAndScore(random: Random): [number, number] {
  const [income, score] = pick(random, INCOME_GROUPS, INCOME_WEIGHTS);
  return [Math.max(12, Math.round(randomNormal(random, income, 7))), Math.min(99, Math.max(1, Math.round(randomNormal(random, score, 8))))];
}

/**
 * Customers and their orders, one customer at a time, so a million customers never sit in
 * memory. Yields CSV lines (headers included) tagged with the file they belong to.
 */
export function* demoRows(options: DemoOptions, acquisitions?: Acquisitions): Generator<DemoRow> {
  const random = seededRandom(options.seed ?? 42);
  // attributes come from a stream of their own, so adding one leaves the orders as they were
  const attributes = seededRandom((options.seed ?? 42) + 3);
  const end = Date.parse(`${options.end ?? '2026-10-31'}T00:00:00Z`);
  const endDate = new Date(end);
  const start = Date.UTC(endDate.getUTCFullYear(), endDate.getUTCMonth() - (options.months ?? 18) + 1, 1);
  const span = (end - start) / DAY + 1;
  const lineItems = options.lineItems ?? true;
  const withProducts = options.products ?? true;
  /** An order line: with its product's name and sku unless products are off. */
  const orderLine = (order: string, customer: string, date: string, product: string, quantity: number, unit: string) =>
    csvLine(
      withProducts
        ? [order, customer, date, product, quantity, unit, 'USD', skuOf(product)]
        : [order, customer, date, quantity, unit, 'USD'],
    );
  yield { file: 'customers', line: CUSTOMER_HEADER };
  yield { file: 'orders', line: withProducts ? ORDER_HEADER : PLAIN_ORDER_HEADER };
  let orderNo = 100000;
  for (let i = 1; i <= options.customers; i++) {
    const id = customerId(i);
    const first = pick(random, FIRST);
    const last = pick(random, LAST);
    const signup = start + Math.floor(random() * span) * DAY;
    const channel = pick(random, CHANNELS, CHANNEL_WEIGHTS);
    const consent = random() < 0.88 ? 'true' : 'false';
    const age = Math.min(80, Math.max(18, Math.round(randomNormal(random, 38, 11))));
    const email = `${first}.${last}.${i}`.toLowerCase().replace(/ü/g, 'ue') + '@example.com';
    yield {
      file: 'customers',
      line: csvLine([
        id,
        email,
        `${first} ${last}`,
        iso(signup),
        pick(random, COUNTRIES, COUNTRY_WEIGHTS),
        channel,
        consent,
        age,
        ...incomeAndScore(attributes),
      ]),
    };
    const month = iso(signup).slice(0, 7);
    acquisitions?.set(`${month}|${channel}`, (acquisitions.get(`${month}|${channel}`) ?? 0) + 1);

    // Purchase days: a first order soon after signup, then repeats at exponential gaps with a
    // customer-specific rate (Gamma) until the customer drops out (Beta) or the data ends.
    const days: number[] = [];
    if (options.ordersPerCustomer !== undefined) {
      for (let k = 0; k < options.ordersPerCustomer; k++) days.push(signup + Math.floor(random() * ((end - signup) / DAY + 1)) * DAY);
      days.sort((a, b) => a - b);
    } else if (random() < 0.85) {
      const rate = (randomGamma(random, 0.9) / 9) * (channel === 'email' || channel === 'referral' ? 1.4 : 1);
      const dropout = randomBeta(random, 0.9, 3);
      let day = signup + randomInt(random, 0, 6) * DAY;
      while (day <= end) {
        days.push(day);
        if (random() < dropout) break;
        day += Math.max(1, Math.round(-Math.log(Math.max(random(), 1e-12)) / Math.max(rate, 1e-6))) * DAY;
      }
    }
    const spendLevel = Math.exp(randomNormal(random, 0, 0.35));
    for (const day of days) {
      const orderId = String(++orderNo);
      const lines = lineItems ? (random() < 0.25 ? randomInt(random, 2, 3) : 1) : 1;
      const date = iso(day);
      for (let l = 0; l < lines; l++) {
        const [product, price] = pick(random, PRODUCTS);
        const unit = (price * spendLevel).toFixed(2);
        const quantity = random() < 0.8 ? 1 : randomInt(random, 2, 4);
        yield { file: 'orders', line: orderLine(orderId, id, date, product, quantity, unit) };
        if (lineItems && l === 0 && random() < 0.02) yield { file: 'orders', line: orderLine(orderId, id, date, product, -1, unit) };
      }
      if (lineItems && random() < 0.01) {
        const [product, price] = pick(random, PRODUCTS);
        yield {
          file: 'orders',
          line: orderLine(`C${orderId}`, id, iso(Math.min(end, day + 3 * DAY)), product, -1, (price * spendLevel).toFixed(2)),
        };
      }
    }
  }
}

/** Spend by paid channel and month, following acquisitions at a noisy cost per acquisition; none for organic and referral. */
export function* spendRows(acquisitions: Acquisitions, options: DemoOptions): Generator<string> {
  const random = seededRandom((options.seed ?? 42) + 1);
  yield 'date,channel,campaign,amount\n';
  const months = [...new Set([...acquisitions.keys()].map((k) => k.split('|')[0]!))].sort();
  for (const month of months) {
    for (const channel of Object.keys(PAID_CPA)) {
      const acquired = acquisitions.get(`${month}|${channel}`) ?? 0;
      const total = acquired * PAID_CPA[channel]! * Math.exp(randomNormal(random, 0, 0.15)) + 200;
      const brandShare = 0.3 + random() * 0.2;
      yield csvLine([month, channel, `${channel}-brand`, (total * brandShare).toFixed(2)]);
      yield csvLine([month, channel, `${channel}-prospecting`, (total * (1 - brandShare)).toFixed(2)]);
    }
  }
}

/** Six email campaigns, each sent to a sample of the consenting customers who had signed up by then. */
export function* eventRows(customers: { id: string; signup: string; consent: boolean }[], options: DemoOptions): Generator<string> {
  const random = seededRandom((options.seed ?? 42) + 2);
  const end = Date.parse(`${options.end ?? '2026-10-31'}T00:00:00Z`);
  yield 'customer_id,campaign_id,type,occurred_at\n';
  for (let c = 0; c < 6; c++) {
    const sent = end - (5 - c) * 45 * DAY - 20 * DAY;
    const campaign = `cmp-${iso(sent).slice(0, 7)}`;
    const reach = customers.filter((x) => x.consent && Date.parse(`${x.signup}T00:00:00Z`) < sent);
    for (const customer of reach) {
      if (random() > 0.3) continue;
      let at = sent + randomInt(random, 0, 3600) * 1000;
      const stamp = () => new Date(at).toISOString().replace('.000Z', 'Z');
      yield csvLine([customer.id, campaign, 'delivered', stamp()]);
      if (random() < 0.42) {
        at += randomInt(random, 60, 86_400) * 1000;
        yield csvLine([customer.id, campaign, 'opened', stamp()]);
        if (random() < 0.25) {
          at += randomInt(random, 5, 600) * 1000;
          yield csvLine([customer.id, campaign, 'clicked', stamp()]);
          if (random() < 0.2) {
            at += randomInt(random, 60, 7200) * 1000;
            yield csvLine([customer.id, campaign, 'converted', stamp()]);
          }
        }
      } else if (random() < 0.01) {
        at += randomInt(random, 60, 86_400) * 1000;
        yield csvLine([customer.id, campaign, 'unsubscribed', stamp()]);
      }
    }
  }
}

/**
 * A till's export in its own column names (`Invoice Ref`, `Total`), for `/import orders … map=`:
 * twenty orders of existing customers in the last month of the data.
 */
export function* salesRows(options: DemoOptions): Generator<string> {
  const random = seededRandom((options.seed ?? 42) + 4);
  const end = Date.parse(`${options.end ?? '2026-10-31'}T00:00:00Z`);
  yield 'Invoice Ref,customer_id,order_date,Total,currency\n';
  for (let n = 1; n <= 20; n++) {
    const customer = customerId(randomInt(random, 1, Math.min(options.customers, 200)));
    const day = iso(end - randomInt(random, 0, 27) * DAY);
    yield csvLine([`INV-${String(n).padStart(4, '0')}`, customer, day, (15 + random() * 120).toFixed(2), 'USD']);
  }
}

/**
 * Daily exchange rates for `/import rates` with REPORTING_CURRENCY=USD: US dollars per euro and per
 * pound over the months of the data.
 */
export function* rateRows(options: DemoOptions): Generator<string> {
  const random = seededRandom((options.seed ?? 42) + 5);
  const end = Date.parse(`${options.end ?? '2026-10-31'}T00:00:00Z`);
  const endDate = new Date(end);
  const start = Date.UTC(endDate.getUTCFullYear(), endDate.getUTCMonth() - (options.months ?? 18) + 1, 1);
  yield 'date,currency,rate\n';
  let eur = 1.08;
  let gbp = 1.27;
  for (let day = start; day <= end; day += DAY) {
    eur *= Math.exp(randomNormal(random, 0, 0.003));
    gbp *= Math.exp(randomNormal(random, 0, 0.003));
    yield csvLine([iso(day), 'EUR', eur.toFixed(4)]);
    yield csvLine([iso(day), 'GBP', gbp.toFixed(4)]);
  }
}

/** The catalog for /import products: sku, name, category, list price, page and image URLs, whether it is on sale. */
export function* productRows(): Generator<string> {
  yield 'sku,name,category,price,url,image_url,active\n';
  const prices = new Map(PRODUCTS);
  for (const { product, category, active } of CATALOG) {
    const slug = product.toLowerCase().replace(/ /g, '-');
    yield csvLine([
      skuOf(product),
      product,
      category,
      prices.get(product)!.toFixed(2),
      `https://shop.example.com/products/${slug}`,
      `https://shop.example.com/images/${slug}.jpg`,
      active ? 'active' : 'archived',
    ]);
  }
}

/** Writes lines to a file in 256 KiB chunks, waiting when the disk is behind. */
export class LineWriter {
  #stream;
  #buffer = '';
  lines = 0;
  constructor(file: string) {
    mkdirSync(path.dirname(file), { recursive: true });
    this.#stream = createWriteStream(file);
  }
  async write(line: string): Promise<void> {
    this.#buffer += line;
    this.lines++;
    if (this.#buffer.length >= 1 << 18) {
      const chunk = this.#buffer;
      this.#buffer = '';
      if (!this.#stream.write(chunk)) await new Promise<void>((resolve) => this.#stream.once('drain', () => resolve()));
    }
  }
  async close(): Promise<void> {
    const chunk = this.#buffer;
    this.#buffer = '';
    await new Promise<void>((resolve, reject) => this.#stream.end(chunk, (error?: Error | null) => (error ? reject(error) : resolve())));
  }
}

export interface DemoCounts {
  customers: number;
  orderLines: number;
  spend: number;
  events: number;
}

/**
 * Writes customers.csv and orders.csv (streamed), and with `full` also spend.csv, events.csv,
 * sales.csv (another shop's column names), rates.csv (exchange rates) and products.csv, into `dir`.
 */
export async function writeDemoData(dir: string, options: DemoOptions, full = true): Promise<DemoCounts> {
  const customers = new LineWriter(path.join(dir, 'customers.csv'));
  const orders = new LineWriter(path.join(dir, 'orders.csv'));
  const acquisitions: Acquisitions = new Map();
  const audience: { id: string; signup: string; consent: boolean }[] = [];
  for (const row of demoRows(options, acquisitions)) {
    if (row.file === 'customers') {
      await customers.write(row.line);
      if (full && !row.line.startsWith('customer_id')) {
        const [id, , , signup, , , consent] = row.line.split(',');
        audience.push({ id: id!, signup: signup!, consent: consent === 'true' });
      }
    } else {
      await orders.write(row.line);
    }
  }
  await Promise.all([customers.close(), orders.close()]);
  const counts: DemoCounts = { customers: customers.lines - 1, orderLines: orders.lines - 1, spend: 0, events: 0 };
  if (full) {
    const spend = new LineWriter(path.join(dir, 'spend.csv'));
    for (const line of spendRows(acquisitions, options)) await spend.write(line);
    await spend.close();
    const events = new LineWriter(path.join(dir, 'events.csv'));
    for (const line of eventRows(audience, options)) await events.write(line);
    await events.close();
    counts.spend = spend.lines - 1;
    counts.events = events.lines - 1;
    for (const [file, rows] of [
      ['sales.csv', salesRows(options)],
      ['rates.csv', rateRows(options)],
      ['products.csv', productRows()],
    ] as const) {
      const writer = new LineWriter(path.join(dir, file));
      for (const line of rows) await writer.write(line);
      await writer.close();
    }
  }
  return counts;
}
