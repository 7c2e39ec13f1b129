import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.ts';
import { drawHoldout, eligibleMembers, resolveMembers } from './audience.ts';
import { forecastRevenue, type Forecast } from './forecast.ts';
import type { Campaign } from './repository.ts';
import { audienceSource } from './segment-source.ts';

export interface AudiencePreview {
  segment_name: string;
  segment_members: number;
  excluded: { no_consent: number; unsubscribed: number; no_email: number; unknown: number };
  audience: number;
  holdout: number;
  recipients: number;
  estimated_cost_cents: number;
  over_budget: boolean;
  forecast: Forecast & { implied_roi: number | null };
}

/** What a launch now would do: audience after consent and unsubscribes, holdout, cost, CLV forecast. */
export async function previewAudience(db: Kysely<Database>, campaign: Campaign, asOf: string): Promise<AudiencePreview> {
  const members = await resolveMembers(audienceSource(), db, campaign.segment);
  const { eligible, excluded } = await eligibleMembers(db, members.customer_ids, campaign.channel);
  const split = drawHoldout(eligible, campaign.holdout_pct, campaign.seed);
  const cost = split.recipients.length * campaign.cost_per_send_cents;
  const forecast = await forecastRevenue(db, split.recipients, campaign.window_days, asOf, campaign.currency);
  return {
    segment_name: members.segment_name,
    segment_members: members.customer_ids.length,
    excluded,
    audience: eligible.length,
    holdout: split.holdout.length,
    recipients: split.recipients.length,
    estimated_cost_cents: cost,
    over_budget: campaign.budget_cents !== null && cost > campaign.budget_cents,
    forecast: { ...forecast, implied_roi: cost > 0 ? (forecast.expected_revenue_cents - cost) / cost : null },
  };
}
