import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.ts';
import { drawHoldout, eligibleMembers } from './audience.ts';
import { forecastRevenue, type Forecast } from './forecast.ts';
import { incrementalForecast, type IncrementalForecast } from './incremental-forecast.ts';
import { campaignMembers } from './campaign-members.ts';
import type { Campaign } from './repository.ts';
import { smsBody } from './delivery/sms.ts';
import { countSegments, type SegmentCount } from '../sms/segments.ts';

export interface AudiencePreview {
  segment_name: string;
  segment_members: number;
  excluded: { no_consent: number; unsubscribed: number; no_email: number; no_phone: number; unknown: number };
  audience: number;
  holdout: number;
  recipients: number;
  estimated_cost_cents: number;
  over_budget: boolean;
  /** SMS: what each message takes (cost_per_send is per segment). */
  sms?: SegmentCount;
  /** What the recipients are expected to spend whether or not the campaign runs. */
  forecast: Forecast;
  /** What the campaign is expected to add to it. */
  incremental: IncrementalForecast;
}

/** What a launch now would do: audience after consent and unsubscribes, holdout, cost, baseline and incremental forecast. */
export async function previewAudience(db: Kysely<Database>, campaign: Campaign, asOf: string, zone: string): Promise<AudiencePreview> {
  const members = await campaignMembers(db, campaign);
  const { eligible, excluded } = await eligibleMembers(db, members.customer_ids, campaign.channel);
  const split = drawHoldout(eligible, campaign.holdout_pct, campaign.seed);
  const sms = campaign.channel === 'sms' ? countSegments(smsBody(campaign)) : undefined;
  const cost = split.recipients.length * sendCostCents(campaign);
  const forecast = await forecastRevenue(db, split.recipients, campaign.window_days, asOf, campaign.currency, zone);
  const incremental = await incrementalForecast(db, campaign, split.recipients.length, forecast.expected_revenue_cents, cost, asOf, zone);
  return {
    segment_name: members.segment_name,
    segment_members: members.customer_ids.length,
    excluded,
    audience: eligible.length,
    holdout: split.holdout.length,
    recipients: split.recipients.length,
    estimated_cost_cents: cost,
    over_budget: campaign.budget_cents !== null && cost > campaign.budget_cents,
    ...(sms ? { sms } : {}),
    forecast,
    incremental,
  };
}

/**
 * What one send costs: cost_per_send, times the segments of the message for SMS (carriers bill each
 * segment); nothing for a log dry run.
 */
export function sendCostCents(campaign: Pick<Campaign, 'channel' | 'message' | 'cost_per_send_cents'>): number {
  if (campaign.channel === 'log') return 0;
  if (campaign.channel === 'sms') return campaign.cost_per_send_cents * countSegments(smsBody(campaign)).segments;
  return campaign.cost_per_send_cents;
}
