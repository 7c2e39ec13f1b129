import type { Kysely } from 'kysely';
import { cacMissing } from '../core/format.ts';
import { NO_CHANNEL } from '../metrics/acquisition.ts';
import type { Database } from '../store/schema.ts';
import { detectAnomaly, TRAILING_PERIODS, type Anomaly } from './anomalies.ts';
import { dayAfter, reportedPeriod, trailingPeriods, type DigestPeriod, type PeriodKind } from './periods.ts';

export const SECTIONS = ['kpis', 'channels', 'campaigns', 'segments'] as const;
export type Section = (typeof SECTIONS)[number];

export interface DigestOptions {
  period: PeriodKind;
  sections: Section[];
  /** The local date the digest goes out (YYYY-MM-DD): it reports the last complete period before it. */
  send_date: string;
  currency: string;
}

export interface Figure {
  value: number;
  previous: number;
}

export interface ChannelFigures {
  channel: string;
  spend_cents: number;
  new_customers: number;
  /** Spend per new customer; null without spend or without new customers (never 0 for a channel that spent nothing). */
  cac_cents: number | null;
  revenue_cents: number;
  /** (revenue - spend) / spend, revenue of the customers acquired in the period (as /roi with as_of = period end); null without spend. */
  roi: number | null;
  previous: { spend_cents: number; new_customers: number; cac_cents: number | null; revenue_cents: number; roi: number | null };
}

export interface CampaignResult {
  id: number;
  name: string;
  channel: string;
  state: string;
  launched_at: string;
  audience_size: number;
  sent: number;
  events: Record<string, number>;
}

export interface SegmentMovement {
  from: string;
  to: string;
  customers: number;
}

export interface HistoryPoint {
  label: string;
  from: string;
  to: string;
  new_customers: number;
  orders: number;
  revenue_cents: number;
  spend_cents: number;
}

export interface DigestData {
  period: DigestPeriod & { kind: PeriodKind };
  previous_period: DigestPeriod;
  currency: string;
  sections: Section[];
  /** No orders, new customers or spend in the period. */
  empty: boolean;
  anomalies: Anomaly[];
  kpis: { new_customers: Figure; orders: Figure; revenue_cents: Figure; spend_cents: Figure };
  channels: ChannelFigures[];
  campaigns: { available: boolean; launched: CampaignResult[] };
  segments: { available: boolean; latest_run_id: number | null; previous_run_id: number | null; movements: SegmentMovement[] };
  history: HistoryPoint[];
}

const HISTORY = TRAILING_PERIODS + 1;

/** The index of the period holding a day (`YYYY-MM-DD` or a timestamp), or -1. */
function bucketFinder(periods: DigestPeriod[]): (day: string | null) => number {
  return (day) => {
    if (!day) return -1;
    const date = String(day).slice(0, 10);
    return periods.findIndex((p) => date >= p.from && date <= p.to);
  };
}

/**
 * Revenue per day and channel of the customers acquired (signed up) in the same period, for the given periods.
 * Driven from the period's new customers through the (customer_id, order_date) index: a few thousand
 * customers, not every order of the period.
 */
async function acquiredRevenue(
  db: Kysely<Database>,
  periods: DigestPeriod[],
): Promise<{ day: string; channel: string | null; revenue: number }[]> {
  const rows = await Promise.all(
    periods.map((p) =>
      db
        .selectFrom('customers as c')
        // CROSS JOIN + WHERE: SQLite keeps customers as the outer loop (it would otherwise walk every order of
        // the period); PostgreSQL plans it as the inner join it is.
        .crossJoin('orders as o')
        .whereRef('o.customer_id', '=', 'c.customer_id')
        .select(['c.acquisition_channel as channel', (eb) => eb.fn.sum<number>('o.net_cents').as('revenue')])
        .where('c.signup_date', '>=', p.from)
        .where('c.signup_date', '<', dayAfter(p.to))
        .where('o.order_date', '>=', p.from)
        .where('o.order_date', '<', dayAfter(p.to))
        .where('o.is_purchase', '=', 1)
        .groupBy('c.acquisition_channel')
        .execute()
        .then((result) => result.map((r) => ({ day: p.from, channel: r.channel, revenue: num(r.revenue) }))),
    ),
  );
  return rows.flat();
}

const num = (value: unknown) => Number(value ?? 0);
const channelName = (value: string | null) => (value && value.trim() !== '' ? value : NO_CHANNEL);

