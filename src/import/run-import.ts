import { sql, type Kysely } from 'kysely';
import type { ProgressUpdate } from '../core/context.ts';
import { UserError } from '../core/errors.ts';
import { compactCount } from '../core/progress.ts';
import type { Database } from '../store/schema.ts';
import type { RecordProblem } from './csv.ts';
import { dateParser } from './dates.ts';
import { presetNamed } from './presets/index.ts';
import { findHeaderRow, presetDateParser, presetMap, PresetRun, type PresetRow } from './presets/preset.ts';
import { mapColumns, parseMapOption, type ImportKind } from './fields.ts';
import { RejectionLog } from './rejections.ts';
import { lineItemReader } from './line-items.ts';
import {
  invalidTextRejection,
  limitRejection,
  numericExtras,
  rowValidator,
  type ImportRecord,
  type OrderLineRecord,
  type Rejection,
} from './rows.ts';
import type { ImportLimits } from './limits.ts';
import { openRecords, type RecordChunk } from './records.ts';
import type { ImportSource } from './source.ts';
import { hasInvalidText, type EncodingOption } from './text.ts';
import { reclaimFreePages } from '../store/free-pages.ts';
import { fileFingerprint, rememberImport, sameAsLastImport } from './fingerprint.ts';
import {
  clearLeftoverStaging,
  removeStaging,
  kyselyStagingWriter,
  mergeStaging,
  newImportId,
  sqliteStagingWriter,
  STAGING_BATCH_ROWS,
  type MergeCounts,
  type StagingWriter,
} from './staging.ts';
import { yieldToForeground } from '../jobs/foreground.ts';
import { loadSuppressions, type Suppressions } from '../privacy/suppression.ts';

export interface ImportInput {
  kind: ImportKind;
  source: ImportSource;
  strict: boolean;
  dateFormat?: string;
  map?: string;
  /** A preset for a known export (shopify-orders, google-ads, …): its mapping and transformations. */
  preset?: string;
  /** `encoding=`; a byte order mark overrides it. */
  encoding?: EncodingOption;
  defaultCurrency: string;
  /** BUSINESS_TZ: times without an offset are read in it, and a signup or spend time is kept as its day in it. */
  timeZone: string;
  /** REPORTING_CURRENCY: rates are units of it per one unit of their currency (a rates import needs it). */
  reportingCurrency?: string;
  /** DEFAULT_CONSENT: consent of new customers whose row (or order) gives none. */
  defaultConsent: boolean;
  /**
   * The caller holds this kind's import lease: staging rows of the kind from other imports are
   * leftovers of imports that died, and are removed before this one stages.
   */
  clearLeftovers?: boolean;
  /** Where the rejections CSV goes. */
  outDir: string;
  /** The rejections CSV keeps emails as they were: only when the answer (and its file) reaches the caller alone. */
  rawRejections?: boolean;
  /** ISO time of the command (updated_at, file names). */
  now: string;
  limits: ImportLimits;
  /** ERASURE_SALT when set (else the generated one is read from the store): suppressed people are skipped. */
  erasureSalt?: string;
  /** Read and merge a local file even when it is the same as the last import of its kind. */
  force?: boolean;
}

/** What an import did. The first seven keys are the `--json` contract. */
export interface ImportResult extends MergeCounts {
  read: number;
  /** Rows of erased customers (on the suppression list): skipped, never stored. */
  suppressed: number;
  rejected: number;
  rejections_file: string | null;
  seconds: number;
  kind: ImportKind;
  source: string;
  /** False when strict=true found rejections: nothing was written. */
  committed: boolean;
  rejection_reasons: Record<string, number>;
  first_rejections: Rejection[];
  /** Customers and orders: whether the file had a consent column, and DEFAULT_CONSENT (for the reply's notes; not in `--json`). */
  consent_source?: { column: boolean; default_consent: boolean };
  /** Staging rows of dead imports of this kind removed before this one (not in `--json`). */
  leftovers_removed?: number;
  /** Rates: the currency they are in (REPORTING_CURRENCY; not in `--json`). */
  reporting_currency?: string;
  /** The newest date among the rows kept: order date, event time, spend or rate day, signup date (not in `--json`). */
  data_through?: string | null;
  /** A SQL source with an incremental column: the largest value read, the next sync's `:since` (not in `--json`). */
  cursor?: string | null;
  /** The preset the file was read with. */
  preset?: string;
  /** Rows the preset left out (failed payments, voided orders, totals rows), and why. */
  skipped?: number;
  skip_reasons?: Record<string, number>;
  /** The file is the one the last import of its kind wrote, at this time: it was not read again. */
  unchanged_since?: string;
}

