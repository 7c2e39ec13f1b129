import type { Config } from '../config/config.ts';
import type { ProgressUpdate } from '../core/context.ts';
import { UserError } from '../core/errors.ts';
import { describeHolder, runExclusive, type ExclusiveContext, type JobHolder } from '../jobs/exclusive.ts';
import { runInWorker, workerTask } from '../jobs/run-in-worker.ts';
import { dialectOf, sqlitePath } from '../store/database.ts';
import type { ImportKind } from './fields.ts';
import { importLeaseKey } from './leftovers.ts';
import { runImport, type ImportInput, type ImportResult } from './run-import.ts';

const TASK = workerTask(new URL('./import-task.ts', import.meta.url));

/** Where an import runs: the store, its URL and the caller's progress. */
export interface ImportHost {
  db: ExclusiveContext['db'];
  config: Pick<Config, 'DATABASE_URL'>;
  progress?: (update: ProgressUpdate) => void;
  /** Aborted when the caller cancels: the worker stops. */
  signal?: AbortSignal;
}

/**
 * Runs an import in a worker thread that opens the store itself, or here when it cannot: an in-memory
 * store cannot be opened twice, and an upload without a URL only opens in this thread.
 */
export function executeImport(host: ImportHost, input: ImportInput): Promise<ImportResult> {
  const url = host.config.DATABASE_URL;
  const inMemory = dialectOf(url) === 'sqlite' && sqlitePath(url) === ':memory:';
  if (inMemory || input.source.type === 'upload') {
    return runImport(host.db, input, host.progress, { sqliteFile: !inMemory && dialectOf(url) === 'sqlite' ? sqlitePath(url) : undefined });
  }
  return runInWorker<ImportInput & { databaseUrl: string }, ImportResult>(TASK, { ...input, databaseUrl: url }, host.progress, host.signal);
}

/** The refusal of a second import of a kind while one runs. */
export function importBusyError(kind: ImportKind, holder: JobHolder): UserError {
  return new UserError(
    'import_running',
    `${/^[aeiou]/.test(kind) ? 'An' : 'A'} ${kind} import is already running (${describeHolder(holder)}); try again when it finishes.${
      holder.expiresAt
        ? ` If it was interrupted (its bot stopped or crashed), its lock lapses at ${holder.expiresAt} and the next import then removes what it left behind.`
        : ''
    }`,
    { hint: 'Imports of the same kind run one at a time; other kinds can run meanwhile.' },
  );
}

/** One import of a kind at a time across every instance (/import and source syncs alike); a second one is refused while it runs. */
export function withImportLock<T>(ctx: ExclusiveContext, kind: ImportKind, work: () => Promise<T>): Promise<T> {
  return runExclusive(ctx, importLeaseKey(kind), work, (holder) => importBusyError(kind, holder));
}
