import type { Kysely } from 'kysely';
import { cacMissing } from '../core/format.ts';
import type { Database } from '../store/schema.ts';
import { formatMoney } from '../store/money.ts';
import { acquisitionsIn, type Acquisition } from './acquisition.ts';
import type { Period } from './periods.ts';
import { spendIn } from './spend.ts';

/**
 * The reporting currency (REPORTING_CURRENCY) layer: money stays per currency everywhere; where a
 * reporting currency is set and /import rates covers every amount, /cac, /roi and the digest add a
 * total converted into it. Each amount is converted at the rate of its own day, or, when that day has
 * none, the latest rate before it (never a later one). A currency with no rate on or before a day it
 * has money leaves the total out, and the answer names the currency and the day.
 */

/** An amount of one currency on one day, in cents of that currency (fractional for prorated monthly spend). */
export interface DayAmount {
  day: string;
  currency: string;
  cents: number;
}

/** A currency that has money on a day with no rate on or before it: the total is left out. */
export interface MissingRate {
  currency: string;
  /** The first such day. */
  day: string;
}

export const TOTAL_RULE = 'each amount converted at the rate of its own day, or the latest rate before it when that day has none';

/** Rates for one reporting currency, per currency sorted by date. */
export class RateBook {
  constructor(
    readonly reporting: string,
    private readonly rates: Map<string, { date: string; rate: number }[]>,
  ) {}

  /** Units of the reporting currency per unit of `currency` on `day`: that day's rate, else the latest before it; null when none. */
  rateOn(currency: string, day: string): number | null {
    if (currency === this.reporting) return 1;
    const list = this.rates.get(currency);
    if (!list?.length || list[0]!.date > day) return null;
    let lo = 0;
    let hi = list.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (list[mid]!.date <= day) lo = mid;
      else hi = mid - 1;
    }
    return list[lo]!.rate;
  }

  /** The sum in reporting cents (rounded once, at the end); null with the missing currencies when a rate is missing. */
  convert(amounts: DayAmount[]): { cents: number | null; missing: MissingRate[] } {
    let total = 0;
    const missing = new Map<string, string>();
    for (const a of amounts) {
      if (a.cents === 0) continue;
      const rate = this.rateOn(a.currency, a.day);
      if (rate === null) {
        const seen = missing.get(a.currency);
        if (!seen || a.day < seen) missing.set(a.currency, a.day);
      } else total += a.cents * rate;
    }
    if (missing.size)
      return {
        cents: null,
        missing: [...missing].map(([currency, day]) => ({ currency, day })).sort((a, b) => a.currency.localeCompare(b.currency)),
      };
    return { cents: Math.round(total), missing: [] };
  }
}

/** Loads the rates of `reporting` that the amounts need: for each currency, from the latest on or before its first day to its last. */
export async function loadRateBook(db: Kysely<Database>, reporting: string, amounts: DayAmount[]): Promise<RateBook> {
  const spans = new Map<string, { first: string; last: string }>();
  for (const a of amounts) {
    if (a.currency === reporting) continue;
    const span = spans.get(a.currency);
    if (!span) spans.set(a.currency, { first: a.day, last: a.day });
    else {
      if (a.day < span.first) span.first = a.day;
      if (a.day > span.last) span.last = a.day;
    }
  }
  const rates = new Map<string, { date: string; rate: number }[]>();
  for (const [currency, { first, last }] of spans) {
    const before = await db
      .selectFrom('exchange_rates')
      .select((eb) => eb.fn.max<string>('date').as('date'))
      .where('currency', '=', currency)
      .where('reporting_currency', '=', reporting)
      .where('date', '<=', first)
      .executeTakeFirst();
    const rows = await db
      .selectFrom('exchange_rates')
      .select(['date', 'rate'])
      .where('currency', '=', currency)
      .where('reporting_currency', '=', reporting)
      .where('date', '>=', before?.date ?? first)
      .where('date', '<=', last)
      .orderBy('date')
      .execute();
    rates.set(
      currency,
      rows.map((r) => ({ date: String(r.date).slice(0, 10), rate: Number(r.rate) })),
    );
  }
  return new RateBook(reporting, rates);
}

/** Whether a total in the reporting currency adds anything: some amount is in another currency. */
export function needsConversion(reporting: string, amounts: DayAmount[]): boolean {
  return amounts.some((a) => a.cents !== 0 && a.currency !== reporting);
}

