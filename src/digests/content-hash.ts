import { createHash } from 'node:crypto';
import type { DigestData } from './content.ts';

/** A hash of the figures a reader sees, without the dates: equal hashes mean the digest would repeat. */
export function contentHash(data: DigestData): string {
  const figures = {
    sections: data.sections,
    empty: data.empty,
    kpis: data.kpis,
    channels: data.channels,
    campaigns: data.campaigns.launched,
    segments: data.segments.movements,
  };
  return createHash('sha256').update(JSON.stringify(figures)).digest('hex').slice(0, 32);
}
