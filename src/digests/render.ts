import {
  cacMissing,
  formatCac,
  formatChange,
  formatChangeOf,
  formatCount,
  formatPercent,
  formatPointChange,
  noValue,
} from '../core/format.ts';
import type { Button, Table, View } from '../core/reply.ts';
import { formatMoney } from '../store/money.ts';
import { proratedNote } from '../metrics/spend.ts';
import { missingRatesNote, NO_REPORTING_CURRENCY_NOTE, totalLabel, totalNote, type MissingRate } from '../metrics/currency-conversion.ts';
import type { Anomaly } from './anomalies.ts';
import type { ChannelFigures, DigestData } from './content.ts';

export interface DigestHeader {
  /** `Schedule #3` or `Preview`. */
  source: string;
  timeZone: string;
  /** The fire time (or now, for a preview) written in the zone. */
  whenLocal: string;
  /** Posted late: "delayed: the bot was down from … to …". */
  delayed?: string;
  /** Buttons after the figures' own (a schedule's Pause, Change schedule, …). */
  buttons?: Button[];
  /** Notes after the figures' own (why a subscriber gets it). */
  notes?: string[];
}

const METRIC_LABELS: Record<string, string> = {
  revenue_cents: 'Revenue',
  orders: 'Orders',
  new_customers: 'New customers',
  spend_cents: 'Spend',
};

function anomalyLine(anomaly: Anomaly, main: string): string {
  const currency = anomaly.currency ?? main;
  const money = anomaly.metric.endsWith('_cents');
  const show = (v: number) => (money ? formatMoney(Math.round(v), currency, 0) : formatCount(Math.round(v)));
  const direction = anomaly.z > 0 ? 'above' : 'below';
  const label = `${METRIC_LABELS[anomaly.metric] ?? anomaly.metric}${money && currency !== main ? ` (${currency})` : ''}`;
  return `⚠️ *${label}* ${show(anomaly.value)} is ${Math.abs(anomaly.z).toFixed(1)} standard deviations ${direction} its trailing average of ${show(anomaly.mean)}.`;
}

type Figures = Pick<ChannelFigures, 'spend_cents' | 'new_customers' | 'cac_cents' | 'roi'>;
const cents = (units: number) => Math.round(units * 100);
const centsOrNull = (units: number | null) => (units === null ? null : cents(units));

/** How the totals in REPORTING_CURRENCY were made, or which rates are missing; how to get one without it. */
function reportingNotes(data: DigestData): string[] {
  const r = data.reporting;
  if (!r) return data.other_currencies.length ? [NO_REPORTING_CURRENCY_NOTE] : [];
  const parts = [r.kpis, r.channels, r.previous_channels].filter((p) => p !== null);
  const missing = new Map<string, string>();
  for (const p of parts)
    for (const m of p.missing) if (!missing.has(m.currency) || m.day < missing.get(m.currency)!) missing.set(m.currency, m.day);
  if (missing.size) {
    const list: MissingRate[] = [...missing]
      .map(([currency, day]) => ({ currency, day }))
      .sort((a, b) => a.currency.localeCompare(b.currency));
    return [missingRatesNote(r.currency, list)];
  }
  if (!parts.some((p) => p.converted)) return [];
  return [
    `${totalNote(r.currency)} The channel total covers the channels with spend, as /roi's total line; ROI is computed on the converted sums.`,
  ];
}
const cacOf = (f: Figures) => ({ value: f.cac_cents, missing: cacMissing(f.spend_cents, f.new_customers) });
const roiOf = (f: Figures) => ({ value: f.roi, missing: f.spend_cents > 0 ? null : 'no spend' });

