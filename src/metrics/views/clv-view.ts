import type { HistogramChartSpec } from '../../charts/index.ts';
import type { Attachment, Field, View } from '../../core/reply.ts';
import { countOf, formatCount, formatPercent, maskEmail, noValue } from '../../core/format.ts';
import { formatMoney } from '../../store/money.ts';
import type { ClvValueReport, CustomerValue, MoneyAmount } from '../clv-model.ts';
import { describeAmounts } from '../clv-model.ts';
import { modelNotes } from './clv-notes.ts';

/** A customer is predicted only with purchases in the model's currency. */
const notPredicted = (currency: string) => noValue(`not predicted: no purchase in ${currency}`);
const money = (amount: number | null, currency: string) =>
  amount === null ? notPredicted(currency) : formatMoney(Math.round(amount * 100), currency);
const historicalIn = (list: MoneyAmount[]) => describeAmounts(list);

export interface ClvViewInput {
  report: ClvValueReport;
  scopeLabel: string;
  single: boolean;
  emails: Map<string, string | null>;
  chart?: Attachment;
}

/** Predicted CLV per customer of the scope, in log-scale bins when skewed; the largest value is kept in the sample. */
export function clvDistributionChart(report: ClvValueReport, scopeLabel: string): HistogramChartSpec {
  const currency = report.predicted.currency;
  return {
    kind: 'histogram',
    title: `Predicted ${report.horizon_months}-month CLV per customer`,
    subtitle: `${scopeLabel.charAt(0).toUpperCase()}${scopeLabel.slice(1)}`,
    asOf: report.model.as_of,
    period: `the ${report.horizon_months} months after it`,
    xTitle: `Predicted CLV (${currency})`,
    values: report.distribution,
    noun: 'customers',
    population: report.predicted_customers,
    currency,
  };
}

export function clvData(input: ClvViewInput) {
  const { report } = input;
  return {
    scope: input.scopeLabel,
    as_of: report.model.as_of,
    time_unit: report.model.time_unit,
    horizon_months: report.horizon_months,
    annual_discount: report.annual_discount,
    currency: report.predicted.currency,
    customers: report.customers,
    predicted_customers: report.predicted_customers,
    historical: report.historical,
    predicted: report.predicted,
    top: report.top.map((v) => ({ ...v, email: maskEmail(input.emails.get(v.customer_id)) })),
    model: {
      bgnbd: report.model.bgnbd,
      gamma_gamma: report.model.gamma_gamma,
      customers: report.model.customers,
      repeat_buyers: report.model.repeat_buyers,
    },
    ...(input.chart ? { chart: input.chart.name } : {}),
  };
}

function customerFields(value: CustomerValue, currency: string, horizon: number): Field[] {
  return [
    { label: 'Historical value', value: historicalIn(value.historical) },
    {
      label: 'Probability still active',
      value:
        value.p_alive === null
          ? notPredicted(currency)
          : value.x === 0
            ? `no repeat yet (${formatPercent(value.p_alive)}: BG/NBD counts a one-time buyer as active until the first repeat purchase)`
            : formatPercent(value.p_alive),
    },
    {
      label: `Expected purchases (${horizon} mo)`,
      value: value.expected_purchases === null ? notPredicted(currency) : value.expected_purchases.toFixed(2),
    },
    { label: 'Expected order value', value: money(value.expected_aov, currency) },
    { label: `Predicted CLV (${horizon} mo)`, value: money(value.predicted_clv, currency) },
  ];
}

export function clvView(input: ClvViewInput): View {
  const { report } = input;
  const { predicted, model } = report;
  const currency = predicted.currency;
  const horizon = report.horizon_months;
  const discount = `${(report.annual_discount * 100).toFixed(1)}% a year`;
  const notes = [
    `Predicted CLV: expected purchases month by month over the next ${horizon} months × expected order value${report.margin < 1 ? ` × ${(report.margin * 100).toFixed(1)}% gross margin` : ''}, discounted at ${discount}. Historical value: net revenue to ${model.as_of} (returns included).`,
    report.margin < 1
      ? `CLV is on gross margin (GROSS_MARGIN=${report.margin}); historical value and expected order value are revenue.`
      : 'CLV is on revenue: set GROSS_MARGIN (e.g. 0.4) to value customers on gross margin.',
    ...modelNotes(model),
  ];
  if (input.single) {
    const value = report.top[0];
    const id = input.scopeLabel.replace(/^customer /, '');
    const fields = value
      ? customerFields(value, currency, horizon)
      : [
          { label: 'Historical value', value: historicalIn(report.historical) },
          { label: 'Predicted CLV', value: `— (no ${currency} purchases up to ${model.as_of})` },
        ];
    return {
      title: `Lifetime value of customer ${id} (as of ${model.as_of})`,
      text: value
        ? `*${money(value.predicted_clv, currency)}* predicted over the next ${horizon} months, on top of ${historicalIn(value.historical)} so far.`
        : `Historical value ${historicalIn(report.historical)}; no prediction in ${currency}.`,
      fields: [...fields, ...(value ? [{ label: 'Email', value: maskEmail(input.emails.get(value.customer_id)) }] : [])],
      notes,
    };
  }
  const n = report.predicted_customers;
  const fields: Field[] = [
    { label: 'Customers', value: formatCount(report.customers) },
    { label: 'Historical value', value: historicalIn(report.historical) },
    {
      label: 'Avg historical value',
      value: report.customers
        ? describeAmounts(report.historical.map((m) => ({ ...m, amount: m.amount / report.customers })))
        : noValue('no customers'),
    },
    { label: `Predicted CLV (${horizon} mo)`, value: money(predicted.total_clv, currency) },
    { label: 'Avg predicted CLV', value: money(predicted.average_clv, currency) },
    { label: 'Avg probability active', value: formatPercent(predicted.average_p_alive) },
    { label: `Expected purchases (${horizon} mo)`, value: formatCount(Math.round(predicted.expected_purchases)) },
    { label: 'Avg expected order value', value: money(predicted.average_aov, currency) },
  ];
  const rows = report.top.map((v) => [
    v.customer_id,
    maskEmail(input.emails.get(v.customer_id)),
    historicalIn(v.historical),
    v.x === 0 ? 'no repeat yet' : formatPercent(v.p_alive ?? 0),
    (v.expected_purchases ?? 0).toFixed(2),
    money(v.expected_aov, currency),
    money(v.predicted_clv, currency),
  ]);
  return {
    title: `Customer lifetime value — ${input.scopeLabel} (as of ${model.as_of})`,
    text:
      `*${money(predicted.total_clv, currency)}* predicted over the next ${horizon} months from ${countOf(n, 'customer')} (avg ${money(predicted.average_clv, currency)}), ` +
      `on top of *${historicalIn(report.historical)}* historical net revenue.`,
    fields,
    tables: rows.length
      ? [
          {
            title: `Top ${rows.length === 1 ? 'customer' : `${rows.length} customers`} by predicted CLV`,
            columns: ['Customer', 'Email', 'Historical', 'P(active)', 'Exp. purchases', 'Exp. order value', 'Predicted CLV'],
            rows,
            numeric: [false, false, true, true, true, true, true],
          },
        ]
      : undefined,
    charts: input.chart ? [input.chart] : undefined,
    notes,
  };
}
