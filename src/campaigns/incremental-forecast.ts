import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.ts';
import { campaignReport } from './report.ts';
import type { Campaign } from './repository.ts';

/** What the campaign itself is expected to add on top of the baseline forecast. */
export interface IncrementalForecast {
  /** Earlier campaigns on the same segment whose holdout gave a measurable result; empty when unknown. */
  from_campaigns: number[];
  /** Measured incremental revenue per recipient, scaled to this campaign's window, cents; null when unknown. */
  per_recipient_cents: number | null;
  expected_cents: number | null;
  roi: number | null;
  /** The lift over the baseline that pays the cost: cost / baseline revenue; null without cost or baseline. */
  break_even_lift: number | null;
}

const EARLIER = 5;

/**
 * The expected incremental revenue from the holdout results of up to 5 earlier campaigns on the
 * same segment, channel-agnostic, in the same currency (incremental revenue per member per day of
 * their window, weighted by recipients, times this window); unknown when none was measurable.
 */
export async function incrementalForecast(
  db: Kysely<Database>,
  campaign: Campaign,
  recipients: number,
  baselineCents: number,
  costCents: number,
  asOf: string,
  zone: string,
): Promise<IncrementalForecast> {
  const breakEven = costCents > 0 && baselineCents > 0 ? costCents / baselineCents : null;
  const earlier = await db
    .selectFrom('campaigns')
    .select(['id'])
    .where('segment', '=', campaign.segment)
    .where('currency', '=', campaign.currency)
    .where('id', '<>', campaign.id)
    .where('launched_at', 'is not', null)
    .where('holdout_pct', '>', 0)
    .orderBy('launched_at', 'desc')
    .limit(EARLIER)
    .execute();
  let weighted = 0;
  let weight = 0;
  const used: number[] = [];
  for (const { id } of earlier) {
    const { data } = await campaignReport(db, Number(id), asOf, zone);
    const inc = data.incremental;
    if ((inc.verdict !== 'significant' && inc.verdict !== 'not_significant') || inc.per_member_cents === null) continue;
    const days = Math.max(1, data.attribution_window.days_elapsed);
    weighted += (inc.per_member_cents / days) * data.recipients.members;
    weight += data.recipients.members;
    used.push(Number(id));
  }
  if (weight === 0) return { from_campaigns: [], per_recipient_cents: null, expected_cents: null, roi: null, break_even_lift: breakEven };
  const perRecipient = (weighted / weight) * campaign.window_days;
  const expected = Math.round(perRecipient * recipients);
  return {
    from_campaigns: used.sort((a, b) => a - b),
    per_recipient_cents: Math.round(perRecipient),
    expected_cents: expected,
    roi: costCents > 0 ? (expected - costCents) / costCents : null,
    break_even_lift: breakEven,
  };
}
