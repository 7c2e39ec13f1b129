import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.ts';
import { writeTextFile } from '../util/text-file.ts';
import { segmentMembersPage, type RunRecord, type SegmentRecord } from './runs.ts';

/** A CSV cell: quoted when needed; text a spreadsheet would run as a formula is prefixed with '. */
export function csvCell(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function exportFileName(segment: SegmentRecord): string {
  const slug =
    segment.name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 40) || 'segment';
  return `segment-${segment.id}-${slug}.csv`;
}

/**
 * Writes the segment's customer ids with their feature values as of the run (as stored by
 * the run, so later imports do not change an export) to `<outDir>/<file>`.
 */
export async function exportSegment(
  db: Kysely<Database>,
  run: RunRecord,
  segment: SegmentRecord,
  outDir: string,
): Promise<{ file: string; name: string; rows: number }> {
  mkdirSync(outDir, { recursive: true });
  const name = exportFileName(segment);
  const file = path.resolve(outDir, name);
  let rows = 0;
  async function* lines(): AsyncGenerator<string> {
    yield `${['customer_id', ...run.features].map(csvCell).join(',')}\n`;
    let after = '';
    for (;;) {
      const page = await segmentMembersPage(db, segment.id, after, 20_000);
      if (page.length === 0) break;
      let chunk = '';
      for (const member of page) {
        const values = member.feature_values.split(',').map((v) => (v === '' ? null : Number(v)));
        chunk += `${[csvCell(member.customer_id), ...run.features.map((_, i) => csvCell(values[i] ?? null))].join(',')}\n`;
      }
      yield chunk;
      rows += page.length;
      after = page[page.length - 1].customer_id;
      if (page.length < 20_000) break;
    }
  }
  await writeTextFile(file, lines());
  return { file, name, rows };
}
