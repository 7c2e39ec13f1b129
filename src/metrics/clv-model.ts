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
  holdoutComparison,
  monthlyRateFromAnnual,
  probabilityAlive,
  probabilityOfPurchases,
  toEpochDay,
} from './clv/index.ts';
import type { BgNbdParams, CustomerSummaries, GammaGammaParams } from './clv/index.ts';
import { historicalRevenue, loadCustomerSummaries, purchaseCurrencies, purchaseSpan } from './customer-summaries.ts';
import type { CurrencyTotal } from './customer-summaries.ts';

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
  currencies: CurrencyTotal[];
  currency: string;
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
  const currencies = await purchaseCurrencies(db, asOf, zone);
  return { asOf, zone, firstPurchase: span.first, currencies, currency: currencies[0]!.currency };
}

function modelSummary(
  params: ClvModelParams,
  data: PreparedData,
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
    currency: data.currency,
    other_currencies: data.currencies.slice(1).map((c) => c.currency),
    customers,
    repeat_buyers: repeatBuyers,
    first_purchase: data.firstPurchase,
    history_days: historyDays,
  };
}

function checkEnoughData(
  summaries: CustomerSummaries,
  firstPurchase: string,
  calibrationEnd: string,
  historicalText: string,
): { repeatBuyers: number; historyDays: number } {
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
      `Sorry, there is too little data to predict lifetime value: ${reasons.join(', and ')}. ${historicalText}`,
      {
        hint: 'Import more order history, or pick a later as_of; the historical value above is exact.',
      },
    );
  }
  return { repeatBuyers, historyDays };
}

function fitModel(summaries: CustomerSummaries, progress: ProgressFn): ClvModelParams {
  progress({ fraction: 0.6, message: `fitting BG/NBD on ${countOf(summaries.length, 'customer')}` });
  const bg = fitBgNbd(summaries);
  progress({ fraction: 0.8, message: 'fitting Gamma-Gamma on the repeat buyers' });
  const gg = fitGammaGamma(summaries);
  return {
    bgnbd: { r: bg.r, alpha: bg.alpha, a: bg.a, b: bg.b, loglik: bg.loglik, converged: bg.converged, iterations: bg.iterations },
    gamma_gamma: { p: gg.p, q: gg.q, gamma: gg.gamma, loglik: gg.loglik, converged: gg.converged, customers: gg.customers },
  };
}

function rowProgress(progress: ProgressFn, total: number): (rows: number) => void {
  return (rows) =>
    progress({
      fraction: total > 0 ? Math.min(0.5, (0.5 * rows) / total) : null,
      message: `reading purchases: ${formatCount(rows)} customer-days`,
    });
}

function totalOrders(currencies: CurrencyTotal[], currency: string): number {
  return currencies.find((c) => c.currency === currency)?.orders ?? 0;
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
  currency: string;
  params: ClvModelParams;
  summaries: CustomerSummaries;
  /** Row of each customer in `summaries`. */
  rows: Map<string, number>;
  repeatBuyers: number;
  historyDays: number;
}

const fitted = new Map<string, FittedClv>();
const FITTED_KEPT = 4;