/** Converts named groups of amounts at once; `totals` is null when a rate is missing for any of them. */
export async function convertGroups<K extends string>(
  db: Kysely<Database>,
  reporting: string,
  groups: Record<K, DayAmount[]>,
): Promise<{ totals: Record<K, number> | null; missing: MissingRate[] }> {
  const all = Object.values<DayAmount[]>(groups).flat();
  const book = await loadRateBook(db, reporting, all);
  const totals = {} as Record<K, number>;
  const missing = new Map<string, string>();
  for (const key of Object.keys(groups) as K[]) {
    const result = book.convert(groups[key]);
    for (const m of result.missing) if (!missing.has(m.currency) || m.day < missing.get(m.currency)!) missing.set(m.currency, m.day);
    totals[key] = result.cents ?? 0;
  }
  const list = [...missing].map(([currency, day]) => ({ currency, day })).sort((a, b) => a.currency.localeCompare(b.currency));
  return { totals: list.length ? null : totals, missing: list };
}

/** The line label: "Total in EUR". */
export function totalLabel(reporting: string): string {
  return `Total in ${reporting}`;
}

/** The note under a converted total. */
export function totalNote(reporting: string): string {
  return `${totalLabel(reporting)} at daily rates from /import rates: ${TOTAL_RULE} (rate = ${reporting} per 1 unit of the currency); the per-currency lines are unconverted.`;
}

/** Why there is no total: the currencies without a rate, and what to do. */
export function missingRatesNote(reporting: string, missing: MissingRate[]): string {
  const named = missing.map((m) => `${m.currency} (none on or before ${m.day})`).join(', ');
  return `No ${totalLabel(reporting)}: no exchange rate for ${named}, so money stays per currency. Import rates with /import rates <file|url> (columns date,currency,rate; rate = ${reporting} per 1 unit of the currency) covering those days.`;
}

/** With several currencies and no REPORTING_CURRENCY: how to get a total. */
export const NO_REPORTING_CURRENCY_NOTE =
  'For a total across currencies, an admin sets REPORTING_CURRENCY (e.g. EUR) and you import daily rates with /import rates <file|url>.';

/** The notes about conversion for an answer: the rule, or why the total is missing. */
export function conversionNotes(total: { currency: string; missing: MissingRate[]; converted: boolean } | null): string[] {
  if (!total) return [];
  if (total.missing.length) return [missingRatesNote(total.currency, total.missing)];
  return total.converted ? [totalNote(total.currency)] : [];
}

export const moneyIn = (cents: number, currency: string, digits?: number) => formatMoney(Math.round(cents), currency, digits);

// ---------------------------------------------------------------- /cac

export interface ConvertedCacFigure {
  /** Converted spend, reporting currency units. */
  spend: number;
  new_customers: number;
  cac: number | null;
}

export interface ConvertedCac {
  currency: string;
  /** True when a total was computed (every amount had a rate). */
  converted: boolean;
  missing: MissingRate[];
  /** All spend ÷ all new customers (organic included); with channel=, that channel's. */
  blended: (ConvertedCacFigure & { previous: ConvertedCacFigure }) | null;
  /** All spend ÷ new customers of the channels with spend; null with channel=. */
  paid: (ConvertedCacFigure & { previous: ConvertedCacFigure }) | null;
}

const cacFigure = (spendCents: number, customers: number): ConvertedCacFigure => ({
  spend: spendCents / 100,
  new_customers: customers,
  cac: cacMissing(spendCents, customers) ? null : Math.round(spendCents / customers) / 100,
});

async function spendDays(db: Kysely<Database>, period: Period, channel?: string): Promise<{ amounts: DayAmount[]; channels: Set<string> }> {
  const { shares } = await spendIn(db, period.from, period.to, { byDay: true });
  const kept = shares.filter((s) => !channel || s.channel === channel);
  return {
    amounts: kept.map((s) => ({ day: s.date, currency: s.currency, cents: s.cents })),
    channels: new Set(kept.filter((s) => s.cents > 0).map((s) => s.channel)),
  };
}

/**
 * /cac's total in the reporting currency for a period and the one before: each day's spend converted at
 * its rate, over the new customers (blended: all of them; paid: those of channels with spend). Null when
 * every amount is already in the reporting currency (the per-currency line is the total).
 */
