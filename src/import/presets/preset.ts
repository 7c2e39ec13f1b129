import { UserError } from '../../core/errors.ts';
import { dateParser, type DateParser } from '../dates.ts';
import { normalizeHeader, type ImportKind } from '../fields.ts';
import type { ImportRecord, Rejection } from '../rows.ts';
import { decimalToCents, parseDecimal } from '../values.ts';

/**
 * A preset reads one platform's export as it comes: which of its columns hold which field, the
 * values worked out from several columns (a currency in a header, a customer id or else an email),
 * the rows left out (failed payments, voided orders, total lines) and the record adjusted after
 * validation (refunds taken off net revenue).
 */
export interface Preset {
  name: string;
  kind: ImportKind;
  /** "Shopify orders export", for messages. */
  label: string;
  /** README: what it reads and how. */
  reads: string;
  /** The documentation the format was taken from. */
  sources: string[];
  /** What was assumed where no documentation gave it (README and tests say so). */
  assumed?: string;
  /** Field -> the export's column names for it, first found wins (case and punctuation ignored). */
  columns: Partial<Record<string, ColumnName[]>>;
  /** Fields worked out by `prepare` (they win over `columns`). */
  computed?: string[];
  /** Columns the file must have (each entry: one of these names); the header row is the first record that has them all. */
  required: ColumnName[][];
  /** Date formats tried after ISO 8601 (a `date_format=` given replaces them). */
  dateFormats?: string[];
  /** One import's row handler (it may remember earlier rows: Shopify repeats an order over its lines). */
  start(header: PresetHeader): PresetRows;
}

export type ColumnName = string | RegExp;

export interface PresetRows {
  /** The computed fields' values, or why the row is left out. Throws PresetReject to reject it. */
  prepare(row: PresetRow): Record<string, string> | Skip;
  /** The validated record, adjusted (refunds off net revenue). */
  adjust?(record: ImportRecord, row: PresetRow): ImportRecord;
}

/** A row the preset leaves out (neither stored nor rejected), with the reason the reply counts. */
export class Skip {
  constructor(readonly reason: string) {}
}

/** A row the preset refuses, with the column and value to show. */
export class PresetReject extends Error {
  constructor(
    readonly column: string,
    readonly reason: string,
    readonly value: string,
  ) {
    super(reason);
  }
}

export class PresetHeader {
  private readonly byKey = new Map<string, number>();
  constructor(readonly headers: string[]) {
    headers.forEach((header, index) => {
      const key = normalizeHeader(header);
      if (key !== '' && !this.byKey.has(key)) this.byKey.set(key, index);
    });
  }

  /** The index of the first column named one of `names` (in that order of preference), or -1. */
  index(names: ColumnName[]): number {
    for (const name of names) {
      if (typeof name === 'string') {
        const found = this.byKey.get(normalizeHeader(name));
        if (found !== undefined) return found;
      } else {
        const found = this.headers.findIndex((header) => name.test(header.trim()));
        if (found >= 0) return found;
      }
    }
    return -1;
  }

  has(names: ColumnName[]): boolean {
    return this.index(names) >= 0;
  }
}

export class PresetRow {
  constructor(
    readonly header: PresetHeader,
    readonly cells: string[],
    readonly line: number,
  ) {}

  /** The trimmed cell of the first column named one of `names`; '' when absent or empty. */
  get(...names: ColumnName[]): string {
    const index = this.header.index(names);
    return index < 0 ? '' : (this.cells[index] ?? '').trim();
  }
}

/** An amount cell in cents (0 when empty); a PresetReject when it is not a number. */
export function centsOf(text: string, column: string): number {
  if (text === '') return 0;
  const parsed = parseDecimal(text);
  if (parsed === null) throw new PresetReject(column, 'not a number', text);
  return decimalToCents(parsed);
}

/** "2024-01-15 10:30:00 -0500" (a space before the offset, as Shopify writes it) -> "2024-01-15 10:30:00-0500". */
export function joinOffset(text: string): string {
  return text.replace(
    /^(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) ([+-]\d{2}:?\d{2}|Z|UTC)$/,
    (_, time: string, zone: string) => (zone === 'UTC' ? `${time}Z` : `${time}${zone}`),
  );
}

/** Records scanned for the header row (Google Ads puts a title and a date range above it). */
export const HEADER_SEARCH_ROWS = 10;

/** The virtual column a computed field is read from (no export has a column of that name). */
export const computedHeader = (preset: Preset, field: string) => `${field} (${preset.name} preset)`;

