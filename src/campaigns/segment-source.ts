import { resolveSegment, segmentMemberIds } from '../segmentation/runs.ts';
import { allCustomersSource, type AudienceSource } from './audience.ts';

/** /segment's stored segments (newest run with that name, or a segment id); `all` is every customer. */
export const segmentAudienceSource: AudienceSource = {
  async members(db, nameOrId) {
    const all = await allCustomersSource.members(db, nameOrId);
    if (all) return all;
    const segment = await resolveSegment(db, nameOrId);
    return { segment_id: String(segment.id), segment_name: segment.name, customer_ids: await segmentMemberIds(db, segment.id) };
  },
};

let current: AudienceSource = segmentAudienceSource;

/** The source campaigns read audiences from (replaceable for a different segment store). */
export function audienceSource(): AudienceSource {
  return current;
}

export function setAudienceSource(source: AudienceSource): void {
  current = source;
}
