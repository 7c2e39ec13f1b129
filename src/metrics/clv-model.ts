import type { Kysely } from 'kysely';
import { UserError } from '../core/errors.ts';
import { countOf, formatCount } from '../core/format.ts';
import { formatMoney } from '../store/money.ts';
import type { Database } from '../store/schema.ts';
import {
  conditionalExpectedPurchases,
  expectedAverageSpend,
  fitBgNbd,
  fitGammaGamma,
  groupIdenticalRows,
  holdoutComparison,
  monthlyRateFromAnnual,
  probabilityAlive,
  probabilityOfPurchases,
  toEpochDay,
} from './clv/index.ts';
import type { BgNbdParams, CustomerSummaries, GammaGammaParams, GroupedColumns } from './clv/index.ts';
import { forEachCustomerRevenue, loadCustomerSummaries, purchaseSpan } from './customer-summaries.ts';
import type { CurrencyTotal, HistoricalValue } from './customer-summaries.ts';

export const TIME_UNIT = 'weeks';
export const DAYS_PER_UNIT = 7;
/** Average month length used to turn the horizon (months) into weeks. */
export const DAYS_PER_MONTH = 365.25 / 12;
export const MIN_REPEAT_BUYERS = 100;
export const MIN_HISTORY_DAYS = 90;
const LAST_BIN = 7;

export type ProgressFn = (update: { fraction: number | null; message: string }) => void;

export interface MoneyAmount {
  currency: string;
  /** In currency units, 2 decimals. */
  amount: number;
}

export interface ClvModelParams {
  bgnbd: BgNbdParams & { loglik: number; converged: boolean; iterations: number };
  gamma_gamma: GammaGammaParams & { loglik: number; converged: boolean; customers: number };
}

export interface ClvModelSummary extends ClvModelParams {
  as_of: string;
  /** Last day of the calibration period (as_of, or the holdout date). */
  calibration_end: string;
  time_unit: typeof TIME_UNIT;
  currency: string;
  /** Currencies left out of the fit (their customers get historical value only). */
  other_currencies: string[];
  customers: number;
  repeat_buyers: number;
  first_purchase: string;
  history_days: number;
}

export interface FitCheckRow {
  repeat_purchases: string;
  actual: number;
  expected: number;
}

export interface HoldoutCheck {
  calibration_end: string;
  holdout_end: string;
  weeks: number;
  rows: { repeat_purchases: string; customers: number; actual_mean: number | null; expected_mean: number | null }[];
}

export interface ClvModelReport extends ClvModelSummary {
  fit_check: FitCheckRow[];
  holdout?: HoldoutCheck;
}

export interface CustomerValue {
  customer_id: string;
  /** Net revenue to as_of per currency. */
  historical: MoneyAmount[];
  /** Null where the customer has no purchases in the model's currency. */
  p_alive: number | null;
  expected_purchases: number | null;
  expected_aov: number | null;
  predicted_clv: number | null;
  x: number | null;
  t_x: number | null;
  T: number | null;
}

export interface ClvValueRequest {
  asOf?: string;
  /** The business time zone: as_of runs to the end of that day in it. */
  zone: string;
  horizonMonths: number;
  annualDiscount: number;
  /** Customers to report on (null: the whole base). The model is always fitted on the whole base. */
  customerIds: string[] | null;
  /** Gross margin share (GROSS_MARGIN): predicted CLV is revenue × margin; 1 (the default) is revenue CLV. */
  margin?: number;
  /** Return every scoped customer's values (ROI), not only the top ones. */
  includeAll?: boolean;
  top?: number;
}

