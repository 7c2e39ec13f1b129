import type { Kysely } from 'kysely';
import { dayOf } from '../core/business-day.ts';
import { addDays, daysBetween } from '../core/dates.ts';
import { onDays } from '../store/business-days.ts';
import { countOf, formatCount, formatPercent } from '../core/format.ts';
import type { View } from '../core/reply.ts';
import { writeChart, type LineChartSpec } from '../charts/index.ts';
import { formatMoney } from '../store/money.ts';
import type { Database } from '../store/schema.ts';
import { UserError } from '../core/errors.ts';
import { outboxCounts } from './outbox.ts';
import { sendCostCents } from './preview.ts';
import { getCampaign } from './repository.ts';
import { fiellerRatio, newcombe, summarize, welch, wilson } from './stats.ts';
import { stateLabel } from './states.ts';

/** Below this many members in either group the comparison says nothing. */
export const MIN_GROUP_SIZE = 30;
/** A 95% interval for lift wider than this (200 percentage points) is too uncertain to quote. */
export const MAX_LIFT_CI_WIDTH = 2;

export type Verdict = 'too_small' | 'too_early' | 'too_uncertain' | 'significant' | 'not_significant';
/** Purchasing members each group needs before revenue per member can be compared (the usual n·p ≥ 10 of a normal approximation). */
export const MIN_PURCHASERS_PER_GROUP = 10;

export interface GroupFigures {
  members: number;
  revenue_cents: number;
  revenue_per_member_cents: number;
  sd_cents: number;
  /** Members with a purchase in the window, their share and its Wilson 95% interval. */
  purchasers: number;
  purchase_rate: number | null;
  purchase_rate_ci95: [number, number] | null;
}

export interface CampaignReportData {
  campaign: { id: number; name: string; state: string; channel: string; segment: string; currency: string; cost_per_send_cents: number };
  as_of: string;
  /** [start, end) dates; every revenue and rate figure is within it. */
  attribution_window: { start: string; end: string; days: number; days_elapsed: number; complete: boolean };
  sends: {
    recipients: number;
    sent: number;
    failed: number;
    /** Not sent: consent withdrawn or unsubscribed between launch and send. */
    skipped: number;
    pending: number;
    /** Of the pending: SMS held until the customer's quiet hours end. */
    quiet_hours: number;
    /** SMS the provider reported undelivered or failed after accepting them. */
    undelivered: number;
    delivered: number;
    opened: number;
    clicked: number;
    converted: number;
    /** Rates are over delivered when delivery events exist, else over sent. */
    rate_base: 'delivered' | 'sent';
    delivery_rate: number | null;
    open_rate: number | null;
    click_rate: number | null;
    conversion_rate: number | null;
    /** Wilson 95% intervals of the three rates. */
    open_rate_ci95: [number, number] | null;
    click_rate_ci95: [number, number] | null;
    conversion_rate_ci95: [number, number] | null;
  };
  recipients: GroupFigures;
  holdout: GroupFigures;
  incremental: {
    verdict: Verdict;
    /** Plain words on what can be said. */
    statement: string;
    per_member_cents: number | null;
    per_member_ci95_cents: [number, number] | null;
    revenue_cents: number | null;
    revenue_ci95_cents: [number, number] | null;
    lift: number | null;
    /** Fieller's 95% interval for the ratio of revenue per member, minus 1; null when unbounded. */
    lift_ci95: [number, number] | null;
    welch_df: number | null;
    /** Recipients' purchase rate minus the holdout's, with Newcombe's 95% interval. */
    purchase_rate_difference: number | null;
    purchase_rate_difference_ci95: [number, number] | null;
    cost_cents: number;
    roi: number | null;
    roi_ci95: [number, number] | null;
  };
  series: { day: number[]; recipients_cents: number[]; holdout_cents: number[] };
  chart: string | null;
}

export interface CampaignReport {
  data: CampaignReportData;
  view: View;
}

export interface CampaignReportOptions {
  /** Where to write the chart; no chart without it. */
  outDir?: string;
}

const round = (value: number) => Math.round(value);
const roundPair = (pair: [number, number]): [number, number] => [round(pair[0]), round(pair[1])];
const ratio = (a: number, b: number) => (b > 0 ? a / b : null);
const range = ([lo, hi]: [number, number]) => `${formatPercent(lo)}–${formatPercent(hi)}`;
/** A difference of two rates in percentage points, signed. */
const formatPointChangeValue = (difference: number) => `${difference >= 0 ? '+' : '−'}${Math.abs(difference * 100).toFixed(1)} pp`;

