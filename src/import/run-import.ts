import { parse, CsvError } from 'csv-parse';
import type { Kysely } from 'kysely';
import type { ProgressUpdate } from '../core/context.ts';
import { UserError } from '../core/errors.ts';
import { compactCount } from '../core/progress.ts';
import type { Database } from '../store/schema.ts';
import { dateParser } from './dates.ts';
import { mapColumns, parseMapOption, type ImportKind } from './fields.ts';
import { RejectionLog } from './rejections.ts';
import { numericExtras, rowValidator, type ImportRecord, type Rejection } from './rows.ts';
import { openSource, type ImportSource } from './source.ts';
import { clearStaging, clearStaleStaging, mergeStaging, newImportId, stageBatch, STAGING_BATCH_ROWS, type MergeCounts } from './staging.ts';

export interface ImportInput {
  kind: ImportKind;
  source: ImportSource;
  strict: boolean;
  dateFormat?: string;
  map?: string;
  defaultCurrency: string;
  /** Where the rejections CSV goes. */
  outDir: string;
  /** ISO time of the command (updated_at, file names). */
  now: string;
}

/** What an import did. The first seven keys are the `--json` contract. */
export interface ImportResult extends MergeCounts {
  read: number;
  rejected: number;
  rejections_file: string | null;
  seconds: number;
  kind: ImportKind;
  source: string;
  /** False when strict=true found rejections: nothing was written. */
  committed: boolean;
  rejection_reasons: Record<string, number>;
  first_rejections: Rejection[];
}

/** Customers: how many rows decide which extra columns are numeric attributes. */
const SAMPLE_ROWS = 1000;
const PROGRESS_EVERY_MS = 500;

/** Reads, validates and stages a CSV, then merges it in one transaction. Throws UserError before writing anything when the source is unusable. */
export async function runImport(db: Kysely<Database>, input: ImportInput, progress: (update: ProgressUpdate) => void = () => {}): Promise<ImportResult> {
  const started = performance.now();
  const parseDate = dateParser(input.dateFormat);
  const map = parseMapOption(input.map);
  const source = await openSource(input.source);
  const parser = source.stream.pipe(
    parse({ delimiter: source.delimiter, bom: true, relax_quotes: true, relax_column_count: true, skip_empty_lines: true, info: true }),
  );
  source.stream.on('error', (error) => parser.destroy(error));
  const records = parser[Symbol.asyncIterator]() as AsyncIterator<{ record: string[]; info: { lines: number } }>;

  const first = await next(records, input.source.label);
  if (!first) throw new UserError('source_empty', `${input.source.label} has no header row.`);
  const mapping = mapColumns(input.kind, first.record, map);
  const stamp = input.now.replace(/[:.]/g, '-');
  const rejections = new RejectionLog(input.outDir, `import-${input.kind}-rejections-${stamp}.csv`);
  const importId = newImportId(new Date(input.now));
  let read = 0;
  let lastProgress = 0;

  const report = (force = false) => {
    const now = performance.now();
    if (!force && now - lastProgress < PROGRESS_EVERY_MS) return;
    lastProgress = now;
    const fraction = source.totalBytes ? Math.min(1, source.bytesRead() / source.totalBytes) : null;
    progress({ fraction, message: `${compactCount(read)} rows` });
  };

  try {
    await clearStaleStaging(db, new Date(input.now));
    const sample: { record: string[]; info: { lines: number } }[] = [];
    let validate: ReturnType<typeof rowValidator> | null = null;
    const makeValidator = () =>
      rowValidator({
        kind: input.kind,
        mapping,
        parseDate,
        defaultCurrency: input.defaultCurrency,
        dateFormat: input.dateFormat,
        numericExtras: input.kind === 'customers' ? numericExtras(mapping, sample.map((s) => s.record)) : undefined,
      });
    if (input.kind !== 'customers') validate = makeValidator();

    let batch: ImportRecord[] = [];
    const handle = async (row: { record: string[]; info: { lines: number } }) => {
      read++;
      const result = validate!(row.record, row.info.lines);
      if (result.rejection) rejections.add(result.rejection);
      else batch.push(result.record);
      if (batch.length >= STAGING_BATCH_ROWS) {
        const full = batch;
        batch = [];
        if (!(input.strict && rejections.count > 0)) await stageBatch(db, input.kind, importId, full);
      }
    };

    for (;;) {
      const row = await next(records, input.source.label);
      if (!row) break;
      if (!validate) {
        sample.push(row);
        if (sample.length < SAMPLE_ROWS) continue;
        validate = makeValidator();
        for (const buffered of sample.splice(0)) await handle(buffered);
        continue;
      }
      await handle(row);
      if ((read & 1023) === 0) report();
    }
    if (!validate) {
      validate = makeValidator();
      for (const buffered of sample.splice(0)) await handle(buffered);
    }
    const committed = !(input.strict && rejections.count > 0);
    let counts: MergeCounts = { inserted: 0, updated: 0, unchanged: 0 };
    if (committed) {
      await stageBatch(db, input.kind, importId, batch);
      report(true);
      progress({ fraction: null, message: `${compactCount(read)} rows read; saving…` });
      const present = [...mapping.fields.keys()];
      counts = await mergeStaging(db, input.kind, importId, input.now, present);
    }
    const rejectionsFile = await rejections.close();
    return {
      read,
      inserted: counts.inserted,
      updated: counts.updated,
      unchanged: counts.unchanged,
      rejected: rejections.count,
      rejections_file: rejectionsFile,
      seconds: Math.round((performance.now() - started) / 10) / 100,
      kind: input.kind,
      source: input.source.label,
      committed,
      ...(counts.customers_created !== undefined ? { customers_created: counts.customers_created } : {}),
      rejection_reasons: rejections.reasons,
      first_rejections: rejections.first,
    };
  } finally {
    source.stream.destroy();
    await rejections.close().catch(() => null);
    await clearStaging(db, importId);
  }
}

/** The next CSV record; a source or CSV failure becomes a UserError (nothing is merged before the end). */
async function next<T>(iterator: AsyncIterator<T>, label: string): Promise<T | null> {
  try {
    const result = await iterator.next();
    return result.done ? null : result.value;
  } catch (error) {
    if (error instanceof CsvError) {
      const line = (error as CsvError & { lines?: number }).lines;
      throw new UserError('invalid_csv', `${label} is not valid CSV${line ? ` at line ${line}` : ''}: ${error.message.replace(/^Invalid /, 'invalid ')}`, {
        hint: 'Fix the file (unbalanced quotes are the usual cause) and import it again; nothing was written.',
      });
    }
    throw new UserError('source_read_failed', `Reading ${label} failed midway: ${(error as Error).message}. Nothing was written.`, {
      hint: 'Run the same import again once the source is reachable.',
    });
  }
}