export interface ClvValueReport {
  model: ClvModelSummary;
  horizon_months: number;
  annual_discount: number;
  /** The gross margin share predicted CLV is on (1: revenue). */
  margin: number;
  customers: number;
  predicted_customers: number;
  historical: MoneyAmount[];
  predicted: {
    currency: string;
    total_clv: number;
    average_clv: number;
    expected_purchases: number;
    average_p_alive: number;
    average_aov: number;
    /** Historical value (model currency) of the predicted customers, for totals that compare like with like. */
    historical_of_predicted: number;
  };
  top: CustomerValue[];
  /** Quantile sample of predicted CLV (at most 2,000 values, the largest kept) for the distribution chart. */
  distribution: number[];
  values?: CustomerValue[];
}

const round2 = (value: number) => Math.round(value * 100) / 100;

function amounts(byCurrency: Map<string, number>): MoneyAmount[] {
  return [...byCurrency]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([currency, cents]) => ({ currency, amount: cents / 100 }));
}

export function describeAmounts(list: MoneyAmount[]): string {
  if (list.length === 0) return formatMoney(0);
  return list.map((m) => formatMoney(Math.round(m.amount * 100), m.currency)).join(' + ');
}

interface PreparedData {
  asOf: string;
  zone: string;
  firstPurchase: string;
}

async function prepare(db: Kysely<Database>, asOfOption: string | undefined, zone: string): Promise<PreparedData> {
  const span = await purchaseSpan(db, zone);
  if (!span) {
    throw new UserError('no_orders', 'There are no orders yet, so there is nothing to value.', {
      hint: 'Import orders first: /import orders <file>.',
    });
  }
  const asOf = asOfOption ?? span.last;
  if (asOf < span.first) {
    throw new UserError('as_of_before_data', `as_of=${asOf} is before the first purchase (${span.first}).`, {
      hint: `Use a date from ${span.first} to ${span.last}.`,
    });
  }
  return { asOf, zone, firstPurchase: span.first };
}

function modelSummary(
  params: ClvModelParams,
  data: PreparedData,
  currencies: CurrencyTotal[],
  calibrationEnd: string,
  customers: number,
  repeatBuyers: number,
  historyDays: number,
): ClvModelSummary {
  return {
    ...params,
    as_of: data.asOf,
    calibration_end: calibrationEnd,
    time_unit: TIME_UNIT,
    currency: currencies[0]!.currency,
    other_currencies: currencies.slice(1).map((c) => c.currency),
    customers,
    repeat_buyers: repeatBuyers,
    first_purchase: data.firstPurchase,
    history_days: historyDays,
  };
}

/** The one minimum-data rule; `historicalText` (what can be told instead) is only read when the data is short. */
async function checkEnoughData(
  summaries: CustomerSummaries,
  firstPurchase: string,
  calibrationEnd: string,
  historicalText: () => Promise<string>,
): Promise<{ repeatBuyers: number; historyDays: number }> {
  let repeatBuyers = 0;
  for (let i = 0; i < summaries.length; i++) if (summaries.x[i] > 0) repeatBuyers++;
  const historyDays = toEpochDay(calibrationEnd) - toEpochDay(firstPurchase);
  const reasons: string[] = [];
  if (repeatBuyers < MIN_REPEAT_BUYERS)
    reasons.push(`only ${countOf(repeatBuyers, 'customer')} bought more than once (the model needs at least ${MIN_REPEAT_BUYERS})`);
  if (historyDays < MIN_HISTORY_DAYS)
    reasons.push(
      `the order history covers only ${countOf(historyDays, 'day')} up to ${calibrationEnd} (the model needs at least ${MIN_HISTORY_DAYS})`,
    );
  if (reasons.length > 0) {
    throw new UserError(
      'not_enough_data',
      `Sorry, there is too little data to predict lifetime value: ${reasons.join(', and ')}. ${await historicalText()}`,
      {
        hint: 'Import more order history, or pick a later as_of; the historical value above is exact.',
      },
    );
  }
  return { repeatBuyers, historyDays };
}