/** The digest's figures, from a few aggregate queries over the store. */
export async function computeDigestData(db: Kysely<Database>, options: DigestOptions): Promise<DigestData> {
  const current = reportedPeriod(options.period, options.send_date);
  const periods = trailingPeriods(options.period, current, HISTORY);
  const previous = periods[HISTORY - 2]!;
  const start = periods[0]!.from;
  const end = dayAfter(current.to);
  const recent = periods.slice(-2);

  // Grouped by day, not by period: the groups follow the date indexes, and days map onto periods here.
  const [orderRows, customerRows, spendRows, revenueRows, firstOrder] = await Promise.all([
    db
      .selectFrom('orders')
      .select(['order_date as day', (eb) => eb.fn.countAll<number>().as('orders'), (eb) => eb.fn.sum<number>('net_cents').as('revenue')])
      .where('order_date', '>=', start)
      .where('order_date', '<', end)
      .where('is_purchase', '=', 1)
      .groupBy('order_date')
      .execute(),
    db
      .selectFrom('customers')
      .select(['signup_date as day', 'acquisition_channel', (eb) => eb.fn.countAll<number>().as('customers')])
      .where('signup_date', '>=', start)
      .where('signup_date', '<', end)
      .groupBy(['signup_date', 'acquisition_channel'])
      .execute(),
    db
      .selectFrom('spend')
      .select(['date as day', 'channel', (eb) => eb.fn.sum<number>('amount_cents').as('spend')])
      .where('date', '>=', start)
      .where('date', '<', end)
      .groupBy(['date', 'channel'])
      .execute(),
    options.sections.includes('channels') ? acquiredRevenue(db, recent) : Promise.resolve([]),
    db
      .selectFrom('orders')
      .select((eb) => eb.fn.min('order_date').as('first'))
      .executeTakeFirst(),
  ]);

  const bucket = bucketFinder(periods);
  const history: HistoryPoint[] = periods.map((p) => ({
    label: p.label,
    from: p.from,
    to: p.to,
    new_customers: 0,
    orders: 0,
    revenue_cents: 0,
    spend_cents: 0,
  }));
  for (const row of orderRows) {
    const point = history[bucket(row.day)];
    if (!point) continue;
    point.orders += num(row.orders);
    point.revenue_cents += num(row.revenue);
  }
  for (const row of customerRows) {
    const point = history[bucket(row.day)];
    if (point) point.new_customers += num(row.customers);
  }
  for (const row of spendRows) {
    const point = history[bucket(row.day)];
    if (point) point.spend_cents += num(row.spend);
  }

  const now = history[HISTORY - 1]!;
  const before = history[HISTORY - 2]!;
  const kpis = {
    new_customers: { value: now.new_customers, previous: before.new_customers },
    orders: { value: now.orders, previous: before.orders },
    revenue_cents: { value: now.revenue_cents, previous: before.revenue_cents },
    spend_cents: { value: now.spend_cents, previous: before.spend_cents },
  };

  // Periods that ended before the first order say nothing about what is normal.
  const dataStart = (firstOrder?.first as string | null | undefined) ?? end;
  const trailing = history.slice(0, HISTORY - 1).filter((p) => p.to >= dataStart);
  const anomalies = (['revenue_cents', 'orders', 'new_customers', 'spend_cents'] as const)
    .map((metric) =>
      detectAnomaly(
        metric,
        now[metric],
        trailing.map((p) => p[metric]),
      ),
    )
    .filter((a): a is Anomaly => a !== null);

  const recentBucket = (day: string | null) => bucket(day) - (HISTORY - 2);
  const channels = channelFigures(
    customerRows.map((r) => ({ bucket: recentBucket(r.day), channel: r.acquisition_channel, value: num(r.customers) })),
    spendRows.map((r) => ({ bucket: recentBucket(r.day), channel: r.channel, value: num(r.spend) })),
    revenueRows.map((r) => ({ bucket: recentBucket(r.day), channel: r.channel, value: r.revenue })),
  );

  return {
    period: { ...current, kind: options.period },
    previous_period: previous,
    currency: options.currency,
    sections: options.sections,
    empty: now.orders === 0 && now.new_customers === 0 && now.spend_cents === 0,
    anomalies,
    kpis,
    channels: options.sections.includes('channels') ? channels : [],
    campaigns: options.sections.includes('campaigns') ? await campaignResults(db, current) : { available: true, launched: [] },
    segments: options.sections.includes('segments')
      ? await segmentMovements(db)
      : { available: true, latest_run_id: null, previous_run_id: null, movements: [] },
    history,
  };
}

type Cell = { bucket: number | null; channel: string | null; value: number };