/** The digest as a chat reply: anomalies first, then the figures with their change, the chart and buttons. */
export function renderDigest(data: DigestData, chart: string | null, header: DigestHeader): View {
  const { currency } = data;
  const money = (cents: number) => formatMoney(cents, currency, 0);
  const title = `${data.period.kind === 'week' ? 'Weekly' : 'Monthly'} digest · ${data.period.from} to ${data.period.to}`;
  const zoneNote = `${header.source} · ${header.whenLocal} · time zone ${header.timeZone}. Compared with ${data.previous_period.from} to ${data.previous_period.to}.`;
  if (data.empty) {
    return {
      title,
      text: `${header.delayed ? `(${header.delayed})\n` : ''}No activity from ${data.period.from} to ${data.period.to}: no orders, no new customers and no spend.`,
      buttons: header.buttons?.length ? header.buttons : undefined,
      notes: [zoneNote, ...(header.notes ?? [])],
    };
  }

  const lines: string[] = [];
  if (header.delayed) lines.push(`(${header.delayed})`, '');
  if (data.anomalies.length) lines.push('*Worth a look*', ...data.anomalies.map((a) => anomalyLine(a, currency)), '');
  const { kpis } = data;
  const fields = data.sections.includes('kpis')
    ? [
        {
          label: 'Revenue',
          value: `${money(kpis.revenue_cents.value)} ${formatChange(kpis.revenue_cents.value, kpis.revenue_cents.previous)}`,
        },
        { label: 'Orders', value: `${formatCount(kpis.orders.value)} ${formatChange(kpis.orders.value, kpis.orders.previous)}` },
        {
          label: 'New customers',
          value: `${formatCount(kpis.new_customers.value)} ${formatChange(kpis.new_customers.value, kpis.new_customers.previous)}`,
        },
        { label: 'Spend', value: `${money(kpis.spend_cents.value)} ${formatChange(kpis.spend_cents.value, kpis.spend_cents.previous)}` },
        ...(data.reporting?.kpis?.revenue_cents && data.reporting.kpis.spend_cents
          ? (() => {
              const r = data.reporting!;
              const inReporting = (c: number) => formatMoney(c, r.currency, 0);
              const revenue = r.kpis!.revenue_cents!;
              const spend = r.kpis!.spend_cents!;
              return [
                {
                  label: `Revenue (${totalLabel(r.currency).replace('Total', 'total')})`,
                  value: `${inReporting(revenue.value)} ${formatChange(revenue.value, revenue.previous)}`,
                },
                {
                  label: `Spend (${totalLabel(r.currency).replace('Total', 'total')})`,
                  value: `${inReporting(spend.value)} ${formatChange(spend.value, spend.previous)}`,
                },
              ];
            })()
          : []),
        ...kpis.other.flatMap((o) => {
          const inOther = (c: number) => formatMoney(c, o.currency, 0);
          return [
            {
              label: `Revenue (${o.currency})`,
              value: `${inOther(o.revenue_cents.value)} ${formatChange(o.revenue_cents.value, o.revenue_cents.previous)}`,
            },
            {
              label: `Spend (${o.currency})`,
              value: `${inOther(o.spend_cents.value)} ${formatChange(o.spend_cents.value, o.spend_cents.previous)}`,
            },
          ];
        }),
      ]
    : undefined;

  const tables: Table[] = [];
  const buttons: Button[] = [];
  if (data.sections.includes('channels')) {
    if (data.channels.length) {
      const total = data.reporting?.channels?.total;
      const before = data.reporting?.previous_channels?.total ?? null;
      const totalRows = total
        ? [
            (() => {
              const r = data.reporting!.currency;
              const now = {
                spend_cents: cents(total.spend),
                new_customers: total.new_customers,
                cac_cents: centsOrNull(total.cac),
                roi: total.roi,
              };
              const prev = {
                spend_cents: before ? cents(before.spend) : 0,
                new_customers: before?.new_customers ?? 0,
                cac_cents: centsOrNull(before?.cac ?? null),
                roi: before?.roi ?? null,
              };
              return [
                `*${totalLabel(r)}* (channels with spend)`,
                formatMoney(now.spend_cents, r, 0),
                formatCount(now.new_customers),
                formatCac({ spend: now.spend_cents, new_customers: now.new_customers, cac: now.cac_cents }, (v) => formatMoney(v, r, 0)),
                formatChangeOf(cacOf(now), cacOf(prev), formatChange),
                now.roi === null ? noValue(roiOf(now).missing ?? 'no value') : formatPercent(now.roi),
                formatChangeOf(roiOf(now), roiOf(prev), formatPointChange),
              ];
            })(),
          ]
        : [];
      tables.push({
        title: 'CAC and ROI by channel',
        columns: ['Channel', 'Spend', 'New', 'CAC', 'CAC change', 'ROI', 'ROI change'],
        numeric: [false, true, true, true, false, true, false],
        rows: [
          ...data.channels.map((c) => [
            c.currency === currency ? c.channel : `${c.channel} (${c.currency})`,
            formatMoney(c.spend_cents, c.currency, 0),
            formatCount(c.new_customers),
            formatCac({ spend: c.spend_cents, new_customers: c.new_customers, cac: c.cac_cents }, (cents) =>
              formatMoney(cents, c.currency, 0),
            ),
            formatChangeOf(cacOf(c), cacOf(c.previous), formatChange),
            c.roi === null ? noValue(roiOf(c).missing ?? 'no value') : formatPercent(c.roi),
            formatChangeOf(roiOf(c), roiOf(c.previous), formatPointChange),
          ]),
          ...totalRows,
        ],
      });
    } else lines.push('No channel spend or acquisitions in the period.');
    buttons.push({ label: 'ROI detail', command: `/roi from=${data.period.from} to=${data.period.to} as_of=${data.period.to}` });
  }
  if (data.sections.includes('campaigns')) {
    if (!data.campaigns.available) lines.push('Campaigns: no campaigns yet.');
    else if (!data.campaigns.launched.length) lines.push('Campaigns: none launched in the period.');
    else {
      tables.push({
        title: 'Campaigns launched',
        columns: ['#', 'Campaign', 'Channel', 'State', 'Audience', 'Sent', 'Events'],
        numeric: [true, false, false, false, true, true, false],
        rows: data.campaigns.launched.map((c) => [
          c.id,
          c.name,
          c.channel,
          c.state,
          formatCount(c.audience_size),
          formatCount(c.sent),
          Object.entries(c.events)
            .map(([type, n]) => `${type} ${formatCount(n)}`)
            .join(', ') || noValue('no events yet'),
        ]),
      });
      for (const c of data.campaigns.launched.slice(0, 3))
        buttons.push({ label: `Campaign #${c.id} report`, command: `/campaign report ${c.id}` });
    }
  }
  if (data.sections.includes('segments')) {
    const s = data.segments;
    if (!s.available || s.latest_run_id === null) lines.push('Segments: no segmentation runs yet.');
    else if (s.previous_run_id === null) lines.push(`Segments: only one run so far (#${s.latest_run_id}); movements show from the second.`);
    else if (!s.movements.length)
      lines.push(`Segments: no customer changed segment between runs #${s.previous_run_id} and #${s.latest_run_id}.`);
    else {
      tables.push({
        title: `Segment movements, run #${s.previous_run_id} → #${s.latest_run_id}`,
        columns: ['From', 'To', 'Customers'],
        numeric: [false, false, true],
        rows: s.movements.map((m) => [m.from, m.to, formatCount(m.customers)]),
      });
    }
  }

  return {
    title,
    text: lines.join('\n').trim() || undefined,
    fields,
    tables: tables.length ? tables : undefined,
    charts: chart
      ? [
          {
            path: chart,
            name: 'digest.png',
            title: 'Revenue and new customers',
            alt: `Revenue bars and new customers line over the last ${data.history.length} ${data.period.kind}s`,
          },
        ]
      : undefined,
    buttons: buttons.length || header.buttons?.length ? [...buttons, ...(header.buttons ?? [])] : undefined,
    notes: [
      zoneNote,
      'New customers by signup date, else first purchase; revenue is net (returns included); CAC = spend / new customers; ROI = (net revenue of the customers acquired in the period, up to its last day − spend) / spend: the figures of /cac, and of /roi measured up to the period end. ROI changes are in percentage points (pp).',
      ...(proratedNote(data.prorated_spend_rows) ? [proratedNote(data.prorated_spend_rows)!] : []),
      ...(data.other_currencies.length
        ? [`Money is shown per currency, never added up: ${[currency, ...data.other_currencies].join(', ')}; the chart shows ${currency}.`]
        : []),
      ...reportingNotes(data),
      ...(header.notes ?? []),
    ],
  };
}