/**
 * Campaign results as of `asOf` ('YYYY-MM-DD'): sends and engagement rates, net revenue per member of
 * recipients and holdout within the attribution window [launch day, launch day + window_days), the
 * incremental revenue with a 95% Welch interval, lift and incremental ROI = (incremental revenue - cost) / cost.
 * Recipients are everyone drawn to receive it (intention to treat), whether or not delivery succeeded.
 */
export async function campaignReport(
  db: Kysely<Database>,
  campaignId: number | string,
  asOf: string,
  zone: string,
  options: CampaignReportOptions = {},
): Promise<CampaignReport> {
  const c = await getCampaign(db, campaignId);
  if (!c.launched_at) {
    throw new UserError(
      'not_launched',
      `Campaign #${c.id} is *${stateLabel(c.state)}*: it has not been launched, so there is nothing to measure yet.`,
      {
        hint: c.state === 'approved' ? `Launch it with /campaign launch ${c.id}.` : `See where it stands with /campaign show ${c.id}.`,
      },
    );
  }
  const start = dayOf(c.launched_at, zone);
  const end = addDays(start, c.window_days);
  const cutoff = addDays(asOf, 1) < end ? addDays(asOf, 1) : end;
  const daysElapsed = Math.max(0, Math.min(c.window_days, daysBetween(start, cutoff)));
  const window = { start, end, days: c.window_days, days_elapsed: daysElapsed, complete: cutoff === end };
  // [start, cutoff) as business days in the zone
  const inWindow = (column: string) => onDays(column, start, addDays(cutoff, -1), zone);

  const outbox = await outboxCounts(db, c.id);
  const eventCounts = await db
    .selectFrom('events')
    .select((eb) => ['type', eb.fn.count<number>('customer_id').distinct().as('n')])
    .where('campaign_id', '=', String(c.id))
    .where(inWindow('occurred_at'))
    .groupBy('type')
    .execute();
  const count = (type: string) => Number(eventCounts.find((e) => e.type === type)?.n ?? 0);
  const delivered = count('delivered');
  const base = delivered > 0 ? delivered : outbox.sent;
  const sends = {
    recipients: outbox.total,
    sent: outbox.sent,
    failed: outbox.failed,
    skipped: outbox.skipped,
    pending: outbox.pending,
    quiet_hours: outbox.quiet_hours,
    undelivered: await undeliveredCount(db, c.id),
    delivered,
    opened: count('opened'),
    clicked: count('clicked'),
    converted: count('converted'),
    rate_base: (delivered > 0 ? 'delivered' : 'sent') as 'delivered' | 'sent',
    delivery_rate: delivered > 0 ? ratio(delivered, outbox.sent) : null,
    open_rate: ratio(count('opened'), base),
    click_rate: ratio(count('clicked'), base),
    conversion_rate: ratio(count('converted'), base),
    open_rate_ci95: wilson(count('opened'), base)?.ci ?? null,
    click_rate_ci95: wilson(count('clicked'), base)?.ci ?? null,
    conversion_rate_ci95: wilson(count('converted'), base)?.ci ?? null,
  };

  const perMember = await db
    .selectFrom('campaign_audience as a')
    .leftJoin('orders as o', (join) =>
      join.onRef('o.customer_id', '=', 'a.customer_id').on(inWindow('o.order_date')).on('o.currency', '=', c.currency),
    )
    .select((eb) => [
      'a.customer_id',
      'a.group_name',
      eb.fn.coalesce(eb.fn.sum<number>('o.net_cents'), eb.lit(0)).as('cents'),
      eb.fn.coalesce(eb.fn.max<number>('o.is_purchase'), eb.lit(0)).as('bought'),
    ])
    .where('a.campaign_id', '=', c.id)
    .groupBy(['a.customer_id', 'a.group_name'])
    .execute();
  const values = { recipient: [] as number[], holdout: [] as number[] };
  const purchasers = { recipient: 0, holdout: 0 };
  for (const row of perMember) {
    const group = row.group_name === 'holdout' ? 'holdout' : 'recipient';
    values[group].push(Number(row.cents));
    if (Number(row.bought) > 0) purchasers[group]++;
  }
  const r = summarize(values.recipient);
  const h = summarize(values.holdout);
  const figures = (s: ReturnType<typeof summarize>, list: number[], bought: number): GroupFigures => {
    const rate = wilson(bought, s.n);
    return {
      members: s.n,
      revenue_cents: list.reduce((a, b) => a + b, 0),
      revenue_per_member_cents: s.mean,
      sd_cents: Math.sqrt(s.variance),
      purchasers: bought,
      purchase_rate: rate?.rate ?? null,
      purchase_rate_ci95: rate?.ci ?? null,
    };
  };

  const cost = outbox.sent * sendCostCents(c);
  const incremental = measure(r, h, cost, c.currency, newcombe(purchasers.recipient, r.n, purchasers.holdout, h.n), purchasers);

  const daily = await db
    .selectFrom('campaign_audience as a')
    .innerJoin('orders as o', 'o.customer_id', 'a.customer_id')
    .select((eb) => ['a.group_name', 'o.order_date', eb.fn.sum<number>('o.net_cents').as('cents')])
    .where('a.campaign_id', '=', c.id)
    .where(inWindow('o.order_date'))
    .where('o.currency', '=', c.currency)
    .groupBy(['a.group_name', 'o.order_date'])
    .execute();
  const series = { day: [] as number[], recipients_cents: [] as number[], holdout_cents: [] as number[] };
  let cumR = 0;
  let cumH = 0;
  for (let d = 0; d < daysElapsed; d++) {
    const date = addDays(start, d);
    for (const row of daily) {
      if (dayOf(row.order_date, zone) !== date) continue;
      if (row.group_name === 'holdout') cumH += Number(row.cents);
      else cumR += Number(row.cents);
    }
    series.day.push(d + 1);
    series.recipients_cents.push(r.n ? cumR / r.n : 0);
    series.holdout_cents.push(h.n ? cumH / h.n : 0);
  }

  const data: CampaignReportData = {
    campaign: {
      id: c.id,
      name: c.name,
      state: c.state,
      channel: c.channel,
      segment: c.segment,
      currency: c.currency,
      cost_per_send_cents: c.cost_per_send_cents,
    },
    as_of: asOf,
    attribution_window: window,
    sends,
    recipients: figures(r, values.recipient, purchasers.recipient),
    holdout: figures(h, values.holdout, purchasers.holdout),
    incremental,
    series,
    chart: null,
  };
  if (options.outDir && series.day.length > 0)
    data.chart = await writeChart(campaignRevenueChart(data), options.outDir, `campaign-${c.id}-revenue`);
  return { data, view: reportView(data) };
}

