import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Kysely } from 'kysely';
import type { Config } from '../config/config.ts';
import type { Caller, ProgressUpdate } from '../core/context.ts';
import { UserError } from '../core/errors.ts';
import type { Logger } from '../logger.ts';
import { executeImport, withImportLock } from '../import/execute.ts';
import { importLimits } from '../import/limits.ts';
import type { PreviewInput } from '../import/preview.ts';
import { importReply } from '../import/reply.ts';
import type { ImportInput, ImportResult } from '../import/run-import.ts';
import type { ImportSource } from '../import/source.ts';
import type { ExclusiveContext } from '../jobs/exclusive.ts';
import type { Database } from '../store/schema.ts';
import type { SourceDefinition, SyncOutcome } from './definition.ts';
import { findSource, redactedError, redactSecrets, sourceWhere } from './describe.ts';
import { getSourceState, recordSyncAttempt, recordSyncFailure, recordSyncSuccess } from './state.ts';

/** What a sync needs of the bot: a Bot, or a command's context (both carry these). */
export interface SyncHost {
  db: Kysely<Database>;
  config: Config;
  logger: Logger;
  outDir: string;
  now(): Date;
  sources: readonly SourceDefinition[];
}

export type SyncTrigger = 'command' | 'schedule' | 'digest';

export interface SyncOptions {
  trigger: SyncTrigger;
  progress?: (update: ProgressUpdate) => void;
  /**
   * The run's key in source_runs: a schedule's fire time (ISO) when the scheduler claimed it; a row
   * already there is taken over. Default `manual:<now>:<random>` (command) or `digest:<now>:<random>`.
   */
  fireTime?: string;
  /** Who started it (the lock's holder, job_runs); default the scheduler acting for the source. */
  caller?: Caller;
}

/** `*.csv`, `orders-??.csv` as a regular expression over one file name. */
function globPattern(glob: string): RegExp {
  const body = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '[^/]*')
    .replace(/\?/g, '[^/]');
  return new RegExp(`^${body}$`);
}

/** The newest regular file in a directory source's folder matching its glob (by modification time, then name). */
export async function newestFile(source: SourceDefinition): Promise<string> {
  const folder = path.resolve(source.path ?? '.');
  const pattern = globPattern(source.glob ?? '*.csv');
  let names: string[];
  try {
    names = await fs.readdir(folder);
  } catch {
    throw new UserError('source_unreachable', `The folder of source \`${source.name}\` (${source.path}) cannot be read.`, {
      hint: 'Check that the folder exists and the bot may read it (relative paths are taken from its working directory).',
    });
  }
  let best: { name: string; mtime: number } | undefined;
  for (const name of names) {
    if (!pattern.test(name)) continue;
    const stat = await fs.stat(path.join(folder, name)).catch(() => null);
    if (!stat?.isFile()) continue;
    const mtime = stat.mtimeMs;
    if (!best || mtime > best.mtime || (mtime === best.mtime && name > best.name)) best = { name, mtime };
  }
  if (!best)
    throw new UserError('source_no_file', `No file in ${source.path} matches \`${source.glob ?? '*.csv'}\` (source \`${source.name}\`).`, {
      hint: 'Check that the exporting tool drops its files there, and the glob in the sources file.',
    });
  return path.join(folder, best.name);
}

/** The source as an import reads it. Local paths are the admin's (no IMPORT_DIR); a URL's own host may be a private address. */
export async function importSourceOf(config: Config, source: SourceDefinition, since: string | null): Promise<ImportSource> {
  const label = `source \`${source.name}\``;
  switch (source.type) {
    case 'url': {
      const url = new URL(source.url!);
      const port = url.port || (url.protocol === 'https:' ? '443' : '80');
      return {
        type: 'url',
        url: source.url!,
        headers: source.headers,
        // the admin named this host: it is reachable even at an internal address; redirects elsewhere are checked as usual
        policy: { allowHttp: config.IMPORT_ALLOW_HTTP, allow: [...config.IMPORT_URL_ALLOW, `${url.hostname}:${port}`], fromChat: false },
        label: `${label} (${sourceWhere(source)})`,
      };
    }
    case 'postgres':
    case 'sqlite':
      return {
        type: 'query',
        engine: source.type,
        target: source.type === 'postgres' ? source.connection! : path.resolve(source.path!),
        query: source.query!,
        since,
        incremental: source.incremental,
        label,
      };
    case 'directory': {
      const file = await newestFile(source);
      return { type: 'path', path: file, label: `\`${path.basename(file)}\` of ${label}` };
    }
  }
}

/** A source's import settings (everything but where the rows are written). */
export function previewInputOf(config: Config, source: SourceDefinition, importSource: ImportSource): PreviewInput {
  return {
    kind: source.kind,
    source: importSource,
    dateFormat: source.date_format,
    map: source.map,
    preset: source.preset,
    defaultCurrency: config.DEFAULT_CURRENCY,
    timeZone: config.BUSINESS_TZ,
    reportingCurrency: config.REPORTING_CURRENCY,
    limits: importLimits(config),
  };
}

const later = (a: string | null | undefined, b: string | null | undefined) => (!a ? (b ?? null) : !b ? a : a > b ? a : b);

