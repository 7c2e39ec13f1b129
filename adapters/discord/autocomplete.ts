import { sql, type Kysely } from 'kysely';
import type { OptionInfo } from '../../src/core/option-schema.ts';
import type { Database } from '../../src/store/schema.ts';
import { DISCORD_LIMITS } from './limits.ts';

export interface Choice {
  name: string;
  value: string;
}

/** Where each autocomplete source's names live; a table that does not exist yet answers nothing. */
const SOURCES: Record<'segment' | 'campaign', { table: string; column: string }> = {
  segment: { table: 'segments', column: 'name' },
  campaign: { table: 'campaigns', column: 'name' },
};

function likePattern(needle: string): string {
  return `%${needle.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** Segmentation runs, newest first, shown as `#12 Spring RFM` with the id as the value. */
async function segmentRuns(db: Kysely<Database>, needle: string): Promise<Choice[]> {
  try {
    const pattern = likePattern(needle.replace(/^#/, ''));
    const result = await sql<{
      id: unknown;
      name: unknown;
    }>`select id, name from segment_runs where status = 'complete' and (cast(id as text) like ${pattern} escape '\\' or lower(coalesce(name, '')) like ${pattern} escape '\\') order by id desc limit ${DISCORD_LIMITS.autocompleteResults}`.execute(
      db,
    );
    return result.rows.map((row) => ({ name: clip(`#${String(row.id)}${row.name ? ` ${String(row.name)}` : ''}`), value: String(row.id) }));
  } catch {
    return [];
  }
}

function clip(text: string): string {
  return text.slice(0, DISCORD_LIMITS.choiceValue);
}

/** Names that contain what the user typed so far, case-insensitively, at most 25. */
export async function autocompleteChoices(db: Kysely<Database>, info: OptionInfo, typed: string): Promise<Choice[]> {
  const needle = typed.trim().toLowerCase();
  if (info.choices && !info.autocomplete) {
    return info.choices
      .filter((c) => c.toLowerCase().includes(needle))
      .slice(0, DISCORD_LIMITS.autocompleteResults)
      .map((c) => ({ name: clip(c), value: clip(c) }));
  }
  if (!info.autocomplete) return [];
  if (info.autocomplete === 'segment-run') return segmentRuns(db, needle);
  const source = SOURCES[info.autocomplete];
  try {
    const pattern = likePattern(needle);
    const result = await sql<{
      value: unknown;
    }>`select distinct ${sql.ref(source.column)} as value from ${sql.table(source.table)} where lower(cast(${sql.ref(source.column)} as text)) like ${pattern} escape '\\' order by 1 limit ${DISCORD_LIMITS.autocompleteResults}`.execute(
      db,
    );
    return result.rows
      .map((row) => String(row.value))
      .filter((v) => v !== '')
      .map((v) => ({ name: clip(v), value: clip(v) }));
  } catch {
    return [];
  }
}