/** What the fit depends on: changes with any order import. */
async function ordersVersion(db: Kysely<Database>): Promise<string> {
  const row = await db
    .selectFrom('orders')
    .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.max('updated_at').as('last')])
    .executeTakeFirst();
  return `${Number(row?.n ?? 0)}|${String(row?.last ?? '')}`;
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
  options: { historicalText?: string; progress?: ProgressFn } = {},
): Promise<FittedClv> {
  const progress = options.progress ?? (() => {});
  const data = await prepare(db, asOfOption, zone);
  const key = `${await ordersVersion(db)}|${data.asOf}|${zone}|${data.currency}`;
  const cached = fitted.get(key);
  if (cached) return cached;
  const summaries = await loadCustomerSummaries(db, {
    asOf: data.asOf,
    zone,
    currency: data.currency,
    daysPerUnit: DAYS_PER_UNIT,
    onRows: rowProgress(progress, totalOrders(data.currencies, data.currency)),
  });
  const { repeatBuyers, historyDays } = checkEnoughData(summaries, data.firstPurchase, data.asOf, options.historicalText ?? '');
  const params = fitModel(summaries, progress);
  const rows = new Map<string, number>();
  for (let i = 0; i < summaries.length; i++) rows.set(String(summaries.ids[i]), i);
  const model: FittedClv = { asOf: data.asOf, currency: data.currency, params, summaries, rows, repeatBuyers, historyDays };
  fitted.set(key, model);
  if (fitted.size > FITTED_KEPT) fitted.delete(fitted.keys().next().value!);
  return model;
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
  const summaries = await loadCustomerSummaries(db, {
    asOf: calibrationEnd,
    zone: request.zone,
    holdoutEnd: request.holdout ? data.asOf : undefined,
    currency: data.currency,
    daysPerUnit: DAYS_PER_UNIT,
    onRows: rowProgress(progress, totalOrders(data.currencies, data.currency)),
  });
  const historical = await scopeHistorical(db, calibrationEnd, request.zone, null);
  const { repeatBuyers, historyDays } = checkEnoughData(
    summaries,
    data.firstPurchase,
    calibrationEnd,
    historicalSentence(historical, calibrationEnd),
  );
  const params = fitModel(summaries, progress);
  progress({ fraction: 0.9, message: 'checking the fit' });
  const report: ClvModelReport = {
    ...modelSummary(params, data, calibrationEnd, summaries.length, repeatBuyers, historyDays),
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
  byCustomer: Map<string, Map<string, number>>;
  totals: Map<string, number>;
  customers: number;
}

async function scopeHistorical(db: Kysely<Database>, asOf: string, zone: string, scope: Set<string> | null): Promise<ScopeHistorical> {
  const byCustomer = await historicalRevenue(db, asOf, zone);
  const totals = new Map<string, number>();
  let customers = 0;
  for (const [id, currencies] of byCustomer) {
    if (scope && !scope.has(id)) continue;
    customers++;
    for (const [currency, cents] of currencies) totals.set(currency, (totals.get(currency) ?? 0) + cents);
  }
  return { byCustomer, totals, customers };
}

function historicalSentence(historical: ScopeHistorical, asOf: string): string {
  return `What I can tell you is the historical value: ${describeAmounts(amounts(historical.totals))} net revenue to ${asOf} from ${countOf(historical.customers, 'customer')}.`;
}

/** Per distinct (x, t_x, T): P(alive), expected purchases over the horizon, and the discounted purchase stream. */
interface PurchaseOutlook {
  pAlive: number;
  expected: number;
  discounted: number;
}

function outlookFor(
  params: BgNbdParams,
  x: number,
  tx: number,
  T: number,
  horizonMonths: number,
  monthlyDiscount: Float64Array,
): PurchaseOutlook {
  const month = DAYS_PER_MONTH / DAYS_PER_UNIT;
  let previous = 0;
  let discounted = 0;
  for (let m = 1; m <= horizonMonths; m++) {
    const cumulative = conditionalExpectedPurchases(params, m * month, x, tx, T);
    discounted += (cumulative - previous) * monthlyDiscount[m]!;
    previous = cumulative;
  }
  return { pAlive: probabilityAlive(params, x, tx, T), expected: previous, discounted };
}

/**
 * `/clv`: fit on the whole base at as_of, then historical and predicted value of the scoped customers.
 * Predicted CLV = sum over months m = 1..H of (E[purchases by m] - E[purchases by m-1]) * E[order value] / (1 + d)^(m/12).
 */
export async function computeClvValues(
  db: Kysely<Database>,
  request: ClvValueRequest,
  progress: ProgressFn = () => {},
): Promise<ClvValueReport> {
  const data = await prepare(db, request.asOf, request.zone);
  const scope = request.customerIds ? new Set(request.customerIds) : null;
  const historical = await scopeHistorical(db, data.asOf, request.zone, scope);
  const { summaries, repeatBuyers, historyDays, params } = await fittedClvModel(db, data.asOf, request.zone, {
    historicalText: historicalSentence(historical, data.asOf),
    progress,
  });
  progress({ fraction: 0.9, message: 'predicting each customer' });

  const margin = request.margin ?? 1;
  const rate = monthlyRateFromAnnual(request.annualDiscount);
  const monthlyDiscount = new Float64Array(request.horizonMonths + 1);
  for (let m = 1; m <= request.horizonMonths; m++) monthlyDiscount[m] = Math.pow(1 + rate, -m);
  const outlooks = new Map<string, PurchaseOutlook>();
  const values: CustomerValue[] = [];
  const predictedIds = new Set<string>();
  const clvs: number[] = [];
  let totalClv = 0;
  let totalExpected = 0;
  let totalAlive = 0;
  let totalAov = 0;
  let historicalOfPredicted = 0;
  for (let i = 0; i < summaries.length; i++) {
    const id = String(summaries.ids[i]);
    if (scope && !scope.has(id)) continue;
    const x = summaries.x[i]!;
    const tx = summaries.tx[i]!;
    const T = summaries.T[i]!;
    const key = `${x}|${tx}|${T}`;
    let outlook = outlooks.get(key);
    if (!outlook) outlooks.set(key, (outlook = outlookFor(params.bgnbd, x, tx, T, request.horizonMonths, monthlyDiscount)));
    const aov = expectedAverageSpend(params.gamma_gamma, x, summaries.monetary[i]!);
    const clv = outlook.discounted * aov * margin;
    predictedIds.add(id);
    clvs.push(clv);
    totalClv += clv;
    totalExpected += outlook.expected;
    totalAlive += outlook.pAlive;
    totalAov += aov;
    historicalOfPredicted += historical.byCustomer.get(id)?.get(data.currency) ?? 0;
    values.push({
      customer_id: id,
      historical: amounts(historical.byCustomer.get(id) ?? new Map()),
      p_alive: outlook.pAlive,
      expected_purchases: outlook.expected,
      expected_aov: aov,
      predicted_clv: clv,
      x,
      t_x: tx,
      T,
    });
  }
  const top = [...values]
    .sort((a, b) => b.predicted_clv! - a.predicted_clv! || a.customer_id.localeCompare(b.customer_id))
    .slice(0, request.top ?? 10);
  if (request.includeAll) {
    for (const [id, byCurrency] of historical.byCustomer) {
      if (scope && !scope.has(id)) continue;
      if (!predictedIds.has(id))
        values.push({
          customer_id: id,
          historical: amounts(byCurrency),
          p_alive: null,
          expected_purchases: null,
          expected_aov: null,
          predicted_clv: null,
          x: null,
          t_x: null,
          T: null,
        });
    }
  }
  const n = predictedIds.size;
  return {
    model: modelSummary(params, data, data.asOf, summaries.length, repeatBuyers, historyDays),
    horizon_months: request.horizonMonths,
    annual_discount: request.annualDiscount,
    margin,
    customers: historical.customers,
    predicted_customers: n,
    historical: amounts(historical.totals),
    predicted: {
      currency: data.currency,
      total_clv: round2(totalClv),
      average_clv: n ? round2(totalClv / n) : 0,
      expected_purchases: Math.round(totalExpected * 10) / 10,
      average_p_alive: n ? totalAlive / n : 0,
      average_aov: n ? round2(totalAov / n) : 0,
      historical_of_predicted: historicalOfPredicted / 100,
    },
    top: top.map(roundValue),
    distribution: quantileSample(clvs, 2000),
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
export function quantileSample(values: number[], size: number): number[] {
  const sorted = Float64Array.from(values).sort();
  if (sorted.length <= size) return Array.from(sorted, round2);
  const last = sorted.length - 1;
  return Array.from({ length: size }, (_, k) =>
    round2(sorted[k === 0 ? 0 : k === size - 1 ? last : Math.floor(((k + 0.5) * sorted.length) / size)]!),
  );
}