/** The fits, and the distinct (x, t_x, T) rows BG/NBD was fitted on (the predictions reuse them). */
function fitModel(summaries: CustomerSummaries, progress: ProgressFn): { params: ClvModelParams; grouped: GroupedColumns } {
  progress({ fraction: 0.6, message: `fitting BG/NBD on ${countOf(summaries.length, 'customer')}` });
  const grouped = groupIdenticalRows([summaries.x, summaries.tx, summaries.T]);
  const [x, tx, T] = grouped.columns as [Float64Array, Float64Array, Float64Array];
  const bg = fitBgNbd({ x, tx, T }, { weights: grouped.weights, group: false });
  progress({ fraction: 0.8, message: 'fitting Gamma-Gamma on the repeat buyers' });
  const gg = fitGammaGamma(summaries);
  return {
    params: {
      bgnbd: { r: bg.r, alpha: bg.alpha, a: bg.a, b: bg.b, loglik: bg.loglik, converged: bg.converged, iterations: bg.iterations },
      gamma_gamma: { p: gg.p, q: gg.q, gamma: gg.gamma, loglik: gg.loglik, converged: gg.converged, customers: gg.customers },
    },
    grouped,
  };
}

/** Reading progress over the first half of the bar; `total` (all order documents) bounds the customer-days read. */
function rowProgress(progress: ProgressFn, total: number): (rows: number) => void {
  return (rows) =>
    progress({
      fraction: total > 0 ? Math.min(0.5, (0.5 * rows) / total) : null,
      message: `reading purchases: ${formatCount(rows)} customer-days`,
    });
}

/** Expected customers by calibration repeat purchases 0..6, 7+: sum over customers of P(X(T_i) = k). */
function fitCheck(params: BgNbdParams, summaries: CustomerSummaries): FitCheckRow[] {
  const actual = new Float64Array(LAST_BIN + 1);
  const ages = new Map<number, number>();
  for (let i = 0; i < summaries.length; i++) {
    actual[Math.min(LAST_BIN, summaries.x[i])]++;
    ages.set(summaries.T[i], (ages.get(summaries.T[i]) ?? 0) + 1);
  }
  const expected = new Float64Array(LAST_BIN + 1);
  for (const [T, count] of ages) {
    let below = 0;
    for (let k = 0; k < LAST_BIN; k++) {
      const p = probabilityOfPurchases(params, T, k);
      expected[k] += count * p;
      below += p;
    }
    expected[LAST_BIN] += count * Math.max(0, 1 - below);
  }
  return Array.from(actual, (value, k) => ({
    repeat_purchases: k === LAST_BIN ? `${k}+` : String(k),
    actual: value,
    expected: round2(expected[k]),
  }));
}

/** The one fitted CLV model at an as_of: what `/clv`, `/roi` projections and campaign forecasts all use. */
export interface FittedClv {
  asOf: string;
  /** The model's currency: the first of `currencies`. */
  currency: string;
  /** Purchase currencies up to as_of, most orders first. */
  currencies: CurrencyTotal[];
  firstPurchase: string;
  params: ClvModelParams;
  summaries: CustomerSummaries;
  /** The distinct (x, t_x, T) rows of `summaries` BG/NBD was fitted on, and each customer's. */
  grouped: GroupedColumns;
  /** A customer's row in `summaries` (undefined: no purchase in the model's currency). */
  rowOf(customerId: string): number | undefined;
  /** The whole base's historical value to as_of. */
  historical: HistoricalValue;
  repeatBuyers: number;
  historyDays: number;
}

const fitted = new Map<string, FittedClv>();
const FITTED_KEPT = 4;

/** What the fit depends on (changes with any order import), and how many order documents there are. */
async function ordersVersion(db: Kysely<Database>): Promise<{ key: string; orders: number }> {
  const row = await db
    .selectFrom('orders')
    .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.max('updated_at').as('last')])
    .executeTakeFirst();
  const orders = Number(row?.n ?? 0);
  return { key: `${orders}|${String(row?.last ?? '')}`, orders };
}

