import { statfsSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../core/errors.ts';
import { dialectOf, sqlitePath } from './database.ts';

/**
 * Low-level failures of the machine's resources (a full disk, a database that is locked, down,
 * out of connections or read-only) as answers that name the resource and the fix. Everything
 * else is left to the caller (an apology with an error id).
 */
export interface ResourceSettings {
  /** DATABASE_URL (its password is never shown). */
  databaseUrl: string;
  /** OUT_DIR: where charts, CSVs and rejection files are written. */
  outDir?: string;
}

/** The codes a resource error carries: the cause of the error, its first aggregated error, … */
interface Described {
  codes: string[];
  path?: string;
  /** Ports named by connection errors (their `port`). */
  ports: number[];
  message: string;
  stack: string;
}

function describe(error: unknown): Described {
  const codes: string[] = [];
  let file: string | undefined;
  const messages: string[] = [];
  const ports: number[] = [];
  const stacks: string[] = [];
  const seen = new Set<unknown>();
  const visit = (value: unknown, depth: number) => {
    if (!value || typeof value !== 'object' || seen.has(value) || depth > 4) return;
    seen.add(value);
    const { code, errno, path: where, message, cause, errors, port, stack } = value as Record<string, unknown>;
    if (typeof port === 'number') ports.push(port);
    if (typeof stack === 'string') stacks.push(stack);
    if (typeof code === 'string' && code) codes.push(code);
    // errno as a name only when it is one (Node's fs errors give a negative number, with `code` beside it)
    if (typeof errno === 'string' && errno) codes.push(errno);
    if (typeof where === 'string' && !file) file = where;
    if (typeof message === 'string') messages.push(message);
    visit(cause, depth + 1);
    if (Array.isArray(errors)) for (const inner of errors) visit(inner, depth + 1);
  };
  visit(error, 0);
  return { codes, path: file, ports, message: messages.join(' | '), stack: stacks.join('\n') };
}

/** Free space on the disk holding `folder`, in MB (rounded down), or undefined when it cannot be read. */
export function freeMegabytes(folder: string): number | undefined {
  // a folder not made yet is on the disk of its nearest existing parent
  for (let at = path.resolve(folder); ; at = path.dirname(at)) {
    try {
      const stats = statfsSync(at);
      return Math.floor((Number(stats.bavail) * Number(stats.bsize)) / 2 ** 20);
    } catch {
      if (at === path.dirname(at)) return undefined;
    }
  }
}

function free(folder: string): string {
  const mb = freeMegabytes(folder);
  return mb === undefined ? 'free space unknown' : `${mb} MB free`;
}

/** `host:port` of a PostgreSQL URL (never its user or password). */
export function postgresAddress(url: string): string {
  try {
    const parsed = new URL(url);
    const host = parsed.hostname || parsed.searchParams.get('host') || 'localhost';
    return `${host}:${parsed.port || '5432'}`;
  } catch {
    return 'the address in DATABASE_URL';
  }
}

function inside(file: string, folder: string): boolean {
  const relative = path.relative(path.resolve(folder), path.resolve(file));
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

const DISK_FULL = new Set(['SQLITE_FULL', 'ENOSPC', '53100']);
/** A write the disk refused for another reason than a full disk, or without saying why (SQLite hides errno). */
const WRITE_REFUSED = new Set(['EFBIG', 'SQLITE_IOERR_WRITE', 'SQLITE_IOERR_FSYNC', 'SQLITE_IOERR_TRUNCATE', 'EDQUOT']);
const READ_ONLY = new Set(['EROFS', 'EACCES', 'EPERM']);
const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE']);
/** PostgreSQL shutting down, starting up, or gone: admin_shutdown, crash_shutdown, cannot_connect_now, connection_failure. */
const PG_GONE = new Set(['57P01', '57P02', '57P03', '08006', '08001', '08003', '08000']);

/**
 * The UserError (code, message, hint) for a resource failure, or undefined when `error` is not
 * one. The message names the resource (the database file's folder, PostgreSQL's host:port, OUT_DIR)
 * and the hint what to do.
 */
export function resourceError(error: unknown, settings: ResourceSettings): UserError | undefined {
  if (error instanceof UserError) return undefined;
  const { codes, path: where, ports, message, stack } = describe(error);
  const has = (set: Set<string>) => codes.some((code) => set.has(code));
  const sqlite = dialectOf(settings.databaseUrl) === 'sqlite';
  const dbFile = sqlite ? sqlitePath(settings.databaseUrl) : undefined;
  const dbFolder = dbFile && dbFile !== ':memory:' ? path.dirname(path.resolve(dbFile)) : undefined;
  const pgAt = sqlite ? undefined : postgresAddress(settings.databaseUrl);
  const context = { codes };

  // a file of ours outside the store: OUT_DIR (charts, CSVs, rejection files) or another folder
  if (where && !(dbFolder && inside(where, dbFolder) && !(settings.outDir && inside(where, settings.outDir)))) {
    const inOutDir = settings.outDir !== undefined && inside(where, settings.outDir);
    const folder = inOutDir ? path.resolve(settings.outDir!) : path.dirname(path.resolve(where));
    const named = inOutDir ? `OUT_DIR (${folder})` : `the folder ${folder}`;
    const fix = inOutDir ? 'set OUT_DIR to a folder on a bigger disk' : 'move the file to a bigger disk';
    if (has(DISK_FULL) || codes.includes('EFBIG') || codes.includes('EDQUOT')) {
      return new UserError('disk_full', `The disk holding ${named} is full (${free(folder)}).`, {
        hint: `Free some space or ${fix}, then try again.${codes.includes('EFBIG') ? ' (A file size limit, ulimit -f, was reached.)' : ''}`,
        context,
      });
    }
    if (has(READ_ONLY)) {
      return new UserError('read_only', `The bot may not write to ${named}.`, {
        hint: inOutDir
          ? 'Give the bot’s user write access to that folder (and mount it read-write), or set OUT_DIR to another folder.'
          : 'Give the bot’s user write access to that folder (and mount it read-write).',
        context,
      });
    }
  }

  // a write of ours that failed without naming its file (a stream): both places the bot writes to
  if (!where && (codes.includes('ENOSPC') || codes.includes('EFBIG') || codes.includes('EDQUOT'))) {
    const places = [
      ...(settings.outDir ? [`OUT_DIR ${path.resolve(settings.outDir)}: ${free(settings.outDir)}`] : []),
      ...(dbFolder ? [`database folder ${dbFolder}: ${free(dbFolder)}`] : []),
    ];
    return new UserError('disk_full', `A disk the bot writes to is full${places.length ? ` (${places.join('; ')})` : ''}.`, {
      hint: 'Free some space, or move OUT_DIR or DATABASE_URL to a bigger disk, then try again.',
      context,
    });
  }

  if (sqlite) {
    const folder = dbFolder ?? 'memory';
    const file = dbFile ?? ':memory:';
    if (has(DISK_FULL)) {
      return new UserError('disk_full', `The disk holding the database folder ${folder} is full (${free(folder)}).`, {
        hint: 'Free some space or move DATABASE_URL to a bigger disk, then try again. What failed was not saved.',
        context,
      });
    }
    if (has(WRITE_REFUSED)) {
      return new UserError(
        'disk_full',
        `The disk holding the database folder ${folder} refused a write: it is full, or the database file reached a size limit (${free(folder)}).`,
        {
          hint: 'Free some space, lift the file size limit (ulimit -f), or move DATABASE_URL to a bigger disk, then try again. What failed was not saved.',
          context,
        },
      );
    }
    if (codes.some((code) => code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'))) {
      return new UserError('database_busy', `The database file ${file} stayed locked by another writer for more than 10 seconds.`, {
        hint: 'Try again in a minute. If it keeps happening, look for another program holding the file (a backup, a second bot on the same file).',
        context,
      });
    }
    if (codes.some((code) => code.startsWith('SQLITE_READONLY')) || (where && dbFolder && inside(where, dbFolder) && has(READ_ONLY))) {
      return new UserError('read_only', `The database file ${file} is read-only for the bot.`, {
        hint: `Give the bot’s user write access to ${file} and its folder ${folder} (the -wal and -shm files too), and mount the disk read-write.`,
        context,
      });
    }
    return undefined;
  }

  if (codes.includes('53100')) {
    return new UserError('disk_full', `The disk of the database server (PostgreSQL at ${pgAt}) is full.`, {
      hint: 'Free some space on the database server or move its data to a bigger disk, then try again. What failed was not saved.',
      context,
    });
  }
  if (codes.includes('53300') || /too many (clients|connections)/i.test(message)) {
    return new UserError('too_many_connections', `PostgreSQL at ${pgAt} has no free connections (too many clients).`, {
      hint: 'Try again in a minute. If it keeps happening, raise max_connections on the server or stop programs holding connections.',
      context,
    });
  }
  // a refused or broken connection to PostgreSQL itself, not to a webhook or an API
  const pgPort = Number(pgAt!.split(':').pop());
  const toPostgres = ports.length > 0 ? ports.includes(pgPort) : /node_modules\/(pg|pg-pool)\//.test(stack);
  if ((has(UNREACHABLE) && toPostgres) || has(PG_GONE) || /Connection terminated|timeout exceeded when trying to connect/i.test(message)) {
    return new UserError('database_unreachable', `PostgreSQL at ${pgAt} is not answering.`, {
      hint: 'Start it or fix DATABASE_URL; the bot connects again by itself once it answers.',
      context,
    });
  }
  if (codes.includes('25006')) {
    return new UserError('read_only', `PostgreSQL at ${pgAt} accepts no writes (a read-only server or transaction).`, {
      hint: 'Point DATABASE_URL at the primary server, or turn off default_transaction_read_only.',
      context,
    });
  }
  if (codes.includes('55P03')) {
    return new UserError('database_busy', `A table in PostgreSQL at ${pgAt} stayed locked by another session for too long.`, {
      hint: 'Try again in a minute. If it keeps happening, look for a long transaction holding the lock (pg_stat_activity).',
      context,
    });
  }
  return undefined;
}
