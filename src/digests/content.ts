import type { Kysely } from 'kysely';
import { acquisitionsByDay } from '../metrics/acquisition.ts';
import { revenueByDay, spendByDay } from '../metrics/revenue.ts';
import { spendIn } from '../metrics/spend.ts';
import { computeChannelRoi, type ChannelRoi, type RoiReport } from '../metrics/roi.ts';
import { kpisInReportingCurrency, type ConvertedKpis, type ConvertedRoi } from '../metrics/currency-conversion.ts';
import { dayOf } from '../core/business-day.ts';
import { onDays } from '../store/business-days.ts';
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
  /** The business time zone: which day an order, signup or launch falls on (as in /cac and /roi). */
  zone: string;
  /** REPORTING_CURRENCY: adds totals converted into it at daily rates from /import rates. */
  reporting_currency?: string;
}

export interface Figure {
  value: number;
  previous: number;
}

/** One channel and spend currency, exactly as /roi reports it for the period with as_of = its last day (and /cac its CAC). */
export interface ChannelFigures {
  channel: string;
  currency: string;
  spend_cents: number;
  new_customers: number;
  /** Spend per new customer; null without spend or without new customers (never 0 for a channel that spent nothing). */
  cac_cents: number | null;
  revenue_cents: number;
  /** (revenue - spend) / spend, revenue of the customers acquired in the period up to its last day; null without spend. */
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
  /** Net revenue and spend in the digest's main currency, cents. */
  revenue_cents: number;
  spend_cents: number;
  /** Every currency's net revenue and spend, cents (never summed across currencies). */
  by_currency: Record<string, { revenue_cents: number; spend_cents: number }>;
}

export interface DigestData {
  period: DigestPeriod & { kind: PeriodKind };
  previous_period: DigestPeriod;
  /** The main currency (most revenue in the periods shown): money KPIs and the chart are in it. */
  currency: string;
  /** Other currencies with revenue or spend, shown beside it, never added to it. */
  other_currencies: string[];
  sections: Section[];
  /** No orders, new customers or spend in the period. */
  empty: boolean;
  anomalies: Anomaly[];
  kpis: {
    new_customers: Figure;
    orders: Figure;
    revenue_cents: Figure;
    spend_cents: Figure;
    other: { currency: string; revenue_cents: Figure; spend_cents: Figure }[];
  };
  channels: ChannelFigures[];
  campaigns: { available: boolean; launched: CampaignResult[] };
  segments: { available: boolean; latest_run_id: number | null; previous_run_id: number | null; movements: SegmentMovement[] };
  history: HistoryPoint[];
  /** Monthly spend rows the reported period cuts (prorated by day). */
  prorated_spend_rows: number;
  /**
   * With REPORTING_CURRENCY: revenue and spend converted at daily rates, and /roi's converted total of the
   * channels with spend for the period and the one before (each null when nothing needs converting).
   */
  reporting: { currency: string; kpis: ConvertedKpis | null; channels: ConvertedRoi | null; previous_channels: ConvertedRoi | null } | null;
}

const HISTORY = TRAILING_PERIODS + 1;

/** The index of the period holding a business day (`YYYY-MM-DD`), or -1. */
function bucketFinder(periods: DigestPeriod[]): (day: string | null) => number {
  return (day) => {
    if (!day) return -1;
    const date = String(day);
    return periods.findIndex((p) => date >= p.from && date <= p.to);
  };
}

const num = (value: unknown) => Number(value ?? 0);

