import { zoneNote } from '../../core/business-day.ts';
import { proratedNote } from '../spend.ts';
import type { View } from '../../core/reply.ts';
import { cacMissing, countOf, formatCac, formatCount, formatPercent, noValue } from '../../core/format.ts';
import { formatMoney } from '../../store/money.ts';
import type { ChannelRoi, RoiReport } from '../roi.ts';
import { conversionNotes, NO_REPORTING_CURRENCY_NOTE, totalLabel } from '../currency-conversion.ts';

const money = (amount: number, currency: string) => formatMoney(Math.round(amount * 100), currency);
const NO_SPEND = noValue('no spend');
const pct = (value: number | null) => (value === null ? NO_SPEND : formatPercent(value));
const times = (value: number | null) => (value === null ? NO_SPEND : `${value.toFixed(2)}×`);

/** Projected figures exist only with a CLV forecast in the channel's currency. */
function projectedMissing(c: ChannelRoi, report: RoiReport): string {
  return report.projected_missing ? 'no CLV forecast, see the note' : `CLV forecast is not in ${c.currency}`;
}

function ltvCacText(c: ChannelRoi, report: RoiReport): string {
  if (!c.projected) return noValue(projectedMissing(c, report));
  if (c.projected.ltv_cac !== null) return `${c.projected.ltv_cac.toFixed(1)} : 1`;
  return noValue(cacMissing(c.spend, c.new_customers) ?? 'no value');
}

function paybackText(c: ChannelRoi): string {
  if (c.payback_months !== null) return c.payback_months.toFixed(1);
  return noValue(cacMissing(c.spend, c.new_customers) ?? 'no revenue yet');
}

export function roiData(report: RoiReport) {
  return {
    period: { label: report.period.label, from: report.period.from, to: report.period.to, time_zone: report.period.zone },
    as_of: report.as_of,
    window_days: report.window_days,
    window: report.window,
    horizon_months: report.horizon_months,
    projected_missing: report.projected_missing,
    channels: report.channels,
    reporting: report.reporting,
  };
}

export function roiView(report: RoiReport): View {
  const rows = report.channels.map((c) => [
    c.channel,
    c.spend > 0 ? money(c.spend, c.currency) : 'no spend',
    formatCount(c.new_customers),
    formatCac(c, (cac) => money(cac, c.currency)),
    money(c.revenue, c.currency) +
      (c.other_revenue.length ? ` (+ ${c.other_revenue.map((o) => money(o.amount, o.currency)).join(' + ')})` : ''),
    times(c.roas),
    pct(c.roi),
    c.projected ? pct(c.projected.projected_roi) : noValue(projectedMissing(c, report)),
    ltvCacText(c, report),
    paybackText(c),
  ]);
  const converted = report.reporting;
  if (converted?.total) {
    const t = converted.total;
    const notProjected = noValue('per channel only');
    rows.push([
      `*${totalLabel(converted.currency)}* (channels with spend)`,
      money(t.spend, converted.currency),
      formatCount(t.new_customers),
      formatCac(t, (cac) => money(cac, converted.currency)),
      money(t.revenue, converted.currency),
      times(t.roas),
      pct(t.roi),
      notProjected,
      notProjected,
      notProjected,
    ]);
  }
  const paid = report.channels.filter((c) => c.spend > 0);
  const headline = paid.length
    ? paid.map((c) => `*${c.channel}* ROI ${pct(c.roi)} (ROAS ${times(c.roas)})`).join(', ')
    : 'no channel had spend in this period';
  const totalText = converted?.total
    ? `; *${totalLabel(converted.currency)}* ROI ${pct(converted.total.roi)} (ROAS ${times(converted.total.roas)})`
    : '';
  const notes = [
    `Attribution window: revenue of customers acquired in ${report.period.label} from their orders ${report.window_days === null ? `up to ${report.as_of}` : `within ${countOf(report.window_days, 'day')} of acquisition (and up to ${report.as_of})`}.`,
    'ROI = (revenue - spend) / spend; ROAS = revenue / spend; a customer is acquired on their signup date, or at their first purchase where there is none, through their acquisition channel.',
    `Projected ROI and LTV:CAC use realized revenue up to ${report.as_of} plus predicted ${report.horizon_months}-month CLV (BG/NBD + Gamma-Gamma) instead of the windowed revenue. Payback = CAC ÷ net revenue per new customer per month since acquisition (up to ${report.as_of}).`,
  ];
  notes.push(
    report.margin < 1
      ? `LTV, LTV:CAC and payback are on gross margin (GROSS_MARGIN=${report.margin}: revenue × ${(report.margin * 100).toFixed(1)}%); ROI and ROAS are on revenue.`
      : 'LTV, LTV:CAC and payback are on revenue: set GROSS_MARGIN (e.g. 0.4) to put them on gross margin.',
  );
  if (report.projected_missing) notes.push(`Projected ROI is missing: ${report.projected_missing}`);
  const prorated = proratedNote(report.prorated_spend_rows);
  if (prorated) notes.push(prorated);
  if (report.period.zone !== 'UTC') notes.push(zoneNote(report.period.zone));
  if (converted?.total)
    notes.push(
      `${totalLabel(converted.currency)}: the channels with spend, their spend and their new customers' revenue (every currency) converted, then ROI and ROAS computed on the converted sums.`,
    );
  notes.push(...conversionNotes(converted));
  const currencies = new Set(report.channels.flatMap((c) => [c.currency, ...c.other_revenue.map((o) => o.currency)]));
  if (!converted && currencies.size > 1) notes.push(NO_REPORTING_CURRENCY_NOTE);
  return {
    title: `Return on investment by channel — ${report.period.label}`,
    text: `${headline}${totalText}. Window: ${report.window}.`,
    tables: [
      {
        columns: [
          'Channel',
          'Spend',
          'New customers',
          'CAC',
          `Revenue (${report.window_days === null ? `to ${report.as_of}` : `${report.window_days}d`})`,
          'ROAS',
          'ROI',
          'Projected ROI',
          'LTV:CAC',
          'Payback (mo)',
        ],
        rows,
        numeric: [false, true, true, true, true, true, true, true, true, true],
      },
    ],
    notes,
  };
}