async function orderCount(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom('orders')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/**
 * Fits BG/NBD and Gamma-Gamma on every customer's purchases to as_of in the main purchase currency,
 * once per data version and as_of (kept for the last few); refuses with the one minimum-data rule
 * (MIN_REPEAT_BUYERS repeat buyers, MIN_HISTORY_DAYS of history), naming what is missing.
 */
export async function fittedClvModel(
  db: Kysely<Database>,
  asOfOption: string | undefined,
  zone: string,
  options: { historicalText?: (base: HistoricalValue) => Promise<string>; progress?: ProgressFn } = {},
): Promise<FittedClv> {
  const progress = options.progress ?? (() => {});
  const data = await prepare(db, asOfOption, zone);
  const version = await ordersVersion(db);
  const key = `${version.key}|${data.asOf}|${zone}`;
  const cached = fitted.get(key);
  if (cached) return cached;
  const { currencies, summaries, historical } = await loadCustomerSummaries(db, {
    asOf: data.asOf,
    zone,
    daysPerUnit: DAYS_PER_UNIT,
    onRows: rowProgress(progress, version.orders),
  });
  const { repeatBuyers, historyDays } = await checkEnoughData(summaries, data.firstPurchase, data.asOf, async () =>
    options.historicalText ? options.historicalText(historical) : '',
  );
  const { params, grouped } = fitModel(summaries, progress);
  const model: FittedClv = {
    asOf: data.asOf,
    currency: currencies[0]!.currency,
    currencies,
    firstPurchase: data.firstPurchase,
    params,
    summaries,
    grouped,
    rowOf: rowLookup(summaries),
    historical,
    repeatBuyers,
    historyDays,
  };
  fitted.set(key, model);
  if (fitted.size > FITTED_KEPT) fitted.delete(fitted.keys().next().value!);
  return model;
}

/** Customer id to row, the map built on first use (one entry per customer; /clv itself never needs it). */
function rowLookup(summaries: CustomerSummaries): (customerId: string) => number | undefined {
  let rows: Map<string, number> | null = null;
  return (customerId) => {
    if (!rows) {
      rows = new Map();
      for (let i = 0; i < summaries.length; i++) rows.set(String(summaries.ids[i]), i);
    }
    return rows.get(customerId);
  };
}

/** `/clv model`: fit on every customer up to the calibration end (as_of, or the holdout date). */
export async function fitClvModelReport(
  db: Kysely<Database>,
  request: { asOf?: string; holdout?: string; zone: string },
  progress: ProgressFn = () => {},
): Promise<ClvModelReport> {
  const data = await prepare(db, request.asOf, request.zone);
  const calibrationEnd = request.holdout ?? data.asOf;
  if (request.holdout && request.holdout >= data.asOf) {
    throw new UserError(
      'bad_holdout',
      `holdout=${request.holdout} must be before as_of=${data.asOf}: the model is fitted up to the holdout date and checked after it.`,
      {
        hint: `e.g. /clv model as_of=${data.asOf} holdout=${isoAddDays(data.asOf, -180)}`,
      },
    );
  }
  const { currencies, summaries, historical } = await loadCustomerSummaries(db, {
    asOf: calibrationEnd,
    zone: request.zone,
    holdoutEnd: request.holdout ? data.asOf : undefined,
    daysPerUnit: DAYS_PER_UNIT,
    onRows: rowProgress(progress, await orderCount(db)),
  });
  const { repeatBuyers, historyDays } = await checkEnoughData(summaries, data.firstPurchase, calibrationEnd, async () =>
    historicalSentence(historical, calibrationEnd),
  );
  const { params } = fitModel(summaries, progress);
  progress({ fraction: 0.9, message: 'checking the fit' });
  const report: ClvModelReport = {
    ...modelSummary(params, data, currencies, calibrationEnd, summaries.length, repeatBuyers, historyDays),
    fit_check: fitCheck(params.bgnbd, summaries),
  };
  if (request.holdout) {
    const weeks = (toEpochDay(data.asOf) - toEpochDay(request.holdout)) / DAYS_PER_UNIT;
    const rows = holdoutComparison(params.bgnbd, summaries, summaries.holdoutPurchases!, weeks, LAST_BIN);
    report.holdout = {
      calibration_end: request.holdout,
      holdout_end: data.asOf,
      weeks: round2(weeks),
      rows: rows.map((row) => ({
        repeat_purchases: row.bin,
        customers: row.customers,
        actual_mean: Number.isNaN(row.meanActual) ? null : Math.round(row.meanActual * 1000) / 1000,
        expected_mean: Number.isNaN(row.meanExpected) ? null : Math.round(row.meanExpected * 1000) / 1000,
      })),
    };
  }
  return report;
}

function isoAddDays(date: string, days: number): string {
  return new Date((toEpochDay(date) + days) * 86_400_000).toISOString().slice(0, 10);
}

interface ScopeHistorical {
  totals: Map<string, number>;
  customers: number;
}

/** One customer's net cents per currency: `count` entries of the two lists. */
interface CustomerAmounts {
  currencies: string[];
  cents: number[];
  count: number;
}

/**
 * Historical value to asOf of the listed customers: totals per currency and how many have orders; `each`
 * sees each of those customers' amounts (lists reused for the next customer: copy what you keep).
 */
async function customersHistorical(
  db: Kysely<Database>,
  customerIds: string[],
  asOf: string,
  zone: string,
  each?: (customerId: string, amounts: CustomerAmounts) => void,
): Promise<ScopeHistorical> {
  const totals = new Map<string, number>();
  let customers = 0;
  let current: string | null = null;
  const amounts: CustomerAmounts = { currencies: [], cents: [], count: 0 };
  const flush = () => {
    if (current === null) return;
    customers++;
    for (let k = 0; k < amounts.count; k++) {
      const currency = amounts.currencies[k]!;
      totals.set(currency, (totals.get(currency) ?? 0) + amounts.cents[k]!);
    }
    each?.(current, amounts);
  };
  await forEachCustomerRevenue(db, customerIds, asOf, zone, (customerId, currency, cents) => {
    if (customerId !== current) {
      flush();
      current = customerId;
      amounts.count = 0;
    }
    amounts.currencies[amounts.count] = currency;
    amounts.cents[amounts.count] = cents;
    amounts.count++;
  });
  flush();
  return { totals, customers };
}

function amountsOf({ currencies, cents, count }: CustomerAmounts): MoneyAmount[] {
  const byCurrency = new Map<string, number>();
  for (let k = 0; k < count; k++) byCurrency.set(currencies[k]!, cents[k]!);
  return amounts(byCurrency);
}

function centsIn({ currencies, cents, count }: CustomerAmounts, currency: string): number {
  for (let k = 0; k < count; k++) if (currencies[k] === currency) return cents[k]!;
  return 0;
}

function historicalSentence(historical: ScopeHistorical, asOf: string): string {
  return `What I can tell you is the historical value: ${describeAmounts(amounts(historical.totals))} net revenue to ${asOf} from ${countOf(historical.customers, 'customer')}.`;
}

/** Per distinct (x, t_x, T) row of the fit: P(alive), expected purchases over the horizon, and the discounted purchase stream. */
export interface PurchaseOutlooks {
  /** Computes the outlook of customer i's row if not yet done; returns its index in the arrays. */
  of(customer: number): number;
  pAlive: Float64Array;
  expected: Float64Array;
  discounted: Float64Array;
}

export function purchaseOutlooks(
  params: BgNbdParams,
  grouped: GroupedColumns,
  horizonMonths: number,
  monthlyDiscount: Float64Array,
): PurchaseOutlooks {
  const [xs, txs, Ts] = grouped.columns as [Float64Array, Float64Array, Float64Array];
  const count = xs.length;
  const done = new Uint8Array(count);
  const pAlive = new Float64Array(count);
  const expected = new Float64Array(count);
  const discounted = new Float64Array(count);
  const month = DAYS_PER_MONTH / DAYS_PER_UNIT;
  return {
    pAlive,
    expected,
    discounted,
    of(customer) {
      const g = grouped.groupOfRow[customer]!;
      if (done[g]) return g;
      const x = xs[g]!;
      const tx = txs[g]!;
      const T = Ts[g]!;
      let previous = 0;
      let stream = 0;
      for (let m = 1; m <= horizonMonths; m++) {
        const cumulative = conditionalExpectedPurchases(params, m * month, x, tx, T);
        stream += (cumulative - previous) * monthlyDiscount[m]!;
        previous = cumulative;
      }
      pAlive[g] = probabilityAlive(params, x, tx, T);
      expected[g] = previous;
      discounted[g] = stream;
      done[g] = 1;
      return g;
    },
  };
}

/** Whether a predicted CLV ranks before another in the top list (higher CLV, then customer id). */
function ranksBefore(clv: number, id: string, other: CustomerValue): boolean {
  return (other.predicted_clv! - clv || id.localeCompare(other.customer_id)) < 0;
}

/** Puts `value` into the sorted top list (after any that rank equal), keeping at most `size`. */
function insertTop(top: CustomerValue[], value: CustomerValue, size: number): void {
  let at = top.length;
  while (at > 0 && ranksBefore(value.predicted_clv!, value.customer_id, top[at - 1]!)) at--;
  top.splice(at, 0, value);
  if (top.length > size) top.pop();
}

/**
 * `/clv`: fit on the whole base at as_of, then historical and predicted value of the scoped customers.
 * Predicted CLV = sum over months m = 1..H of (E[purchases by m] - E[purchases by m-1]) * E[order value] / (1 + d)^(m/12).
 * Memory stays bounded by the customers: per-customer figures live in typed arrays, and only the top
 * list (or, with includeAll, the scoped customers) becomes objects.
 */
export async function computeClvValues(
  db: Kysely<Database>,
  request: ClvValueRequest,
  progress: ProgressFn = () => {},
): Promise<ClvValueReport> {
  const data = await prepare(db, request.asOf, request.zone);
  const scope = request.customerIds ? new Set(request.customerIds) : null;
  const model = await fittedClvModel(db, data.asOf, request.zone, {
    historicalText: async (base) =>
      historicalSentence(scope ? await customersHistorical(db, [...scope], data.asOf, request.zone) : base, data.asOf),
    progress,
  });
  const { summaries, params } = model;
  progress({ fraction: 0.9, message: 'predicting each customer' });

  const margin = request.margin ?? 1;
  const rate = monthlyRateFromAnnual(request.annualDiscount);
  const monthlyDiscount = new Float64Array(request.horizonMonths + 1);
  for (let m = 1; m <= request.horizonMonths; m++) monthlyDiscount[m] = Math.pow(1 + rate, -m);
  const outlooks = purchaseOutlooks(params.bgnbd, model.grouped, request.horizonMonths, monthlyDiscount);
  const topSize = request.top ?? 10;
  const top: CustomerValue[] = [];
  const values: CustomerValue[] = [];
  // scoped runs add up the historical value customer by customer: which of them are predicted
  const predictedIds = new Set<string>();
  const clvs = new Float64Array(summaries.length);
  let n = 0;
  let totalClv = 0;
  let totalExpected = 0;
  let totalAlive = 0;
  let totalAov = 0;
  for (let i = 0; i < summaries.length; i++) {
    const id = String(summaries.ids[i]);
    if (scope && !scope.has(id)) continue;
    const x = summaries.x[i]!;
    const g = outlooks.of(i);
    const aov = expectedAverageSpend(params.gamma_gamma, x, summaries.monetary[i]!);
    const clv = outlooks.discounted[g]! * aov * margin;
    clvs[n++] = clv;
    if (scope || request.includeAll) predictedIds.add(id);
    totalClv += clv;
    totalExpected += outlooks.expected[g]!;
    totalAlive += outlooks.pAlive[g]!;
    totalAov += aov;
    const inTop = topSize > 0 && (top.length < topSize || ranksBefore(clv, id, top[top.length - 1]!));
    if (!inTop && !request.includeAll) continue;
    const value: CustomerValue = {
      customer_id: id,
      historical: [],
      p_alive: outlooks.pAlive[g]!,
      expected_purchases: outlooks.expected[g]!,
      expected_aov: aov,
      predicted_clv: clv,
      x,
      t_x: summaries.tx[i]!,
      T: summaries.T[i]!,
    };
    if (inTop) insertTop(top, value, topSize);
    if (request.includeAll) values.push(value);
  }

  progress({ fraction: 0.95, message: 'adding up the historical value' });
  const listed = new Map<string, CustomerValue>();
  for (const value of [...top, ...values]) listed.set(value.customer_id, value);
  const fill = (id: string, amounts: CustomerAmounts) => {
    const value = listed.get(id);
    if (value) value.historical = amountsOf(amounts);
  };
  let historical: ScopeHistorical;
  let historicalOfPredicted = 0;
  if (!scope && !request.includeAll) {
    historical = model.historical;
    historicalOfPredicted = model.historical.buyersCents.get(model.currency) ?? 0;
    await customersHistorical(db, [...listed.keys()], data.asOf, request.zone, fill);
  } else {
    // every customer in the store when the whole base is listed one by one
    const ids = scope ? [...scope] : (await db.selectFrom('customers').select('customer_id').execute()).map((r) => r.customer_id);
    historical = await customersHistorical(db, ids, data.asOf, request.zone, (id, amounts) => {
      const predicted = predictedIds.has(id);
      if (predicted) historicalOfPredicted += centsIn(amounts, model.currency);
      if (listed.has(id)) fill(id, amounts);
      else if (request.includeAll && !predicted)
        values.push({
          customer_id: id,
          historical: amountsOf(amounts),
          p_alive: null,
          expected_purchases: null,
          expected_aov: null,
          predicted_clv: null,
          x: null,
          t_x: null,
          T: null,
        });
    });
  }
  return {
    model: modelSummary(params, data, model.currencies, data.asOf, summaries.length, model.repeatBuyers, model.historyDays),
    horizon_months: request.horizonMonths,
    annual_discount: request.annualDiscount,
    margin,
    customers: historical.customers,
    predicted_customers: n,
    historical: amounts(historical.totals),
    predicted: {
      currency: model.currency,
      total_clv: round2(totalClv),
      average_clv: n ? round2(totalClv / n) : 0,
      expected_purchases: Math.round(totalExpected * 10) / 10,
      average_p_alive: n ? totalAlive / n : 0,
      average_aov: n ? round2(totalAov / n) : 0,
      historical_of_predicted: historicalOfPredicted / 100,
    },
    top: top.map(roundValue),
    distribution: quantileSample(clvs.subarray(0, n), 2000),
    ...(request.includeAll ? { values: values.map(roundValue) } : {}),
  };
}

function roundValue(v: CustomerValue): CustomerValue {
  const r = (value: number | null, digits: number) => (value === null ? null : Math.round(value * 10 ** digits) / 10 ** digits);
  return {
    ...v,
    p_alive: r(v.p_alive, 4),
    expected_purchases: r(v.expected_purchases, 3),
    expected_aov: r(v.expected_aov, 2),
    predicted_clv: r(v.predicted_clv, 2),
    t_x: r(v.t_x, 2),
    T: r(v.T, 2),
  };
}

/** `size` values at evenly spaced quantiles, the smallest and the largest always among them. */
export function quantileSample(values: ArrayLike<number>, size: number): number[] {
  const sorted = Float64Array.from(values).sort();
  if (sorted.length <= size) return Array.from(sorted, round2);
  const last = sorted.length - 1;
  return Array.from({ length: size }, (_, k) =>
    round2(sorted[k === 0 ? 0 : k === size - 1 ? last : Math.floor(((k + 0.5) * sorted.length) / size)]!),
  );
}