/** The run's row in source_runs: the scheduler's claimed row for its fire time, or a new one. */
async function startRun(db: Kysely<Database>, name: string, fireTime: string, trigger: SyncTrigger, at: string): Promise<number> {
  await db
    .insertInto('source_runs')
    .values({ source: name, fire_time: fireTime, trigger, status: 'running', started_at: at })
    .onConflict((oc) => oc.columns(['source', 'fire_time']).doUpdateSet({ status: 'running' }))
    .execute();
  const row = await db
    .selectFrom('source_runs')
    .select('id')
    .where('source', '=', name)
    .where('fire_time', '=', fireTime)
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

async function finishRun(db: Kysely<Database>, id: number, status: 'done' | 'failed', rows: number | null, detail: string, at: string) {
  await db.updateTable('source_runs').set({ status, rows, detail, finished_at: at }).where('id', '=', id).execute();
}

/** Every row read was rejected: the mapping or the format broke, which is the source failing, not new data. */
function allRejected(source: SourceDefinition, result: ImportResult): UserError {
  const top = Object.entries(result.rejection_reasons).sort((a, b) => b[1] - a[1])[0];
  return new UserError(
    'source_all_rejected',
    `Every one of the ${result.read.toLocaleString('en-US')} rows of source \`${source.name}\` was rejected${top ? ` (mostly: ${top[0]})` : ''}, so nothing changed.`,
    {
      hint: `See what the rows look like with /source test ${source.name}; fix the map or date_format in the sources file, or the source.`,
    },
  );
}

/**
 * Syncs a named source as an import of its kind, under the same per-kind lock as /import: reads only
 * the rows past its cursor (incremental sources), records the run in source_runs and the state in
 * source_state. The cursor moves only on success. On failure the data imported before stays, the
 * source is marked failing (since the first failure of the spell) and a UserError is thrown, its text
 * free of secrets. A busy lock (an import of the kind running) is thrown as is, not counted as failing.
 */
export async function syncSource(host: SyncHost, name: string, options: SyncOptions): Promise<SyncOutcome> {
  const source = findSource(host.sources, name);
  const at = host.now().toISOString();
  const prefix = options.trigger === 'command' ? 'manual' : options.trigger === 'digest' ? 'digest' : 'schedule';
  const fireTime = options.fireTime ?? `${prefix}:${at}:${Math.random().toString(36).slice(2, 8)}`;
  const caller: Caller = options.caller ?? { platform: 'scheduler', userId: `source:${source.name}` };
  const ctx: ExclusiveContext = { caller, db: host.db, command: `source sync ${source.name}`, now: () => host.now(), logger: host.logger };
  const runId = await startRun(host.db, source.name, fireTime, options.trigger, at);
  await recordSyncAttempt(host.db, source.name, at);
  try {
    const state = await getSourceState(host.db, source.name);
    const since = source.incremental ? (state?.cursor ?? null) : null;
    const result = await withImportLock(ctx, source.kind, async () => {
      const input: ImportInput = {
        ...previewInputOf(host.config, source, await importSourceOf(host.config, source, since)),
        strict: false,
        defaultConsent: host.config.DEFAULT_CONSENT,
        clearLeftovers: true,
        outDir: host.outDir,
        now: at,
        erasureSalt: host.config.ERASURE_SALT,
      };
      return executeImport({ db: host.db, config: host.config, progress: options.progress }, input);
    });
    if (result.read > 0 && result.rejected === result.read) throw allRejected(source, result);
    const outcome: SyncOutcome & { import: ImportResult } = {
      source: source.name,
      rows: result.read,
      summary: importReply(result).view.text ?? '',
      cursor: source.incremental ? (result.cursor ?? since) : null,
      dataThrough: source.incremental
        ? later(state?.data_through, result.data_through)
        : (result.data_through ?? state?.data_through ?? null),
      import: result,
    };
    const done = host.now().toISOString();
    await recordSyncSuccess(host.db, source.name, outcome, done);
    await finishRun(host.db, runId, 'done', result.read, outcome.summary, done);
    return outcome;
  } catch (error) {
    const redacted = redactedError(error, source);
    const { message, code } = redacted;
    const hint = error instanceof UserError ? redacted.hint : 'An admin can find the details in the bot’s logs.';
    const done = host.now().toISOString();
    await finishRun(host.db, runId, 'failed', null, message, done).catch(() => undefined);
    // the lock of an import of the same kind: the source is fine, the sync just did not run
    if (code === 'import_running') throw new UserError(code, message, { hint });
    const since = await recordSyncFailure(host.db, source.name, message, done);
    host.logger.warn({ source: source.name, code, failing_since: since }, message);
    if (!(error instanceof UserError))
      host.logger.error(
        { source: source.name, err: redactSecrets(String((error as Error)?.stack ?? error), source) },
        'source sync failed',
      );
    const kept = `The data synced before is kept; /source list shows \`${source.name}\` failing since ${since.slice(0, 16).replace('T', ' ')} UTC.`;
    const failure = new UserError(code, message, { hint: hint ? `${hint} ${kept}` : kept, context: { failing_since: since } });
    throw failure;
  }
}
