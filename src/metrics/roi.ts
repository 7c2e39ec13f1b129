import type { Kysely } from 'kysely';
import { UserError } from '../core/errors.ts';
import { dayOf } from '../core/business-day.ts';
import { upToDay } from '../store/business-days.ts';
import type { Database } from '../store/schema.ts';
import { acquisitionsIn, customersForCurrency, mainSpendCurrency, spendByChannel } from './acquisition.ts';
import type { Acquisition } from './acquisition.ts';
import { DAYS_PER_MONTH } from './clv-model.ts';
import { roiInReportingCurrency, type ConvertedRoi, type DayAmount } from './currency-conversion.ts';
import type { ClvValueReport } from './clv-model.ts';
import type { Period } from './periods.ts';
import { countOf } from '../core/format.ts';

/** How far after acquisition revenue counts: N days, or everything up to as_of. */
export interface AttributionWindow {
  window_days: number | null;
  /** "30 days after acquisition" or "up to 2026-12-20" (the as-of day). */
  window: string;
}

export function attributionWindow(windowDays: number | undefined, asOf: string): AttributionWindow {
  return windowDays === undefined
    ? { window_days: null, window: `up to ${asOf}` }
    : { window_days: windowDays, window: `${countOf(windowDays, 'day')} after acquisition` };
}

export interface ProjectedFigures {
  /** Realized revenue to as_of plus predicted CLV over the horizon, in the model currency. */
  projected_value: number;
  projected_roi: number | null;
  ltv: number | null;
  ltv_cac: number | null;
}

export interface ChannelRoi extends AttributionWindow {
  channel: string;
  currency: string;
  spend: number;
  new_customers: number;
  /** Net revenue of the new customers within the window, in `currency`. */
  revenue: number;
  /** Revenue in other currencies (not comparable with spend; reported separately). */
  other_revenue: { currency: string; amount: number }[];
  roas: number | null;
  roi: number | null;
  cac: number | null;
  payback_months: number | null;
  projected: ProjectedFigures | null;
}

export interface RoiReport extends AttributionWindow {
  as_of: string;
  period: Period;
  channels: ChannelRoi[];
  /** Why projected ROI is missing (model not fittable, other currency), when it is. */
  projected_missing: string | null;
  horizon_months: number;
  /** Monthly spend rows the period cuts (prorated by day). */
  prorated_spend_rows: number;
  /** The gross margin share LTV, LTV:CAC and payback are on (1: revenue). */
  margin: number;
  /** With REPORTING_CURRENCY: the paid channels' total converted at daily rates, or the missing rates; null without. */
  reporting: ConvertedRoi | null;
}

interface CustomerRevenue {
  /** Within the window, per currency (cents). */
  windowed: Map<string, number>;
  /** To as_of, per currency (cents). */
  toDate: Map<string, number>;
  /** Within the window, by order day and currency (for a total in the reporting currency). */
  windowedDays: DayAmount[];
}

const daysBetween = (a: string, b: string) => Math.round((Date.parse(b) - Date.parse(a)) / 86_400_000);
const addTo = (map: Map<string, number>, key: string, value: number) => map.set(key, (map.get(key) ?? 0) + value);
const ratio = (value: number, base: number) => (base > 0 ? value / base : null);
const round = (value: number | null, digits = 4) => (value === null ? null : Math.round(value * 10 ** digits) / 10 ** digits);

