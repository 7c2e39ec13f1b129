import type { Kysely } from 'kysely';
import { UserError } from '../core/errors.ts';
import type { ProgressFn } from '../metrics/clv-model.ts';
import type { Database } from '../store/schema.ts';
import { resolveMembers } from './audience.ts';
import { AUDIENCE_PREFIX, parseAudience, storedAudience, storedDefinition, type AudienceThresholds } from './audience-definition.ts';
import { predictAudience, predictedLabel, type PredictedAudience } from './predicted-audience.ts';
import type { Campaign } from './repository.ts';
import { audienceSource } from './segment-source.ts';

/** Who a campaign goes to, as the create and edit options say it. */
export interface TargetOptions extends AudienceThresholds {
  segment?: string;
  audience?: string;
}

export interface Target {
  /** What the campaign stores: a segment's name or id, `all`, or `audience:<definition>`. */
  segment: string;
  /** How replies name it. */
  label: string;
  /** Its members now, before consent and holdout. */
  members: string[];
  /** A predicted audience as drawn now (frozen with the campaign). */
  predicted?: PredictedAudience;
}

export const NO_TARGET_HINT =
  'Say who it goes to: segment=<a segment from /segment run, or all>, or a predicted audience: audience=churn-risk, audience=top-clv:10% or audience=likely-buyers.';

/**
 * The target the options name, or undefined when they name none (an edit that keeps it). A segment typed
 * loosely (`at-risk`) is stored as the segment's own name ("At risk"); an id, or `all`, as typed. A predicted
 * audience is drawn from the CLV model as of `asOf` (the /clv model, its minimum data rule included).
 */
export async function resolveTarget(
  db: Kysely<Database>,
  options: TargetOptions,
  at: { asOf: string; zone: string; progress?: ProgressFn },
  current?: Campaign,
): Promise<Target | undefined> {
  const thresholds = { p_alive_below: options.p_alive_below, purchases_above: options.purchases_above };
  const predicted = options.audience !== undefined || thresholds.p_alive_below !== undefined || thresholds.purchases_above !== undefined;
  if (options.segment !== undefined && predicted) {
    throw new UserError('two_targets', 'Give a segment or a predicted audience, not both.', {
      hint: 'segment=<name> targets a segment; audience=churn-risk (or top-clv:10%, likely-buyers) targets a predicted audience.',
      context: { field: 'audience' },
    });
  }
  if (predicted) {
    const definition = parseAudience(options.audience, thresholds, current ? storedDefinition(current.segment) : null);
    const drawn = await predictAudience(db, definition, at.asOf, at.zone, at.progress);
    return {
      segment: storedAudience(definition),
      label: predictedLabel(definition, drawn.as_of),
      members: drawn.members,
      predicted: drawn,
    };
  }
  if (options.segment === undefined) return undefined;
  const segment = options.segment.trim();
  if (segment.toLowerCase().startsWith(AUDIENCE_PREFIX)) {
    throw new UserError('bad_segment', `\`${segment}\` is not a segment.`, {
      hint: `For a predicted audience use audience=${segment.slice(AUDIENCE_PREFIX.length)}.`,
      context: { field: 'segment' },
    });
  }
  const members = await resolveMembers(audienceSource(), db, segment);
  return {
    segment: /^#?\d+$/.test(segment) || members.segment_id === 'all' ? segment : members.segment_name,
    label: members.segment_name,
    members: members.customer_ids,
  };
}
