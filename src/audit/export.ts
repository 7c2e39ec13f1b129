import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Kysely } from 'kysely';
import { csvCell } from '../core/csv.ts';
import type { CommandRegistry } from '../core/registry.ts';
import type { Database } from '../store/schema.ts';
import { writeTextFile } from '../util/text-file.ts';
import { auditBatches, type AuditFilters } from './trail.ts';
import { actionOptions, detailText, optionsWords, outcomeKind, whoWords, type AuditRow } from './words.ts';

/** The most entries one export holds (the newest); narrower filters reach the rest. */
export const EXPORT_ROW_CAP = 10_000;

export const EXPORT_COLUMNS = ['at', 'user', 'platform', 'channel', 'command', 'options', 'outcome', 'detail', 'duration_ms'];

function csvRow(row: AuditRow, registry: CommandRegistry): string {
  return [
    row.at,
    whoWords(row, 'plain'),
    row.platform,
    row.channel_id,
    `/${row.command}`,
    optionsWords(row.options, actionOptions(registry, row.command), 'plain'),
    outcomeKind(row.outcome),
    detailText(row.detail),
    Number(row.duration_ms),
  ]
    .map(csvCell)
    .join(',');
}

/** `audit-20261130T140211Z.csv` */
export function exportFileName(now: Date): string {
  return `audit-${now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')}.csv`;
}

/** Whether a file in OUT_DIR is an audit export: its cells are sentences, so an erasure looks for the id as a word in them. */
export function isAuditExport(name: string): boolean {
  return /^audit-\d{8}T\d{6}Z\.csv$/.test(path.basename(name));
}

/**
 * Writes the newest entries that match (at most `cap`) to `<outDir>/audit-….csv`, newest first:
 * options and outcomes in words, every cell a spreadsheet would run as a formula neutralized.
 */
export async function exportAudit(
  db: Kysely<Database>,
  registry: CommandRegistry,
  filters: AuditFilters,
  outDir: string,
  now: Date,
  cap = EXPORT_ROW_CAP,
): Promise<{ file: string; name: string; rows: number }> {
  mkdirSync(outDir, { recursive: true });
  const name = exportFileName(now);
  const file = path.resolve(outDir, name);
  let rows = 0;
  async function* lines(): AsyncGenerator<string> {
    yield `${EXPORT_COLUMNS.join(',')}\n`;
    for await (const batch of auditBatches(db, filters, cap)) {
      yield batch.map((row) => `${csvRow(row, registry)}\n`).join('');
      rows += batch.length;
    }
  }
  await writeTextFile(file, lines());
  return { file, name, rows };
}