/** Net revenue per acquired customer: from acquisition to as_of, and within the window. */
async function revenueOf(
  db: Kysely<Database>,
  acquired: Acquisition[],
  asOf: string,
  windowDays: number | undefined,
  zone: string,
): Promise<Map<string, CustomerRevenue>> {
  const byId = new Map(acquired.map((a) => [a.customer_id, a]));
  const out = new Map<string, CustomerRevenue>();
  const ids = [...byId.keys()];
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    const rows = await db
      .selectFrom('orders')
      .select((eb) => ['customer_id', 'order_date', 'currency', eb.fn.sum<number>('net_cents').as('cents')])
      .where('customer_id', 'in', chunk)
      .where(upToDay('order_date', asOf, zone))
      .groupBy(['customer_id', 'order_date', 'currency'])
      .execute();
    for (const row of rows) {
      const acquiredOn = byId.get(row.customer_id)!.acquired_on;
      const day = dayOf(row.order_date, zone);
      if (day < acquiredOn) continue;
      let entry = out.get(row.customer_id);
      if (!entry) out.set(row.customer_id, (entry = { windowed: new Map(), toDate: new Map(), windowedDays: [] }));
      addTo(entry.toDate, row.currency, Number(row.cents));
      if (windowDays === undefined || daysBetween(acquiredOn, day) <= windowDays) addTo(entry.windowed, row.currency, Number(row.cents));
      if (windowDays === undefined || daysBetween(acquiredOn, day) <= windowDays)
        entry.windowedDays.push({ day, currency: row.currency, cents: Number(row.cents) });
    }
  }
  return out;
}

export interface RoiOptions {
  period: Period;
  asOf: string;
  channel?: string;
  windowDays?: number;
  horizonMonths: number;
  /** Gross margin share (GROSS_MARGIN): LTV, LTV:CAC and payback are on margin; 1 is revenue. */
  margin?: number;
  /** REPORTING_CURRENCY: adds the paid channels' total converted into it at daily rates. */
  reportingCurrency?: string;
  /** Predicted CLV of the acquired customers, or why there is none. */
  projection: (customerIds: string[]) => Promise<ClvValueReport | { missing: string }>;
}

/**
 * ROI per acquisition channel: (revenue of the customers acquired in the period, within the window - spend) / spend,
 * ROAS = revenue / spend, projected ROI with realized revenue to as_of + predicted CLV, LTV:CAC and payback months.
 */
export async function computeChannelRoi(db: Kysely<Database>, options: RoiOptions): Promise<RoiReport> {
  const { period, asOf, windowDays } = options;
  if (period.from > asOf)
    throw new UserError('period_after_as_of', `The period ${period.label} starts after as_of=${asOf}.`, {
      hint: 'Pick an earlier period or a later as_of.',
    });
  const window = attributionWindow(windowDays, asOf);
  const margin = options.margin ?? 1;
  const acquired = await acquisitionsIn(db, period, options.channel);
  const { byChannel: spend, prorated } = await spendByChannel(db, period);
  const revenue = await revenueOf(db, acquired, asOf, windowDays, period.zone);
  const projection = acquired.length
    ? await options.projection(acquired.map((a) => a.customer_id))
    : { missing: 'no customers were acquired in the period' };
  const predicted = 'missing' in projection ? null : new Map((projection.values ?? []).map((v) => [v.customer_id, v.predicted_clv]));
  const modelCurrency = 'missing' in projection ? null : projection.predicted.currency;

  const channelNames = [...new Set([...acquired.map((a) => a.channel), ...spend.keys()])]
    .filter((c) => !options.channel || c === options.channel)
    .sort((a, b) => a.localeCompare(b));
  const channels: ChannelRoi[] = [];
  for (const channel of channelNames) {
    const members = acquired.filter((a) => a.channel === channel);
    const spendByCurrency = spend.get(channel) ?? new Map<string, number>();
    const windowed = new Map<string, number>();
    const toDate = new Map<string, number>();
    for (const m of members) {
      const r = revenue.get(m.customer_id);
      if (!r) continue;
      for (const [c, cents] of r.windowed) addTo(windowed, c, cents);
      for (const [c, cents] of r.toDate) addTo(toDate, c, cents);
    }
    const currencies = spendByCurrency.size ? [...spendByCurrency.keys()].sort() : [...windowed.keys()].sort().slice(0, 1);
    if (currencies.length === 0) currencies.push(modelCurrency ?? 'USD');
    const customerMonths = members.reduce((sum, m) => sum + Math.max(daysBetween(m.acquired_on, asOf), 1) / DAYS_PER_MONTH, 0);
    for (const currency of currencies) {
      const spendCents = spendByCurrency.get(currency) ?? 0;
      const revenueCents = windowed.get(currency) ?? 0;
      // the customers this currency's spend bought (first purchase in it, or none yet and it is the main one)
      const bought = spendByCurrency.size ? customersForCurrency(members, currency, mainSpendCurrency(spendByCurrency)) : members.length;
      const cacCents = bought && spendCents > 0 ? spendCents / bought : null;
      const monthlyCents = customerMonths > 0 ? (toDate.get(currency) ?? 0) / customerMonths : 0;
      let projected: ProjectedFigures | null = null;
      if (predicted && currency === modelCurrency) {
        const future = members.reduce((sum, m) => sum + (predicted.get(m.customer_id) ?? 0) * 100, 0);
        const valueCents = (toDate.get(currency) ?? 0) + future;
        const ltvCents = members.length ? (valueCents * margin) / members.length : null;
        projected = {
          projected_value: Math.round(valueCents) / 100,
          projected_roi: round(spendCents > 0 ? (valueCents - spendCents) / spendCents : null),
          ltv: ltvCents === null ? null : Math.round(ltvCents) / 100,
          ltv_cac: round(ltvCents !== null && cacCents ? ltvCents / cacCents : null),
        };
      }
      channels.push({
        channel,
        currency,
        spend: spendCents / 100,
        new_customers: bought,
        revenue: revenueCents / 100,
        other_revenue: [...windowed].filter(([c]) => !currencies.includes(c)).map(([c, cents]) => ({ currency: c, amount: cents / 100 })),
        roas: round(ratio(revenueCents, spendCents)),
        roi: round(spendCents > 0 ? (revenueCents - spendCents) / spendCents : null),
        cac: cacCents === null ? null : Math.round(cacCents) / 100,
        payback_months: cacCents !== null && monthlyCents > 0 ? round(cacCents / (monthlyCents * margin), 1) : null,
        projected,
        ...window,
      });
    }
  }
  const missing = 'missing' in projection ? projection.missing : null;
  const reporting = options.reportingCurrency
    ? await roiInReportingCurrency(db, options.reportingCurrency, {
        period,
        channel: options.channel,
        acquired,
        revenue: (id) => revenue.get(id)?.windowedDays ?? [],
      })
    : null;
  return {
    as_of: asOf,
    period,
    channels,
    projected_missing: missing,
    horizon_months: options.horizonMonths,
    prorated_spend_rows: prorated,
    margin,
    reporting,
    ...window,
  };
}