/** Customers: how many rows decide which extra columns are numeric attributes. */
const SAMPLE_ROWS = 1000;
const PROGRESS_EVERY_MS = 500;

export interface RunOptions {
  /** The SQLite file behind `db`, for the fast staging path (statements prepared once). */
  sqliteFile?: string;
}

/** Reads, validates and stages a CSV, then merges it in one transaction. Throws UserError before writing anything when the source is unusable. */
export async function runImport(
  db: Kysely<Database>,
  input: ImportInput,
  progress: (update: ProgressUpdate) => void = () => {},
  options: RunOptions = {},
): Promise<ImportResult> {
  const started = performance.now();
  if (input.kind === 'rates' && !input.reportingCurrency)
    throw new UserError(
      'no_reporting_currency',
      'Rates convert into the reporting currency, and REPORTING_CURRENCY is not set. Nothing was imported.',
      {
        hint: 'Ask an admin to set REPORTING_CURRENCY (e.g. EUR) and restart the bot, then import the rates again: a file with date,currency,rate where rate = units of REPORTING_CURRENCY per 1 unit of currency.',
      },
    );
  const fingerprint = await fileFingerprint(input);
  const last = fingerprint && !input.force ? await sameAsLastImport(db, input.kind, fingerprint) : undefined;
  if (last) {
    const leftovers = input.clearLeftovers ? await clearLeftoverStaging(db, input.kind) : 0;
    if (leftovers) reclaimFreePages(options.sqliteFile);
    return { ...unchangedImport(input, last, started), ...(leftovers ? { leftovers_removed: leftovers } : {}) };
  }
  const preset = input.preset ? presetNamed(input.preset, input.kind) : undefined;
  const parseDate = preset && !input.dateFormat ? presetDateParser(preset, input.timeZone) : dateParser(input.dateFormat, input.timeZone);
  const map = parseMapOption(input.map);
  const source = await openRecords(input.source, input.limits, input.encoding);
  const encodingName = source.encodingName;
  const chunks = source.chunks;
  let pending: IteratorResult<RecordChunk>;
  let mapping: ReturnType<typeof mapColumns>;
  let run: PresetRun | undefined;
  try {
    pending = await chunks.next();
    if (pending.done || pending.value.cells.length === 0) throw new UserError('source_empty', `${input.source.label} has no header row.`);
    // a preset finds its header below any title lines (Google Ads puts two above it)
    const skip = preset ? findHeaderRow(preset, pending.value.cells, input.source.label) : 0;
    const header = pending.value.cells.splice(0, skip + 1).pop()!;
    pending.value.lines.splice(0, skip + 1);
    pending.value.problems.splice(0, skip + 1);
    if (source.suspect() && header.some(hasInvalidText)) {
      throw new UserError(
        'invalid_text',
        `The header row of ${input.source.label} is not valid ${encodingName} text: the file is in another encoding. Nothing was written.`,
        {
          hint:
            source.encoding === 'utf-8'
              ? 'Import it again with encoding=windows-1252 (Excel on Windows), encoding=latin1 or encoding=utf-16, or save it as CSV UTF-8.'
              : 'Import it again with the encoding it was saved in (encoding=utf-8, windows-1252, latin1 or utf-16).',
        },
      );
    }
    if (preset) {
      run = new PresetRun(preset, header);
      mapping = mapColumns(input.kind, run.headers(), presetMap(preset, run.header, map), { aliases: false });
    } else mapping = mapColumns(input.kind, header, map);
  } catch (error) {
    await source.close();
    throw error;
  }
  const stamp = input.now.replace(/[:.]/g, '-');
  const rejections = new RejectionLog(input.outDir, `import-${input.kind}-rejections-${stamp}.csv`, { maskEmails: !input.rawRejections });
  const importId = newImportId(new Date(input.now));
  let read = 0;
  let suppressed = 0;
  /** The newest date among the rows kept (how fresh the data is). */
  let newest: string | null = null;
  let lastProgress = 0;
  let writer: StagingWriter | null = null;
  let failure: unknown;

  const report = (force = false) => {
    const now = performance.now();
    if (!force && now - lastProgress < PROGRESS_EVERY_MS) return;
    lastProgress = now;
    const fraction = source.totalBytes ? Math.min(1, source.bytesRead() / source.totalBytes) : null;
    progress({ fraction, message: `${compactCount(read)} rows` });
  };

  try {
    const suppressions = await loadSuppressions(db, input.erasureSalt);
    const leftovers = input.clearLeftovers ? await clearLeftoverStaging(db, input.kind, importId) : 0;
    // SQLite: a 64 MiB page cache for the merge's index updates (sorts still spill to disk, not to memory).
    if (options.sqliteFile) await sql`PRAGMA cache_size = -65536`.execute(db);
    writer = options.sqliteFile
      ? sqliteStagingWriter(options.sqliteFile, input.kind, importId)
      : kyselyStagingWriter(db, input.kind, importId);
    const lineItems = lineItemReader(input.kind, mapping);
    if (lineItems) writer = lineItems.writer(writer, db, importId);
    const staging = writer;
    let validate: ReturnType<typeof rowValidator> | null = null;
    const sampleCells: string[][] = [];
    const sampleLines: number[] = [];
    const sampleProblems: (RecordProblem | null)[] = [];
    const makeValidator = () =>
      rowValidator({
        kind: input.kind,
        mapping,
        parseDate,
        defaultCurrency: input.defaultCurrency,
        timeZone: input.timeZone,
        reportingCurrency: input.reportingCurrency,
        dateFormat: input.dateFormat,
        numericExtras:
          input.kind === 'customers'
            ? numericExtras(
                mapping,
                sampleCells.filter((_, k) => !sampleProblems[k]),
              )
            : undefined,
      });
    if (input.kind !== 'customers') validate = makeValidator();

    let batch: ImportRecord[] = [];
    const full: ImportRecord[][] = [];
    const handle = (cells: string[], line: number, problem: RecordProblem | null) => {
      read++;
      let refused = problem
        ? limitRejection(problem, line, mapping.headers)
        : source.suspect()
          ? invalidTextRejection(cells, line, mapping.headers, encodingName)
          : null;
      let row: PresetRow | undefined;
      if (!refused && run) {
        const prepared = run.prepare(cells, line);
        if ('skip' in prepared) return; // left out by the preset: counted there, neither stored nor rejected
        if ('rejection' in prepared) refused = prepared.rejection;
        else ({ cells, row } = prepared);
      }
      let result = refused ? { rejection: refused } : validate!(cells, line);
      if (run && row && result.record) {
        const adjusted = run.adjust(result.record, row);
        result = 'reason' in adjusted ? { rejection: adjusted } : { record: adjusted };
      }
      if (lineItems && result.record) {
        const refusedItem = lineItems.read(cells, line, result.record as OrderLineRecord);
        if (refusedItem) result = { rejection: refusedItem };
      }
      if (
        !suppressions.empty &&
        (result.rejection ? rawSuppressed(suppressions, cells, mapping) : isSuppressed(suppressions, result.record))
      )
        suppressed++; // an erased person's row is neither stored nor written to the rejections file
      else if (result.rejection) rejections.add(result.rejection);
      else {
        batch.push(result.record);
        const date = recordDate(result.record);
        if (date !== null && (newest === null || date > newest)) newest = date;
      }
      if (batch.length >= STAGING_BATCH_ROWS) {
        if (!(input.strict && rejections.count > 0)) full.push(batch);
        batch = [];
      }
    };

    while (!pending.done) {
      yieldToForeground();
      const { cells, lines, problems } = pending.value;
      for (let i = 0; i < cells.length; i++) {
        if (validate) {
          handle(cells[i]!, lines[i]!, problems[i]!);
          continue;
        }
        sampleCells.push(cells[i]!);
        sampleLines.push(lines[i]!);
        sampleProblems.push(problems[i]!);
        if (sampleCells.length >= SAMPLE_ROWS) {
          validate = makeValidator();
          sampleCells.forEach((sampled, k) => handle(sampled, sampleLines[k]!, sampleProblems[k]!));
        }
      }
      for (const ready of full.splice(0)) await staging.write(ready);
      report();
      pending = await chunks.next();
    }
    if (!validate) {
      validate = makeValidator();
      sampleCells.forEach((sampled, k) => handle(sampled, sampleLines[k]!, sampleProblems[k]!));
      for (const ready of full.splice(0)) await staging.write(ready);
    }
    const committed = !(input.strict && rejections.count > 0);
    let counts: MergeCounts = { inserted: 0, updated: 0, unchanged: 0 };
    if (committed) {
      await staging.write(batch);
      staging.finish();
      staging.close();
      report(true);
      progress({ fraction: null, message: `${compactCount(read)} rows read; saving…` });
      counts = await mergeStaging(db, input.kind, importId, input.now, {
        presentColumns: [...mapping.fields.keys()],
        defaultConsent: input.defaultConsent,
        productNames: lineItems?.names(),
      });
      await rememberImport(db, input.kind, fingerprint, input.now, counts.inserted + counts.updated + counts.unchanged);
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
      source: input.source.label.replace(/`/g, ''),
      committed,
      suppressed,
      ...(counts.customers_created !== undefined ? { customers_created: counts.customers_created } : {}),
      ...(counts.consent_changes ? { consent_changes: counts.consent_changes } : {}),
      ...(counts.line_items ? { line_items: counts.line_items } : {}),
      rejection_reasons: rejections.reasons,
      first_rejections: rejections.first,
      ...(input.kind === 'customers' || input.kind === 'orders'
        ? { consent_source: { column: mapping.fields.has('consent'), default_consent: input.defaultConsent } }
        : {}),
      ...(leftovers ? { leftovers_removed: leftovers } : {}),
      ...(input.kind === 'rates' ? { reporting_currency: input.reportingCurrency } : {}),
      data_through: newest,
      ...(input.source.type === 'query' && input.source.incremental !== undefined ? { cursor: source.cursor() } : {}),
      ...(run ? { preset: run.preset.name, skipped: run.skipped, skip_reasons: run.skipReasons } : {}),
    };
  } catch (error) {
    failure = error;
    throw error;
  } finally {
    // After a failure (a full disk among them) the failure is what the caller hears, not a cleanup's own.
    try {
      writer?.close();
    } catch (error) {
      if (failure === undefined) throw error;
    }
    await source.close();
    await rejections.close().catch(() => null);
    await removeStaging(db, input.kind, importId, { sqliteFile: options.sqliteFile, wholeKind: input.clearLeftovers }).catch(
      (error: unknown) => {
        // left to the staging sweep (the next import of the kind, or the next start)
        if (failure === undefined) throw error;
      },
    );
    try {
      reclaimFreePages(options.sqliteFile);
    } catch (error) {
      if (failure === undefined) throw error;
    }
  }
}

/** The answer to a file that is the same as the last import of its kind: nothing read, nothing written. */
function unchangedImport(input: ImportInput, last: { imported_at: string; rows: number }, started: number): ImportResult {
  return {
    read: 0,
    inserted: 0,
    updated: 0,
    unchanged: last.rows,
    rejected: 0,
    rejections_file: null,
    seconds: Math.round((performance.now() - started) / 10) / 100,
    kind: input.kind,
    source: input.source.label.replace(/`/g, ''),
    committed: true,
    suppressed: 0,
    rejection_reasons: {},
    first_rejections: [],
    unchanged_since: last.imported_at,
  };
}

/** The date a kept row is about, per kind, as staged (ISO, so the largest is the newest). */
function recordDate(record: ImportRecord): string | null {
  if ('order_date' in record) return record.order_date;
  if ('occurred_at' in record) return record.occurred_at;
  if ('signup_date' in record) return record.signup_date;
  if ('date' in record) return record.date;
  return null;
}

/** A row about an erased customer (by id, or by email in a customers file); spend rows name nobody. */
function isSuppressed(suppressions: Suppressions, record: ImportRecord): boolean {
  if (!('customer_id' in record)) return false;
  return suppressions.has(record.customer_id, 'email' in record ? record.email : undefined);
}

/** A rejected row whose customer id or email cell (as written) is an erased person's. */
function rawSuppressed(suppressions: Suppressions, cells: string[], mapping: ReturnType<typeof mapColumns>): boolean {
  const raw = (field: string) => {
    const index = mapping.fields.get(field);
    return index === undefined ? undefined : (cells[index] ?? '').trim();
  };
  return suppressions.has(raw('customer_id'), raw('email'));
}