/** The digest's figures, from a few aggregate queries over the store. */
export async function computeDigestData(db: Kysely<Database>, options: DigestOptions): Promise<DigestData> {
  const current = reportedPeriod(options.period, options.send_date);
  const periods = trailingPeriods(options.period, current, HISTORY);
  const previous = periods[HISTORY - 2]!;
  const start = periods[0]!.from;
  const zone = options.zone;
  const recent = periods.slice(-2);

  // Grouped by day, not by period: the groups follow the date indexes, and days map onto periods here.
  const [revenueRows, acquisitionRows, spendRows, firstOrder] = await Promise.all([
    revenueByDay(db, start, current.to, zone),
    acquisitionsByDay(db, start, current.to, zone),
    spendByDay(db, start, current.to),
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
    by_currency: {},
  }));
  const money = (point: HistoryPoint, currency: string) => (point.by_currency[currency] ??= { revenue_cents: 0, spend_cents: 0 });
  for (const row of revenueRows) {
    const point = history[bucket(row.day)];
    if (!point) continue;
    point.orders += row.orders;
    money(point, row.currency).revenue_cents += row.revenue_cents;
  }
  for (const row of acquisitionRows) {
    const point = history[bucket(row.day)];
    if (point) point.new_customers += row.customers;
  }
  for (const row of spendRows) {
    const point = history[bucket(row.day)];
    if (point) money(point, row.currency).spend_cents += row.spend_cents;
  }
  // monthly spend spread over its days is fractional: whole cents per period
  for (const point of history) for (const m of Object.values(point.by_currency)) m.spend_cents = Math.round(m.spend_cents);
  const currencies = currenciesBySize(history, options.currency);
  const currency = currencies[0]!;
  for (const point of history) {
    point.revenue_cents = point.by_currency[currency]?.revenue_cents ?? 0;
    point.spend_cents = point.by_currency[currency]?.spend_cents ?? 0;
  }

  const now = history[HISTORY - 1]!;
  const before = history[HISTORY - 2]!;
  const inCurrency = (c: string, key: 'revenue_cents' | 'spend_cents') => ({
    value: now.by_currency[c]?.[key] ?? 0,
    previous: before.by_currency[c]?.[key] ?? 0,
  });
  const kpis = {
    new_customers: { value: now.new_customers, previous: before.new_customers },
    orders: { value: now.orders, previous: before.orders },
    revenue_cents: inCurrency(currency, 'revenue_cents'),
    spend_cents: inCurrency(currency, 'spend_cents'),
    other: currencies
      .slice(1)
      .map((c) => ({ currency: c, revenue_cents: inCurrency(c, 'revenue_cents'), spend_cents: inCurrency(c, 'spend_cents') }))
      .filter((o) => o.revenue_cents.value || o.revenue_cents.previous || o.spend_cents.value || o.spend_cents.previous),
  };

  // Periods that ended before the first order say nothing about what is normal.
  const first = firstOrder?.first as string | null | undefined;
  const dataStart = first ? dayOf(first, zone) : dayAfter(current.to);
  const trailing = history.slice(0, HISTORY - 1).filter((p) => p.to >= dataStart);
  const anomalies: Anomaly[] = [];
  for (const metric of ['orders', 'new_customers'] as const) {
    const found = detectAnomaly(
      metric,
      now[metric],
      trailing.map((p) => p[metric]),
    );
    if (found) anomalies.push(found);
  }
  // money is compared with money of the same currency only
  for (const c of currencies) {
    for (const metric of ['revenue_cents', 'spend_cents'] as const) {
      const found = detectAnomaly(
        metric,
        now.by_currency[c]?.[metric] ?? 0,
        trailing.map((p) => p.by_currency[c]?.[metric] ?? 0),
      );
      if (found) anomalies.push({ ...found, currency: c });
    }
  }
  anomalies.sort((a, b) => ANOMALY_ORDER.indexOf(a.metric) - ANOMALY_ORDER.indexOf(b.metric));

  const roi = options.sections.includes('channels')
    ? await Promise.all([
        roiReport(db, current, zone, options.reporting_currency),
        roiReport(db, previous, zone, options.reporting_currency),
      ])
    : null;
  const channels = roi ? channelFigures(roi[0].channels, roi[1].channels) : [];
  const { prorated } = await spendIn(db, current.from, current.to);
  const within = (p: DigestPeriod) => (row: { day: string }) => row.day >= p.from && row.day <= p.to;
  const revenueDays = (p: DigestPeriod) =>
    revenueRows.filter(within(p)).map((r) => ({ day: r.day, currency: r.currency, cents: r.revenue_cents }));
  const spendDays = (p: DigestPeriod) =>
    spendRows.filter(within(p)).map((r) => ({ day: r.day, currency: r.currency, cents: r.spend_cents }));
  const reporting = options.reporting_currency
    ? {
        currency: options.reporting_currency,
        kpis: await kpisInReportingCurrency(db, options.reporting_currency, {
          revenue: revenueDays(current),
          previousRevenue: revenueDays(previous),
          spend: spendDays(current),
          previousSpend: spendDays(previous),
        }),
        channels: roi?.[0].reporting ?? null,
        previous_channels: roi?.[1].reporting ?? null,
      }
    : null;

  return {
    period: { ...current, kind: options.period },
    previous_period: previous,
    currency,
    other_currencies: currencies.slice(1).filter((c) => history.some((p) => p.by_currency[c])),
    sections: options.sections,
    // spend in any currency is activity, not only the main one's
    empty: now.orders === 0 && now.new_customers === 0 && Object.values(now.by_currency).every((m) => m.spend_cents === 0),
    anomalies,
    kpis,
    channels,
    campaigns: options.sections.includes('campaigns') ? await campaignResults(db, current, zone) : { available: true, launched: [] },
    segments: options.sections.includes('segments')
      ? await segmentMovements(db)
      : { available: true, latest_run_id: null, previous_run_id: null, movements: [] },
    history,
    prorated_spend_rows: prorated,
    reporting,
  };
}