/** Cumulative net revenue per member of recipients and holdout, day by day of the attribution window. */
export function campaignRevenueChart(data: CampaignReportData): LineChartSpec {
  const { campaign: c, attribution_window: window, series } = data;
  return {
    kind: 'line',
    title: `Cumulative revenue per member: ${c.name}`,
    subtitle: 'Day 1 is the launch day',
    asOf: data.as_of,
    period: `attribution window ${window.start} to ${addDays(window.end, -1)} (${countOf(window.days, 'day')})`,
    xTitle: 'Day of the window',
    yTitle: `Net revenue per member (${c.currency})`,
    valueFormat: ',.2f',
    x: series.day,
    series: [
      { name: `Recipients (${formatCount(data.recipients.members)})`, values: series.recipients_cents.map((v) => v / 100) },
      { name: `Holdout (${formatCount(data.holdout.members)})`, values: series.holdout_cents.map((v) => v / 100) },
    ],
  };
}

function measure(
  r: ReturnType<typeof summarize>,
  h: ReturnType<typeof summarize>,
  cost: number,
  currency: string,
  purchaseRate: { difference: number; ci: [number, number] } | null,
  purchasers: { recipient: number; holdout: number },
): CampaignReportData['incremental'] {
  const rates = { purchase_rate_difference: purchaseRate?.difference ?? null, purchase_rate_difference_ci95: purchaseRate?.ci ?? null };
  const empty = {
    ...rates,
    per_member_cents: null,
    per_member_ci95_cents: null,
    revenue_cents: null,
    revenue_ci95_cents: null,
    lift: null,
    lift_ci95: null,
    welch_df: null,
    cost_cents: cost,
    roi: null,
    roi_ci95: null,
  };
  if (h.n < MIN_GROUP_SIZE || r.n < MIN_GROUP_SIZE) {
    return {
      ...empty,
      verdict: 'too_small',
      statement: `The holdout has ${countOf(h.n, 'member')} and the recipients ${formatCount(r.n)}: at least ${MIN_GROUP_SIZE} in each are needed to say anything about incremental revenue, so no figure is given. Use a larger segment or holdout next time.`,
    };
  }
  if (purchasers.recipient < MIN_PURCHASERS_PER_GROUP || purchasers.holdout < MIN_PURCHASERS_PER_GROUP) {
    const so_far = purchasers.recipient + purchasers.holdout;
    return {
      ...empty,
      verdict: 'too_early',
      statement: `Too early to measure: ${countOf(so_far, 'purchasing member')} so far (${countOf(purchasers.recipient, 'recipient')}, ${formatCount(purchasers.holdout)} in the holdout), needs about ${formatCount(2 * MIN_PURCHASERS_PER_GROUP)}: at least ${MIN_PURCHASERS_PER_GROUP} in each group. Check again later in the window.`,
    };
  }
  const w = welch(r, h);
  const perMember = w.difference;
  const lift = h.mean > 0 ? perMember / h.mean : null;
  // Fieller: the holdout mean is an estimate too, so the ratio's interval is wider than the difference's and asymmetric
  const fieller = h.mean > 0 ? fiellerRatio(r.mean, r.variance / r.n, h.mean, h.variance / h.n, w.tCritical) : null;
  const liftCi: [number, number] | null = fieller ? [fieller.ci[0] - 1, fieller.ci[1] - 1] : null;
  const revenue = perMember * r.n;
  const revenueCi: [number, number] = [w.ci[0] * r.n, w.ci[1] * r.n];
  const figures = {
    ...rates,
    per_member_cents: round(perMember),
    per_member_ci95_cents: roundPair(w.ci),
    revenue_cents: round(revenue),
    revenue_ci95_cents: roundPair(revenueCi),
    lift,
    lift_ci95: liftCi,
    welch_df: w.df,
    cost_cents: cost,
    roi: cost > 0 ? (revenue - cost) / cost : null,
    roi_ci95: cost > 0 ? ([(revenueCi[0] - cost) / cost, (revenueCi[1] - cost) / cost] as [number, number]) : null,
  };
  const money = (cents: number) => formatMoney(round(cents), currency);
  const significant = w.ci[0] > 0 || w.ci[1] < 0;
  // Without a clear effect, a lift interval wider than 200 pp (or unbounded: the holdout's own revenue
  // interval reaches zero) says nothing; a clear effect is reported even when its size is uncertain.
  const tooWide = !significant && (h.mean > 0 ? liftCi === null || liftCi[1] - liftCi[0] > MAX_LIFT_CI_WIDTH : w.ci[0] < 0 && w.ci[1] > 0);
  if (tooWide) {
    return {
      ...figures,
      verdict: 'too_uncertain',
      statement: `Too uncertain to say: the 95% interval for incremental revenue per member runs from ${money(w.ci[0])} to ${money(w.ci[1])}${liftCi ? ` (lift ${formatPercent(liftCi[0])} to ${formatPercent(liftCi[1])})` : h.mean > 0 ? ' (lift unbounded: the holdout’s own revenue is too uncertain)' : ''}. No single figure would mean anything.`,
    };
  }
  return {
    ...figures,
    verdict: significant ? 'significant' : 'not_significant',
    statement: significant
      ? `Recipients earned ${money(perMember)} ${perMember > 0 ? 'more' : 'less'} per member than the holdout (95% CI ${money(w.ci[0])} to ${money(w.ci[1])}).`
      : `No clear effect: the 95% interval for incremental revenue per member (${money(w.ci[0])} to ${money(w.ci[1])}) includes zero.`,
  };
}

