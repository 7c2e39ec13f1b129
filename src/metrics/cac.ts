import type { Kysely } from 'kysely';
import { cacMissing } from '../core/format.ts';
import type { Database } from '../store/schema.ts';
import { newCustomersByChannel, spendByChannel } from './acquisition.ts';
import { previousPeriod, trailingPeriods } from './periods.ts';
import { spendIn } from './spend.ts';
import type { Period } from './periods.ts';

export interface CacFigure {
  /** Spend in currency units. */
  spend: number;
  new_customers: number;
  /** spend / new_customers; null without spend or without new customers (never $0, never a division by zero). */
  cac: number | null;
}

export interface CacRow extends CacFigure {
  channel: string;
  currency: string | null;
  previous: CacFigure;
}

export interface CacTotals extends CacFigure {
  currency: string;
  previous: CacFigure;
}

export interface CacReport {
  period: Period;
  previous_period: Period;
  channels: CacRow[];
  /** All spend / all new customers, per spend currency. */
  blended: CacTotals[];
  /** All spend / new customers of the channels with spend, per currency. */
  paid: CacTotals[];
  trend: { periods: Period[]; currency: string | null; series: { channel: string; cac: (number | null)[] }[] };
  /** Monthly spend rows the period cuts (prorated by day). */
  prorated_spend_rows: number;
}

interface PeriodData {
  customers: Map<string, number>;
  spend: Map<string, Map<string, number>>;
}

async function periodData(db: Kysely<Database>, period: Period): Promise<PeriodData> {
  return { customers: await newCustomersByChannel(db, period), spend: await spendByChannel(db, period) };
}

const figure = (spendCents: number, customers: number): CacFigure => ({
  spend: spendCents / 100,
  new_customers: customers,
  cac: cacMissing(spendCents, customers) ? null : Math.round(spendCents / customers) / 100,
});

/** A channel without spend (organic) has no CAC. */
function channelFigure(data: PeriodData, channel: string, currency: string | null): CacFigure {
  const customers = data.customers.get(channel) ?? 0;
  if (!currency) return { spend: 0, new_customers: customers, cac: null };
  return figure(data.spend.get(channel)?.get(currency) ?? 0, customers);
}

function currenciesOf(data: PeriodData[]): string[] {
  const totals = new Map<string, number>();
  for (const d of data)
    for (const byCurrency of d.spend.values()) for (const [c, cents] of byCurrency) totals.set(c, (totals.get(c) ?? 0) + cents);
  return [...totals].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([c]) => c);
}

function totals(data: PeriodData, currency: string, paidOnly: boolean): CacFigure {
  let spend = 0;
  let customers = 0;
  for (const byCurrency of data.spend.values()) spend += byCurrency.get(currency) ?? 0;
  for (const [channel, count] of data.customers) {
    if (!paidOnly || (data.spend.get(channel)?.get(currency) ?? 0) > 0) customers += count;
  }
  return figure(spend, customers);
}

/** CAC per channel, blended and paid, for a period and the one before it, with a trend over `trendPeriods` periods. */
export async function computeCac(
  db: Kysely<Database>,
  period: Period,
  options: { channel?: string; trendPeriods?: number } = {},
): Promise<CacReport> {
  const previous = previousPeriod(period);
  const current = await periodData(db, period);
  const before = await periodData(db, previous);
  const currencies = currenciesOf([current, before]);
  const channelNames = [...new Set([...current.spend.keys(), ...current.customers.keys(), ...before.spend.keys()])]
    .filter((c) => !options.channel || c === options.channel)
    .sort((a, b) => a.localeCompare(b));
  const channels: CacRow[] = [];
  for (const channel of channelNames) {
    const own = currencies.filter((c) => (current.spend.get(channel)?.get(c) ?? 0) !== 0 || (before.spend.get(channel)?.get(c) ?? 0) !== 0);
    for (const currency of own.length ? own : [null]) {
      channels.push({
        channel,
        currency,
        ...channelFigure(current, channel, currency),
        previous: channelFigure(before, channel, currency),
      });
    }
  }
  const blended = currencies.map((currency) => ({
    currency,
    ...totals(current, currency, false),
    previous: totals(before, currency, false),
  }));
  const paid = currencies.map((currency) => ({ currency, ...totals(current, currency, true), previous: totals(before, currency, true) }));

  const periods = trailingPeriods(period, options.trendPeriods ?? 6);
  const history: PeriodData[] = [];
  for (const p of periods.slice(0, -2)) history.push(await periodData(db, p));
  history.push(before, current);
  const trendCurrency = currencies[0] ?? null;
  const spendChannels = [...new Set(history.flatMap((d) => [...d.spend.keys()]))]
    .filter((c) => !options.channel || c === options.channel)
    .sort((a, b) => a.localeCompare(b));
  const series = spendChannels.map((channel) => ({
    channel,
    cac: history.map((d) => {
      const f = channelFigure(d, channel, trendCurrency);
      return f.spend > 0 ? f.cac : null;
    }),
  }));
  if (!options.channel && trendCurrency) series.push({ channel: 'blended', cac: history.map((d) => totals(d, trendCurrency, false).cac) });
  const { prorated } = await spendIn(db, period.from, period.to);
  return {
    period,
    previous_period: previous,
    channels,
    blended,
    paid,
    trend: { periods, currency: trendCurrency, series },
    prorated_spend_rows: prorated,
  };
}
