import type { Attachment, View } from '../../core/reply.ts';
import { countOf, formatCount, noValue } from '../../core/format.ts';
import type { GroupedBarChartSpec } from '../../charts/index.ts';
import type { ClvModelReport } from '../clv-model.ts';
import { modelNotes } from './clv-notes.ts';

const fixed = (value: number, digits = 6) => Number(value.toFixed(digits));

export function fitCheckChart(report: ClvModelReport): GroupedBarChartSpec {
  return {
    kind: 'grouped-bar',
    title: 'Fit check: customers by repeat purchases',
    subtitle: `Actual vs BG/NBD expected, ${countOf(report.customers, 'customer')}`,
    asOf: report.as_of,
    period: `purchases up to ${report.calibration_end}`,
    xTitle: 'Repeat purchases',
    yTitle: 'Customers',
    valueFormat: ',.0f',
    categories: report.fit_check.map((r) => r.repeat_purchases),
    series: [
      { name: 'Actual', values: report.fit_check.map((r) => r.actual) },
      { name: 'Expected', values: report.fit_check.map((r) => r.expected) },
    ],
  };
}

export function holdoutChart(report: ClvModelReport): GroupedBarChartSpec | null {
  if (!report.holdout) return null;
  const { holdout } = report;
  return {
    kind: 'grouped-bar',
    title: 'Holdout check: purchases per customer after the calibration',
    subtitle: 'By repeat purchases before the holdout period',
    asOf: report.as_of,
    period: `holdout ${holdout.calibration_end} to ${holdout.holdout_end} (${countOf(holdout.weeks, 'week')})`,
    xTitle: 'Repeat purchases in calibration',
    yTitle: 'Purchases per customer in the holdout',
    valueFormat: ',.2f',
    categories: holdout.rows.map((r) => r.repeat_purchases),
    series: [
      { name: 'Actual', values: holdout.rows.map((r) => r.actual_mean) },
      { name: 'Predicted', values: holdout.rows.map((r) => r.expected_mean) },
    ],
  };
}

export function clvModelData(report: ClvModelReport, charts: { fit_check: string; holdout?: string }) {
  const { bgnbd, gamma_gamma } = report;
  return {
    as_of: report.as_of,
    calibration_end: report.calibration_end,
    time_unit: report.time_unit,
    currency: report.currency,
    other_currencies: report.other_currencies,
    customers: report.customers,
    repeat_buyers: report.repeat_buyers,
    first_purchase: report.first_purchase,
    bgnbd: { r: bgnbd.r, alpha: bgnbd.alpha, a: bgnbd.a, b: bgnbd.b, loglik: bgnbd.loglik, converged: bgnbd.converged },
    gamma_gamma: {
      p: gamma_gamma.p,
      q: gamma_gamma.q,
      gamma: gamma_gamma.gamma,
      loglik: gamma_gamma.loglik,
      customers: gamma_gamma.customers,
      converged: gamma_gamma.converged,
    },
    fit_check: report.fit_check,
    ...(report.holdout ? { holdout: report.holdout } : {}),
    charts,
  };
}

export function clvModelView(report: ClvModelReport, charts: Attachment[]): View {
  const { bgnbd, gamma_gamma, holdout } = report;
  const tables: View['tables'] = [
    {
      title: 'Parameters',
      columns: ['Model', 'Parameters', 'Log-likelihood', 'Customers'],
      rows: [
        [
          'BG/NBD',
          `r=${fixed(bgnbd.r)} alpha=${fixed(bgnbd.alpha)} a=${fixed(bgnbd.a)} b=${fixed(bgnbd.b)}`,
          bgnbd.loglik.toFixed(2),
          formatCount(report.customers),
        ],
        [
          'Gamma-Gamma',
          `p=${fixed(gamma_gamma.p, 4)} q=${fixed(gamma_gamma.q, 4)} gamma=${fixed(gamma_gamma.gamma, 4)}`,
          gamma_gamma.loglik.toFixed(2),
          formatCount(gamma_gamma.customers),
        ],
      ],
      numeric: [false, false, true, true],
    },
    {
      title: 'Fit check: customers by repeat purchases',
      columns: ['Repeat purchases', 'Actual', 'Expected'],
      rows: report.fit_check.map((r) => [r.repeat_purchases, formatCount(r.actual), r.expected.toFixed(1)]),
      numeric: [false, true, true],
    },
  ];
  if (holdout) {
    tables.push({
      title: `Holdout ${holdout.calibration_end} → ${holdout.holdout_end} (${countOf(holdout.weeks, 'week')}): mean purchases per customer`,
      columns: ['Repeat purchases (calibration)', 'Customers', 'Actual', 'Predicted'],
      rows: holdout.rows.map((r) => [
        r.repeat_purchases,
        formatCount(r.customers),
        r.actual_mean?.toFixed(3) ?? noValue('no customers'),
        r.expected_mean?.toFixed(3) ?? noValue('no customers'),
      ]),
      numeric: [false, true, true, true],
    });
  }
  const warnings = [
    bgnbd.converged ? null : 'BG/NBD fit did not fully converge.',
    gamma_gamma.converged ? null : 'Gamma-Gamma fit did not fully converge.',
  ].filter(Boolean);
  return {
    title: `CLV model${holdout ? ` (calibrated to ${holdout.calibration_end})` : ''} — as of ${report.as_of}`,
    text:
      `BG/NBD and Gamma-Gamma fitted on *${formatCount(report.customers)}* customers, time unit *${report.time_unit}*, money in ${report.currency}.` +
      (warnings.length ? `\n⚠️ ${warnings.join(' ')}` : ''),
    fields: [
      { label: 'Time unit', value: report.time_unit },
      { label: 'Customers', value: formatCount(report.customers) },
      { label: 'Repeat buyers', value: formatCount(report.repeat_buyers) },
      { label: 'BG/NBD log-likelihood', value: bgnbd.loglik.toFixed(2) },
      { label: 'Gamma-Gamma log-likelihood', value: gamma_gamma.loglik.toFixed(2) },
    ],
    tables,
    charts,
    notes: modelNotes(report),
  };
}
