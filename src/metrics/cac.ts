import type { Kysely } from 'kysely';
import { cacMissing } from '../core/format.ts';
import type { Database } from '../store/schema.ts';
import { cacInReportingCurrency, type ConvertedCac } from './currency-conversion.ts';
import { customersForCurrency, mainSpendCurrency, newCustomersByChannel, spendByChannel, type Acquisition } from './acquisition.ts';
import { previousPeriod, trailingPeriods } from './periods.ts';
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
  /** With REPORTING_CURRENCY: blended and paid CAC converted at daily rates, or the missing rates; null without. */
  reporting: ConvertedCac | null;
}

interface PeriodData {
  customers: Map<string, Acquisition[]>;
  /** Monthly spend rows the period cuts. */
  prorated: number;
  spend: Map<string, Map<string, number>>;
}

async function periodData(db: Kysely<Database>, period: Period): Promise<PeriodData> {
  const { byChannel, prorated } = await spendByChannel(db, period);
  return { customers: await newCustomersByChannel(db, period), spend: byChannel, prorated };
}

const figure = (spendCents: number, customers: number): CacFigure => ({
  spend: spendCents / 100,
  new_customers: customers,
  cac: cacMissing(spendCents, customers) ? null : Math.round(spendCents / customers) / 100,
});

/**
 * A channel's CAC in one spend currency: that spend over the new customers it bought (customersForCurrency:
 * first purchase in that currency, or none yet and it is the channel's main spend currency). A channel
 * without spend (organic) has no CAC.
 */
function channelFigure(data: PeriodData, channel: string, currency: string | null): CacFigure {
  const members = data.customers.get(channel) ?? [];
  if (!currency) return { spend: 0, new_customers: members.length, cac: null };
  const spend = data.spend.get(channel);
  return figure(spend?.get(currency) ?? 0, customersForCurrency(members, currency, mainSpendCurrency(spend) ?? currency));
}

function currenciesOf(data: PeriodData[]): string[] {
  const totals = new Map<string, number>();
  for (const d of data)
    for (const byCurrency of d.spend.values()) for (const [c, cents] of byCurrency) totals.set(c, (totals.get(c) ?? 0) + cents);
  return [...totals].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([c]) => c);
}

/**
 * All spend in a currency over the new customers of that currency: blended counts every channel's
 * (a channel without spend counts its customers who bought in it, and those yet to buy in the main
 * currency), paid only the channels that spent in it.
 */
function totals(data: PeriodData, currency: string, paidOnly: boolean, mainCurrency: string): CacFigure {
  let spend = 0;
  let customers = 0;
  for (const byCurrency of data.spend.values()) spend += byCurrency.get(currency) ?? 0;
  for (const [channel, members] of data.customers) {
    const channelSpend = data.spend.get(channel);
    if (paidOnly && !((channelSpend?.get(currency) ?? 0) > 0)) continue;
    customers += customersForCurrency(members, currency, mainSpendCurrency(channelSpend) ?? mainCurrency);
  }
  return figure(spend, customers);
}

/** CAC per channel, blended and paid, for a period and the one before it, with a trend over `trendPeriods` periods. */
export async function computeCac(
  db: Kysely<Database>,
  period: Period,
  options: { channel?: string; trendPeriods?: number; reportingCurrency?: string } = {},
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
  const main = currencies[0] ?? '';
  const blended = currencies.map((currency) => ({
    currency,
    ...totals(current, currency, false, main),
    previous: totals(before, currency, false, main),
  }));
  const paid = currencies.map((currency) => ({
    currency,
    ...totals(current, currency, true, main),
    previous: totals(before, currency, true, main),
  }));

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
  if (!options.channel && trendCurrency)
    series.push({ channel: 'blended', cac: history.map((d) => totals(d, trendCurrency, false, trendCurrency).cac) });
  return {
    period,
    previous_period: previous,
    channels,
    blended,
    paid,
    trend: { periods, currency: trendCurrency, series },
    prorated_spend_rows: current.prorated,
    reporting: options.reportingCurrency
      ? await cacInReportingCurrency(db, options.reportingCurrency, period, previous, options.channel)
      : null,
  };
}