/** Buckets here: 0 = previous period, 1 = current. */
function channelFigures(customers: Cell[], spend: Cell[], revenue: Cell[]): ChannelFigures[] {
  const table = new Map<string, { spend: number[]; customers: number[]; revenue: number[] }>();
  const add = (cells: Cell[], key: 'spend' | 'customers' | 'revenue') => {
    for (const cell of cells) {
      if (cell.bucket !== 0 && cell.bucket !== 1) continue;
      const name = channelName(cell.channel);
      const entry = table.get(name) ?? { spend: [0, 0], customers: [0, 0], revenue: [0, 0] };
      entry[key][cell.bucket] += cell.value;
      table.set(name, entry);
    }
  };
  add(customers, 'customers');
  add(spend, 'spend');
  add(revenue, 'revenue');
  const figures = (e: { spend: number[]; customers: number[]; revenue: number[] }, i: number) => ({
    spend_cents: e.spend[i]!,
    new_customers: e.customers[i]!,
    cac_cents: cacMissing(e.spend[i]!, e.customers[i]!) ? null : Math.round(e.spend[i]! / e.customers[i]!),
    revenue_cents: e.revenue[i]!,
    roi: e.spend[i]! > 0 ? (e.revenue[i]! - e.spend[i]!) / e.spend[i]! : null,
  });
  return [...table.entries()]
    .map(([channel, e]) => ({ channel, ...figures(e, 1), previous: figures(e, 0) }))
    .filter(
      (c) =>
        c.spend_cents + c.new_customers + c.revenue_cents + c.previous.spend_cents + c.previous.new_customers + c.previous.revenue_cents >
        0,
    )
    .sort((a, b) => b.spend_cents - a.spend_cents || b.revenue_cents - a.revenue_cents || a.channel.localeCompare(b.channel));
}

async function campaignResults(db: Kysely<Database>, period: DigestPeriod): Promise<DigestData['campaigns']> {
  const launched = await db
    .selectFrom('campaigns')
    .select(['id', 'name', 'channel', 'state', 'launched_at', 'audience_size'])
    .where('launched_at', '>=', period.from)
    .where('launched_at', '<', dayAfter(period.to))
    .orderBy('launched_at')
    .limit(20)
    .execute();
  if (launched.length === 0) return { available: true, launched: [] };
  const ids = launched.map((c) => num(c.id));
  const [sent, events] = await Promise.all([
    db
      .selectFrom('campaign_outbox')
      .select(['campaign_id', (eb) => eb.fn.countAll<number>().as('sent')])
      .where('campaign_id', 'in', ids)
      .where('status', '=', 'sent')
      .groupBy('campaign_id')
      .execute(),
    db
      .selectFrom('events')
      .select(['campaign_id', 'type', (eb) => eb.fn.countAll<number>().as('events')])
      .where('campaign_id', 'in', ids.map(String))
      .groupBy(['campaign_id', 'type'])
      .execute(),
  ]);
  return {
    available: true,
    launched: launched.map((c) => ({
      id: num(c.id),
      name: c.name,
      channel: c.channel,
      state: c.state,
      launched_at: c.launched_at!,
      audience_size: num(c.audience_size),
      sent: num(sent.find((s) => num(s.campaign_id) === num(c.id))?.sent),
      events: Object.fromEntries(events.filter((e) => e.campaign_id === String(c.id)).map((e) => [e.type, num(e.events)])),
    })),
  };
}

/** Customers who changed segment between the two latest segmentation runs. */
async function segmentMovements(db: Kysely<Database>): Promise<DigestData['segments']> {
  const runs = await db.selectFrom('segment_runs').select('id').where('status', '=', 'complete').orderBy('id', 'desc').limit(2).execute();
  const latest = runs[0] ? num(runs[0].id) : null;
  const previous = runs[1] ? num(runs[1].id) : null;
  if (latest === null || previous === null) return { available: true, latest_run_id: latest, previous_run_id: previous, movements: [] };
  const rows = await db
    .selectFrom('segment_members as a')
    .innerJoin('segment_members as b', (join) => join.onRef('b.customer_id', '=', 'a.customer_id').on('b.run_id', '=', latest))
    .innerJoin('segments as sa', 'sa.id', 'a.segment_id')
    .innerJoin('segments as sb', 'sb.id', 'b.segment_id')
    .select(['sa.name as from_name', 'sb.name as to_name', (eb) => eb.fn.countAll<number>().as('customers')])
    .where('a.run_id', '=', previous)
    .whereRef('sa.name', '<>', 'sb.name')
    .groupBy(['sa.name', 'sb.name'])
    .orderBy('customers', 'desc')
    .limit(8)
    .execute();
  return {
    available: true,
    latest_run_id: latest,
    previous_run_id: previous,
    movements: rows.map((r) => ({ from: r.from_name, to: r.to_name, customers: num(r.customers) })),
  };
}