const shownName = (name: ColumnName) => (typeof name === 'string' ? name : name.source.replace(/\\/g, '').replace(/^\^|\$$/g, ''));

/** The index of the header row among the first records, or a UserError saying which columns are missing. */
export function findHeaderRow(preset: Preset, records: string[][], label: string): number {
  const limit = Math.min(records.length, HEADER_SEARCH_ROWS);
  for (let i = 0; i < limit; i++) {
    const header = new PresetHeader(records[i]!);
    if (preset.required.every((names) => header.has(names))) return i;
  }
  const first = new PresetHeader(records[0] ?? []);
  const missing = preset.required.filter((names) => !first.has(names)).map((names) => `\`${shownName(names[0]!)}\``);
  throw new UserError(
    'preset_columns_missing',
    `${label} does not look like a ${preset.label}: it has no ${missing.join(', ')} column${missing.length > 1 ? 's' : ''}. Nothing was imported.`,
    {
      hint: `Columns found: ${(records[0] ?? []).map((h) => `\`${h}\``).join(', ') || '(none)'}. Export it again from the platform with those columns, or import it without preset= and name the columns with map=.`,
      context: { preset: preset.name, missing },
    },
  );
}

/**
 * The `map=` the preset amounts to for this header: each field's column (a computed field's virtual
 * column), then the user's `map=` entries, each replacing the preset's column for its field.
 */
export function presetMap(preset: Preset, header: PresetHeader, userMap: Map<string, string>): Map<string, string> {
  const map = new Map<string, string>();
  const computed = new Set(preset.computed ?? []);
  for (const [field, names] of Object.entries(preset.columns)) {
    if (computed.has(field)) continue;
    const index = header.index(names!);
    if (index >= 0) map.set(normalizeHeader(header.headers[index]!), field);
  }
  for (const field of computed) map.set(normalizeHeader(computedHeader(preset, field)), field);
  const overridden = new Set(userMap.values());
  for (const [column, field] of map) if (overridden.has(field)) map.delete(column);
  for (const [column, field] of userMap) map.set(column, field);
  return map;
}

/** ISO 8601 first, then each of the preset's formats. */
export function presetDateParser(preset: Preset, zone: string): DateParser {
  const parsers = [dateParser(undefined, zone), ...(preset.dateFormats ?? []).map((format) => dateParser(format, zone))];
  return (text) => {
    let rejection: ReturnType<DateParser> = null;
    for (const parse of parsers) {
      const parsed = parse(text);
      if (typeof parsed === 'string') return parsed;
      rejection ??= parsed;
    }
    return rejection;
  };
}

/** What running a preset over the rows needs: its handler, the virtual columns and the skip counts. */
export class PresetRun {
  readonly header: PresetHeader;
  private readonly rows: PresetRows;
  private readonly computed: string[];
  skipped = 0;
  readonly skipReasons: Record<string, number> = {};

  constructor(
    readonly preset: Preset,
    headers: string[],
  ) {
    this.header = new PresetHeader(headers);
    this.rows = preset.start(this.header);
    this.computed = preset.computed ?? [];
  }

  /** The header with the computed fields' virtual columns after the file's own. */
  headers(): string[] {
    return [...this.header.headers, ...this.computed.map((field) => computedHeader(this.preset, field))];
  }

  /** The row's cells with the computed values appended, a skip (counted here) or a rejection. */
  prepare(cells: string[], line: number): { cells: string[]; row: PresetRow } | { skip: true } | { rejection: Rejection } {
    const row = new PresetRow(this.header, cells, line);
    try {
      const values = this.rows.prepare(row);
      if (values instanceof Skip) {
        this.skipped++;
        this.skipReasons[values.reason] = (this.skipReasons[values.reason] ?? 0) + 1;
        return { skip: true };
      }
      const own = this.header.headers.length;
      const padded = cells.length >= own ? cells.slice(0, own) : [...cells, ...Array<string>(own - cells.length).fill('')];
      return { cells: [...padded, ...this.computed.map((field) => values[field] ?? '')], row };
    } catch (error) {
      if (error instanceof PresetReject) return { rejection: { line, column: error.column, reason: error.reason, value: error.value } };
      throw error;
    }
  }

  adjust(record: ImportRecord, row: PresetRow): ImportRecord | Rejection {
    if (!this.rows.adjust) return record;
    try {
      return this.rows.adjust(record, row);
    } catch (error) {
      if (error instanceof PresetReject) return { line: row.line, column: error.column, reason: error.reason, value: error.value };
      throw error;
    }
  }
}