export interface CampaignRoiInput {
  spend_cents: number;
  currency: string;
  /** Revenue attributed to the campaign within the window, cents. */
  attributed_revenue_cents: number;
  window_days: number;
  /** Where a holdout exists: revenue per customer of the treated and the holdout group, cents. */
  holdout?: { treated_customers: number; treated_revenue_cents: number; control_customers: number; control_revenue_cents: number };
}

export interface CampaignRoi extends AttributionWindow {
  currency: string;
  spend: number;
  revenue: number;
  roas: number | null;
  roi: number | null;
  incremental?: { revenue: number; roi: number | null; roas: number | null; lift_per_customer: number };
}

/**
 * ROI figures for one campaign, for the campaigns engineer to call with the campaign's own attribution:
 * attributed ROI/ROAS over the window, and incremental ROI where a holdout exists
 * (incremental revenue = treated customers × (treated - control revenue per customer)).
 */
export function campaignRoi(input: CampaignRoiInput): CampaignRoi {
  const spend = input.spend_cents;
  const out: CampaignRoi = {
    currency: input.currency,
    spend: spend / 100,
    revenue: input.attributed_revenue_cents / 100,
    roas: round(ratio(input.attributed_revenue_cents, spend)),
    roi: round(spend > 0 ? (input.attributed_revenue_cents - spend) / spend : null),
    window_days: input.window_days,
    window: `${countOf(input.window_days, 'day')} after the send`,
  };
  const h = input.holdout;
  if (h && h.treated_customers > 0 && h.control_customers > 0) {
    const lift = h.treated_revenue_cents / h.treated_customers - h.control_revenue_cents / h.control_customers;
    const incremental = lift * h.treated_customers;
    out.incremental = {
      revenue: Math.round(incremental) / 100,
      roi: round(spend > 0 ? (incremental - spend) / spend : null),
      roas: round(ratio(incremental, spend)),
      lift_per_customer: Math.round(lift) / 100,
    };
  }
  return out;
}