function reportView(d: CampaignReportData): View {
  const money = (cents: number | null) => (cents === null ? '—' : formatMoney(round(cents), d.campaign.currency));
  const pct = (v: number | null) => (v === null ? '—' : formatPercent(v));
  const w = d.attribution_window;
  const windowText = `${w.start} to ${addDays(w.end, -1)} (${countOf(w.days, 'day')}${w.complete ? '' : `, ${w.days_elapsed} elapsed at ${d.as_of}`})`;
  const inc = d.incremental;
  const s = d.sends;
  const shown = inc.verdict === 'significant' || inc.verdict === 'not_significant';
  return {
    title: `Campaign #${d.campaign.id} “${d.campaign.name}” report`,
    text: `${inc.statement}\nAttribution window: ${windowText}.`,
    fields: [
      {
        label: 'Sent',
        value: `${formatCount(s.sent)} of ${formatCount(s.recipients)}${s.failed ? ` (${formatCount(s.failed)} failed)` : ''}${s.skipped ? ` (${formatCount(s.skipped)} skipped: consent withdrawn)` : ''}${s.pending ? ` (${formatCount(s.pending)} still owed${s.quiet_hours ? `, ${formatCount(s.quiet_hours)} of them waiting for their quiet hours to end` : ''})` : ''}${d.campaign.channel === 'log' ? ' (log channel: recorded, not delivered)' : ''}`,
      },
      {
        label: 'Delivered',
        value: `${s.delivered ? `${formatCount(s.delivered)} (${pct(s.delivery_rate)})` : 'no delivery events'}${s.undelivered ? `; ${formatCount(s.undelivered)} undelivered (the provider's receipts)` : ''}`,
      },
      {
        label: `Open / click / conversion rate (of ${s.rate_base})`,
        value: [
          [s.open_rate, s.open_rate_ci95],
          [s.click_rate, s.click_rate_ci95],
          [s.conversion_rate, s.conversion_rate_ci95],
        ]
          .map(([rate, ci]) => `${pct(rate as number | null)}${ci ? ` (${range(ci as [number, number])})` : ''}`)
          .join(' / '),
      },
      {
        label: 'Purchase rate, recipients vs holdout',
        value:
          d.recipients.purchase_rate === null || d.holdout.purchase_rate === null
            ? '— (a group is empty)'
            : `${pct(d.recipients.purchase_rate)} vs ${pct(d.holdout.purchase_rate)}${
                inc.purchase_rate_difference_ci95
                  ? `: ${formatPointChangeValue(inc.purchase_rate_difference!)} (95% CI ${formatPointChangeValue(inc.purchase_rate_difference_ci95[0])} to ${formatPointChangeValue(inc.purchase_rate_difference_ci95[1])})`
                  : ''
              }`,
      },
      {
        label: 'Recipients revenue',
        value: `${money(d.recipients.revenue_cents)} (${money(d.recipients.revenue_per_member_cents)} per member, ${countOf(d.recipients.members, 'member')})`,
      },
      {
        label: 'Holdout revenue',
        value: `${money(d.holdout.revenue_cents)} (${money(d.holdout.revenue_per_member_cents)} per member, ${countOf(d.holdout.members, 'member')})`,
      },
      ...(shown
        ? [
            {
              label: 'Incremental revenue',
              value: `${money(inc.revenue_cents)} (95% CI ${money(inc.revenue_ci95_cents![0])} to ${money(inc.revenue_ci95_cents![1])})`,
            },
            {
              label: 'Lift',
              value:
                inc.lift === null
                  ? '— (holdout revenue is zero)'
                  : inc.lift_ci95 === null
                    ? `${pct(inc.lift)} (95% CI unbounded)`
                    : `${pct(inc.lift)} (95% CI ${pct(inc.lift_ci95[0])} to ${pct(inc.lift_ci95[1])})`,
            },
            { label: 'Cost', value: money(inc.cost_cents) },
            {
              label: 'Incremental ROI',
              value:
                inc.roi === null ? '— (no cost recorded)' : `${pct(inc.roi)} (95% CI ${pct(inc.roi_ci95![0])} to ${pct(inc.roi_ci95![1])})`,
            },
          ]
        : [{ label: 'Cost', value: money(inc.cost_cents) }]),
    ],
    charts: d.chart
      ? [
          {
            path: d.chart,
            name: `campaign-${d.campaign.id}-revenue.png`,
            title: 'Cumulative revenue per member',
            alt: `Cumulative net revenue per member, recipients vs holdout, over the ${w.days}-day attribution window.`,
          },
        ]
      : undefined,
    notes: [
      `Every figure covers the attribution window ${windowText}: net revenue of orders in ${d.campaign.currency} and campaign events dated in it.`,
      'Recipients are everyone drawn to receive the campaign (intention to treat); the holdout was drawn from the same audience and not contacted.',
      'Intervals (95%): Welch for the difference in revenue per member; Fieller for lift (recipients’ over holdout revenue per member, minus 1: the holdout mean is uncertain too, so it is asymmetric); Wilson for each rate, Newcombe for the difference of purchase rates; incremental ROI = (incremental revenue − cost) / cost.',
    ],
  };
}

/** Rows whose provider's final receipt says the message did not arrive. */
async function undeliveredCount(db: Kysely<Database>, campaignId: number): Promise<number> {
  const row = await db
    .selectFrom('campaign_outbox')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('campaign_id', '=', campaignId)
    .where('receipt_status', 'in', ['undelivered', 'failed'])
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