export async function cacInReportingCurrency(
  db: Kysely<Database>,
  reporting: string,
  period: Period,
  previous: Period,
  channel?: string,
): Promise<ConvertedCac | null> {
  const now = await spendDays(db, period, channel);
  const before = await spendDays(db, previous, channel);
  if (!needsConversion(reporting, [...now.amounts, ...before.amounts])) return null;
  const { totals, missing } = await convertGroups(db, reporting, { now: now.amounts, before: before.amounts });
  if (!totals) return { currency: reporting, converted: false, missing, blended: null, paid: null };
  const [acquiredNow, acquiredBefore] = [await acquisitionsIn(db, period, channel), await acquisitionsIn(db, previous, channel)];
  const paidCount = (list: Acquisition[], channels: Set<string>) => list.filter((a) => channels.has(a.channel)).length;
  return {
    currency: reporting,
    converted: true,
    missing: [],
    blended: {
      ...cacFigure(totals.now, acquiredNow.length),
      previous: cacFigure(totals.before, acquiredBefore.length),
    },
    paid: channel
      ? null
      : {
          ...cacFigure(totals.now, paidCount(acquiredNow, now.channels)),
          previous: cacFigure(totals.before, paidCount(acquiredBefore, before.channels)),
        },
  };
}

// ---------------------------------------------------------------- /roi (and the digest's channel total)

export interface ConvertedRoi {
  currency: string;
  converted: boolean;
  missing: MissingRate[];
  /** Channels with spend (or the one channel=): converted spend and windowed revenue of their new customers. */
  total: {
    spend: number;
    new_customers: number;
    revenue: number;
    cac: number | null;
    roas: number | null;
    roi: number | null;
  } | null;
}

const round4 = (value: number | null) => (value === null ? null : Math.round(value * 1e4) / 1e4);

/**
 * /roi's total in the reporting currency: over the channels with spend in the period (or channel=), each
 * day's spend and each order's windowed net revenue converted at its day's rate; ROI = (revenue − spend) ÷
 * spend and ROAS = revenue ÷ spend on the converted sums (never an average of per-currency ratios).
 * `revenue` holds the windowed revenue of the acquired customers, by customer. Null when nothing is in
 * another currency than the reporting one.
 */
export async function roiInReportingCurrency(
  db: Kysely<Database>,
  reporting: string,
  input: { period: Period; channel?: string; acquired: Acquisition[]; revenue: (customerId: string) => DayAmount[] },
): Promise<ConvertedRoi | null> {
  const spend = await spendDays(db, input.period, input.channel);
  const members = input.acquired.filter((a) => spend.channels.has(a.channel) && (!input.channel || a.channel === input.channel));
  const revenue = members.flatMap((m) => input.revenue(m.customer_id));
  if (spend.channels.size === 0 || !needsConversion(reporting, [...spend.amounts, ...revenue])) return null;
  const { totals, missing } = await convertGroups(db, reporting, { spend: spend.amounts, revenue });
  if (!totals) return { currency: reporting, converted: false, missing, total: null };
  const spendCents = totals.spend;
  const revenueCents = totals.revenue;
  return {
    currency: reporting,
    converted: true,
    missing: [],
    total: {
      spend: spendCents / 100,
      new_customers: members.length,
      revenue: revenueCents / 100,
      cac: cacMissing(spendCents, members.length) ? null : Math.round(spendCents / members.length) / 100,
      roas: round4(spendCents > 0 ? revenueCents / spendCents : null),
      roi: round4(spendCents > 0 ? (revenueCents - spendCents) / spendCents : null),
    },
  };
}

// ---------------------------------------------------------------- the digest's KPIs

export interface ConvertedKpis {
  currency: string;
  converted: boolean;
  missing: MissingRate[];
  /** Net revenue and spend of the period and the one before, in reporting cents; null when a rate is missing. */
  revenue_cents: { value: number; previous: number } | null;
  spend_cents: { value: number; previous: number } | null;
}

/** The digest's revenue and spend KPIs in the reporting currency (null when all money is already in it). */
export async function kpisInReportingCurrency(
  db: Kysely<Database>,
  reporting: string,
  groups: { revenue: DayAmount[]; previousRevenue: DayAmount[]; spend: DayAmount[]; previousSpend: DayAmount[] },
): Promise<ConvertedKpis | null> {
  if (!needsConversion(reporting, Object.values(groups).flat())) return null;
  const { totals, missing } = await convertGroups(db, reporting, groups);
  if (!totals) return { currency: reporting, converted: false, missing, revenue_cents: null, spend_cents: null };
  return {
    currency: reporting,
    converted: true,
    missing: [],
    revenue_cents: { value: totals.revenue, previous: totals.previousRevenue },
    spend_cents: { value: totals.spend, previous: totals.previousSpend },
  };
}