const ANOMALY_ORDER = ['revenue_cents', 'orders', 'new_customers', 'spend_cents'];

/** Currencies by revenue (then spend) over the periods, largest first; the configured one when there is no money at all. */
function currenciesBySize(history: HistoryPoint[], fallback: string): string[] {
  const size = new Map<string, [number, number]>();
  for (const point of history) {
    for (const [c, m] of Object.entries(point.by_currency)) {
      const [revenue, spend] = size.get(c) ?? [0, 0];
      size.set(c, [revenue + Math.abs(m.revenue_cents), spend + m.spend_cents]);
    }
  }
  const sorted = [...size].sort((a, b) => b[1][0] - a[1][0] || b[1][1] - a[1][1] || a[0].localeCompare(b[0])).map(([c]) => c);
  return sorted.length ? sorted : [fallback];
}

/** /roi for a period, as of its last day, without projections. */
function roiReport(db: Kysely<Database>, period: DigestPeriod, zone: string, reportingCurrency: string | undefined): Promise<RoiReport> {
  return computeChannelRoi(db, {
    period: { ...period, kind: 'range', zone },
    asOf: period.to,
    horizonMonths: 0,
    reportingCurrency,
    projection: async () => ({ missing: 'not projected in the digest' }),
  });
}

const cents = (units: number) => Math.round(units * 100);
const figuresOf = (row: ChannelRoi | undefined) => ({
  spend_cents: row ? cents(row.spend) : 0,
  new_customers: row?.new_customers ?? 0,
  cac_cents: row?.cac == null ? null : cents(row.cac),
  revenue_cents: row ? cents(row.revenue) : 0,
  roi: row?.roi ?? null,
});

/** CAC and ROI per channel and spend currency for the period and the one before: /roi's own figures. */
function channelFigures(now: ChannelRoi[], before: ChannelRoi[]): ChannelFigures[] {
  const key = (r: ChannelRoi) => `${r.channel}\u0000${r.currency}`;
  const keys = [...new Map([...now, ...before].map((r) => [key(r), { channel: r.channel, currency: r.currency }])).values()];
  return keys
    .map(({ channel, currency }) => {
      const find = (rows: ChannelRoi[]) => rows.find((r) => r.channel === channel && r.currency === currency);
      return { channel, currency, ...figuresOf(find(now)), previous: figuresOf(find(before)) };
    })
    .filter(
      (c) =>
        c.spend_cents + c.new_customers + c.revenue_cents + c.previous.spend_cents + c.previous.new_customers + c.previous.revenue_cents !==
        0,
    )
    .sort(
      (a, b) =>
        a.currency.localeCompare(b.currency) ||
        b.spend_cents - a.spend_cents ||
        b.revenue_cents - a.revenue_cents ||
        a.channel.localeCompare(b.channel),
    );
}

async function campaignResults(db: Kysely<Database>, period: DigestPeriod, zone: string): Promise<DigestData['campaigns']> {
  const launched = await db
    .selectFrom('campaigns')
    .select(['id', 'name', 'channel', 'state', 'launched_at', 'audience_size'])
    .where(onDays('launched_at', period.from, period.to, zone))
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
