import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.ts';
import { resolveMembers, type SegmentMembers } from './audience.ts';
import { storedDefinition } from './audience-definition.ts';
import { predictedLabel, predictedMembers } from './predicted-audience.ts';
import type { Campaign } from './repository.ts';
import { audienceSource } from './segment-source.ts';

/**
 * Who a campaign targets before consent and holdout: its segment's members now, or the members of its
 * predicted audience as they were frozen (the model is not asked again: approval and launch see that list).
 */
export async function campaignMembers(db: Kysely<Database>, campaign: Campaign): Promise<SegmentMembers> {
  const definition = storedDefinition(campaign.segment);
  if (!definition) return resolveMembers(audienceSource(), db, campaign.segment);
  return {
    segment_id: `predicted:${campaign.audience_as_of ?? 'none'}`,
    segment_name: predictedLabel(definition, campaign.audience_as_of),
    customer_ids: await predictedMembers(db, campaign.id),
  };
}
