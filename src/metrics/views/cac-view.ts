import { zoneNote } from '../../core/business-day.ts';
import { proratedNote } from '../spend.ts';
import type { Attachment, View } from '../../core/reply.ts';
import { cacMissing, countOf, formatCac, formatChange, formatChangeOf, formatCount, noValue } from '../../core/format.ts';
import type { LineChartSpec } from '../../charts/index.ts';
import { formatMoney } from '../../store/money.ts';
import type { CacFigure, CacReport } from '../cac.ts';
import { conversionNotes, NO_REPORTING_CURRENCY_NOTE, totalLabel } from '../currency-conversion.ts';

const money = (amount: number, currency: string | null) =>
  currency ? formatMoney(Math.round(amount * 100), currency) : noValue('no spend');
const cacText = (f: CacFigure, currency: string | null) => formatCac(f, (cac) => money(cac, currency));
const cacOf = (f: CacFigure) => ({ value: f.cac, missing: cacMissing(f.spend, f.new_customers) });
const change = (now: CacFigure, before: CacFigure) => formatChangeOf(cacOf(now), cacOf(before), formatChange);

export function cacTrendChart(report: CacReport): LineChartSpec | null {
  if (!report.trend.currency || report.trend.series.length === 0) return null;
  return {
    kind: 'line',
    title: 'CAC per channel',
    subtitle: `Last ${report.trend.periods.length} periods; gaps: no spend or no new customers`,
    asOf: report.period.to,
    period: `${report.trend.periods[0]!.from} to ${report.trend.periods.at(-1)!.to}`,
    xTitle: 'Period start',
    yTitle: `CAC (${report.trend.currency})`,
    valueFormat: ',.2f',
    x: report.trend.periods.map((p) => p.from),
    series: report.trend.series.map((s) => ({ name: s.channel, values: s.cac })),
  };
}

export function cacData(report: CacReport, chart?: Attachment) {
  const { period, previous_period } = report;
  return {
    period: { label: period.label, from: period.from, to: period.to, time_zone: period.zone },
    previous_period: { label: previous_period.label, from: previous_period.from, to: previous_period.to },
    channels: report.channels,
    blended: report.blended,
    paid: report.paid,
    trend: { periods: report.trend.periods.map((p) => p.label), currency: report.trend.currency, series: report.trend.series },
    reporting: report.reporting,
    ...(chart ? { chart: chart.name } : {}),
  };
}

export function cacView(report: CacReport, chart?: Attachment): View {
  const { period, previous_period } = report;
  const rows = report.channels.map((row) => [
    row.channel,
    money(row.spend, row.currency),
    formatCount(row.new_customers),
    cacText(row, row.currency),
    cacText(row.previous, row.currency),
    change(row, row.previous),
  ]);
  for (const [label, list] of [
    ['Blended', report.blended],
    ['Paid', report.paid],
  ] as const) {
    for (const t of list) {
      rows.push([
        `*${label}*${report.blended.length > 1 ? ` (${t.currency})` : ''}`,
        money(t.spend, t.currency),
        formatCount(t.new_customers),
        cacText(t, t.currency),
        cacText(t.previous, t.currency),
        change(t, t.previous),
      ]);
    }
  }
  const converted = report.reporting;
  if (converted?.converted) {
    const label = totalLabel(converted.currency);
    for (const [name, t] of [
      [converted.paid ? ' (blended)' : '', converted.blended],
      [' (paid)', converted.paid],
    ] as const) {
      if (!t) continue;
      rows.push([
        `*${label}*${name}`,
        money(t.spend, converted.currency),
        formatCount(t.new_customers),
        cacText(t, converted.currency),
        cacText(t.previous, converted.currency),
        change(t, t.previous),
      ]);
    }
  }
  const headline = report.blended.length
    ? report.blended
        .map((t) => `blended CAC *${cacText(t, t.currency)}* (${money(t.spend, t.currency)} / ${countOf(t.new_customers, 'new customer')})`)
        .join('; ')
    : 'no spend recorded';
  const total = converted?.blended;
  const totalText =
    total && converted
      ? `; ${converted.paid ? 'blended CAC' : 'CAC'} in ${converted.currency} at daily rates *${cacText(total, converted.currency)}* (${money(total.spend, converted.currency)} / ${countOf(total.new_customers, 'new customer')})`
      : '';
  const notes = [
    `Period ${period.label} (${period.from} to ${period.to}), compared with ${previous_period.label}.`,
    'CAC = spend in the period ÷ customers acquired in it; a customer is acquired on their signup date, or at their first purchase where there is none, through their acquisition channel.',
    'Blended: all spend ÷ all new customers (organic included). Paid: all spend ÷ new customers of channels with spend. A channel without spend or without new customers has no CAC ("—" with the reason).',
  ];
  const prorated = proratedNote(report.prorated_spend_rows);
  if (prorated) notes.push(prorated);
  if (period.zone !== 'UTC') notes.push(zoneNote(period.zone));
  if (report.blended.length > 1)
    notes.push(
      `Spend is in several currencies (${report.blended.map((b) => b.currency).join(', ')}): each is reported separately, never summed. A currency's CAC counts the new customers whose first purchase was in it (one who has not bought yet counts in the channel's main spend currency).`,
    );
  notes.push(...conversionNotes(converted));
  if (!converted && report.blended.length > 1) notes.push(NO_REPORTING_CURRENCY_NOTE);
  return {
    title: `Customer acquisition cost — ${period.label}`,
    text: `${period.label}: ${headline}${totalText}.`,
    tables: [
      {
        columns: ['Channel', 'Spend', 'New customers', 'CAC', `CAC ${previous_period.label}`, 'Change'],
        rows,
        numeric: [false, true, true, true, true, true],
      },
    ],
    charts: chart ? [chart] : undefined,
    notes,
  };
}
