import type { Kysely } from 'kysely';
import { campaignReport } from '../campaigns/report.ts';
import type { View } from '../core/reply.ts';
import { countOf, formatPercent, noValue } from '../core/format.ts';
import { formatMoney } from '../store/money.ts';
import type { Database } from '../store/schema.ts';
import { campaignRoi } from './roi.ts';
import type { CampaignRoi } from './roi.ts';

export interface CampaignRoiReport extends CampaignRoi {
  campaign: { id: number; name: string };
  as_of: string;
  attribution_window: { start: string; end: string; days: number; complete: boolean };
  incremental_verdict: string;
}

/**
 * `/roi campaign=`: attributed ROI (recipients' net revenue in the campaign's attribution window vs its cost)
 * and the incremental ROI against the holdout, from the campaigns report (same window, same cost).
 */
export async function computeCampaignRoi(db: Kysely<Database>, campaign: string, asOf: string, zone: string): Promise<CampaignRoiReport> {
  const { data } = await campaignReport(db, campaign, asOf, zone);
  const w = data.attribution_window;
  const cost = data.incremental.cost_cents;
  const figures = campaignRoi({
    spend_cents: cost,
    currency: data.campaign.currency,
    attributed_revenue_cents: data.recipients.revenue_cents,
    window_days: w.days,
  });
  const inc = data.incremental;
  return {
    ...figures,
    window: `${countOf(w.days, 'day')} after launch (${w.start} to ${w.end}, exclusive${w.complete ? '' : `, ${countOf(w.days_elapsed, 'day')} elapsed`})`,
    ...(inc.revenue_cents !== null
      ? {
          incremental: {
            revenue: inc.revenue_cents / 100,
            roi: inc.roi,
            roas: cost > 0 ? inc.revenue_cents / cost : null,
            lift_per_customer: (inc.per_member_cents ?? 0) / 100,
          },
        }
      : {}),
    campaign: { id: data.campaign.id, name: data.campaign.name },
    as_of: data.as_of,
    attribution_window: { start: w.start, end: w.end, days: w.days, complete: w.complete },
    incremental_verdict: inc.statement,
  };
}

export function campaignRoiView(report: CampaignRoiReport): View {
  const money = (amount: number) => formatMoney(Math.round(amount * 100), report.currency);
  const noCost = noValue('no cost recorded');
  const noIncrement = noValue('no estimate against the holdout, see the note');
  const pct = (value: number | null) => (value === null ? noCost : formatPercent(value));
  return {
    title: `Return on investment — campaign ${report.campaign.name}`,
    text: `Attributed ROI *${pct(report.roi)}* (ROAS ${report.roas === null ? noCost : `${report.roas.toFixed(2)}×`}) over ${report.window}.`,
    fields: [
      { label: 'Cost', value: money(report.spend) },
      { label: 'Attributed revenue (recipients)', value: money(report.revenue) },
      { label: 'ROI (attributed)', value: pct(report.roi) },
      { label: 'Incremental revenue (vs holdout)', value: report.incremental ? money(report.incremental.revenue) : noIncrement },
      { label: 'Incremental ROI', value: report.incremental ? pct(report.incremental.roi) : noIncrement },
    ],
    notes: [
      `Window: ${report.window}; as of ${report.as_of}.`,
      'Attributed revenue: net revenue of everyone drawn to receive the campaign within the window; incremental: recipients minus the holdout, per member, times recipients (see /campaign report for intervals).',
      report.incremental_verdict,
    ],
  };
}
