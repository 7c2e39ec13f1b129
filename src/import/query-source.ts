import Database from 'better-sqlite3';
import { createRequire } from 'node:module';
import type pg from 'pg';
import type Cursor from 'pg-cursor';
import { UserError } from '../core/errors.ts';
import { pgDriver } from '../store/database.ts';
import { formatSeconds, type ImportLimits } from './limits.ts';

/**
 * A SQL source read inside the import worker: a PostgreSQL database (a connection string) or a SQLite
 * file, and a query. `since` is bound to every `:since` of the query, never written into it.
 */
export interface QuerySource {
  type: 'query';
  engine: 'postgres' | 'sqlite';
  /** postgres: the connection string (a secret: never shown); sqlite: the database file. */
  target: string;
  query: string;
  /** The last seen value of `incremental`, or null (first sync: the query reads every row). */
  since: string | null;
  /** The column whose largest value becomes the next `since`. */
  incremental?: string;
  label: string;
}

/** Rows per page read from a server-side cursor: memory holds one page, never the whole result. */
export const QUERY_PAGE_ROWS = 5000;

/** The query's column names first, then its rows by pages (values as text, null as ''). */
export type QueryPage = { columns: string[] } | { rows: (string | null)[][] };

/**
 * `:since` (outside quotes and comments, not a `::` cast) replaced by `replacement(n, nullTest)` (n from 1;
 * nullTest: it is followed by `is [not] null`); how many there were. PostgreSQL takes one `$n` per
 * occurrence, `$n::text` in a null test (whose type PostgreSQL cannot infer); SQLite keeps `:since`.
 */
export function bindSince(
  query: string,
  replacement: string | ((n: number, nullTest: boolean) => string),
): { text: string; count: number } {
  let out = '';
  let count = 0;
  let i = 0;
  const n = query.length;
  while (i < n) {
    const c = query[i]!;
    const rest = query.slice(i);
    let skip = 0;
    if (c === "'" || c === '"' || c === '`') {
      const end = query.indexOf(c, i + 1);
      skip = (end === -1 ? n : end + 1) - i;
    } else if (rest.startsWith('--')) {
      const end = query.indexOf('\n', i);
      skip = (end === -1 ? n : end) - i;
    } else if (rest.startsWith('/*')) {
      const end = query.indexOf('*/', i + 2);
      skip = (end === -1 ? n : end + 2) - i;
    } else {
      const dollar = /^\$([A-Za-z_]\w*)?\$/.exec(rest);
      if (dollar && !/\w/.test(query[i - 1] ?? '')) {
        const end = query.indexOf(dollar[0], i + dollar[0].length);
        skip = (end === -1 ? n : end + dollar[0].length) - i;
      }
    }
    if (skip > 0) {
      out += query.slice(i, i + skip);
      i += skip;
      continue;
    }
    if (c === ':' && query[i - 1] !== ':' && /^:since(?!\w)/.test(rest)) {
      count++;
      out += typeof replacement === 'string' ? replacement : replacement(count, /^:since\s+is\s+(not\s+)?null\b/i.test(rest));
      i += ':since'.length;
      continue;
    }
    out += c;
    i++;
  }
  return { text: out, count };
}

/** A value as the importer reads a cell: text; null and undefined are empty. */
function cellText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (Buffer.isBuffer(value)) return value.toString('hex');
  return JSON.stringify(value);
}

const TIMESTAMPTZ = 1184;
/** date, time, timestamp, timestamptz, timetz: read as PostgreSQL writes them (no JavaScript Date, whose milliseconds would cut microseconds off a cursor). */
const TEXT_TYPES = new Set([1082, 1083, 1114, TIMESTAMPTZ, 1266]);
const pgTypes = {
  getTypeParser: ((oid: number, format?: string) =>
    TEXT_TYPES.has(oid)
      ? (value: string) => value
      : pgDriver().types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

/** `2026-11-25 10:00:00.5+00` (PostgreSQL's timestamptz text) as ISO 8601, which the importer reads. */
function isoTimestamptz(text: string): string {
  const m = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}(?:\.\d+)?)([+-]\d{2})(?::?(\d{2}))?(?::\d{2})?$/.exec(text);
  return m ? `${m[1]}T${m[2]}${m[3]}:${m[4] ?? '00'}` : text;
}

function unreachable(source: QuerySource, limits: ImportLimits, detail: string): UserError {
  return new UserError(
    'source_unreachable',
    `Cannot connect to the database of ${source.label}: ${detail} (the connection waits at most ${formatSeconds(limits.idleMs)}, IMPORT_IDLE_TIMEOUT_S).`,
    { hint: 'Check that the database is up and reachable from the bot, and the connection string in its environment variable.' },
  );
}

/** A PostgreSQL error as a UserError naming what failed (never the connection string). */
function postgresError(error: unknown, source: QuerySource, limits: ImportLimits, connected: boolean): UserError {
  if (error instanceof UserError) return error;
  const e = error as { code?: string; message?: string };
  const message = (e.message ?? String(error)).split('\n')[0]!;
  if (e.code === '28P01' || e.code === '28000')
    return new UserError('source_auth', `The database of ${source.label} refused the login: ${message}.`, {
      hint: 'Check the user and password in the connection string (its environment variable), and that the user may connect.',
    });
  if (e.code === '57014')
    return new UserError(
      'source_too_slow',
      `The query of ${source.label} ran longer than ${formatSeconds(limits.totalMs)} (IMPORT_TIMEOUT_S) and was stopped. Nothing was imported.`,
      { hint: 'Make the query cheaper (an index on the incremental column), or ask an admin to raise IMPORT_TIMEOUT_S.' },
    );
  if (!connected || e.code === undefined || /^(08|57P)/.test(e.code)) return unreachable(source, limits, message);
  if (e.code === '25006')
    return new UserError(
      'source_query_failed',
      `The query of ${source.label} tried to write: sources are read in a read-only transaction.`,
      {
        hint: 'Make the query a SELECT.',
      },
    );
  return new UserError('source_query_failed', `The query of ${source.label} failed: ${message}.`, {
    hint:
      e.code === '42P18'
        ? 'Say what type :since is where PostgreSQL cannot tell, e.g. :since::timestamptz, then sync again.'
        : 'Fix the query in the sources file (try it with psql first), then sync again.',
  });
}

function readPage(cursor: Cursor, rows: number): Promise<{ rows: unknown[][]; fields: string[] }> {
  return new Promise((resolve, reject) => {
    cursor.read(rows, (error, found, result) => {
      if (error) reject(error);
      else resolve({ rows: found as unknown[][], fields: (result?.fields ?? []).map((f) => f.name) });
    });
  });
}

/**
 * Reads a PostgreSQL query in pages of QUERY_PAGE_ROWS from a server-side cursor, inside a read-only
 * transaction with a statement timeout (IMPORT_TIMEOUT_S). The connection is closed on every path:
 * the end, an error, or the reader stopping early.
 */
async function* postgresPages(source: QuerySource, limits: ImportLimits): AsyncGenerator<QueryPage> {
  const client = new (pgDriver().Client)({
    connectionString: source.target,
    connectionTimeoutMillis: limits.idleMs,
    application_name: 'growthbot-source',
  });
  client.on('error', () => {}); // a connection lost mid-read fails the read itself
  let connected = false;
  let failed = false;
  let cursor: Cursor | undefined;
  try {
    await client.connect();
    connected = true;
    await client.query('BEGIN TRANSACTION READ ONLY');
    await client.query(`SET LOCAL statement_timeout = ${Math.max(1, Math.round(limits.totalMs))}`);
    await client.query(`SET LOCAL idle_in_transaction_session_timeout = ${Math.max(1, Math.round(limits.totalMs))}`);
    await client.query("SET LOCAL TimeZone = 'UTC'");
    const { text, count } = bindSince(source.query, (n, nullTest) => (nullTest ? `$${n}::text` : `$${n}`));
    const PgCursor = createRequire(import.meta.url)('pg-cursor') as typeof Cursor;
    cursor = client.query(new PgCursor(text, Array<string | null>(count).fill(source.since), { rowMode: 'array', types: pgTypes }));
    let first = true;
    let tz: boolean[] = [];
    for (;;) {
      const page = await readPage(cursor, QUERY_PAGE_ROWS);
      if (first) {
        first = false;
        const fields = (cursor as unknown as { _result?: { fields?: { name: string; dataTypeID: number }[] } })._result?.fields ?? [];
        tz = fields.map((f) => f.dataTypeID === TIMESTAMPTZ);
        yield { columns: page.fields.length ? page.fields : fields.map((f) => f.name) };
      }
      if (page.rows.length === 0) break;
      yield {
        rows: page.rows.map((row) =>
          row.map((value, i) => {
            const cell = cellText(value);
            return cell !== null && tz[i] ? isoTimestamptz(cell) : cell;
          }),
        ),
      };
    }
  } catch (error) {
    failed = true;
    throw postgresError(error, source, limits, connected);
  } finally {
    // after a failure the server ends the transaction with the connection; else the cursor and the
    // read-only transaction are closed first (the reader may have stopped early)
    if (!failed) {
      await cursor?.close().catch(() => undefined);
      if (connected) await client.query('ROLLBACK').catch(() => undefined);
    }
    await client.end().catch(() => undefined);
  }
}

/** Reads a SQLite query from a file opened read-only, in pages; stops past IMPORT_TIMEOUT_S. */
async function* sqlitePages(source: QuerySource, limits: ImportLimits): AsyncGenerator<QueryPage> {
  let db: Database.Database;
  try {
    db = new Database(source.target, { readonly: true, fileMustExist: true, timeout: limits.idleMs });
  } catch (error) {
    throw new UserError('source_unreachable', `Cannot open the SQLite database of ${source.label}: ${(error as Error).message}.`, {
      hint: 'Check the path in the sources file (relative paths are taken from the bot’s working directory).',
    });
  }
  const started = performance.now();
  let iterator: IterableIterator<unknown[]> | undefined;
  try {
    db.pragma('query_only = ON');
    const { text, count } = bindSince(source.query, ':since');
    let statement: Database.Statement;
    try {
      statement = db.prepare(text);
    } catch (error) {
      throw new UserError('source_query_failed', `The query of ${source.label} failed: ${(error as Error).message}.`, {
        hint: 'Fix the query in the sources file (try it with sqlite3 first), then sync again.',
      });
    }
    if (!statement.reader)
      throw new UserError('source_query_failed', `The query of ${source.label} returns no rows: it must be a SELECT.`, {
        hint: 'Make the query a SELECT.',
      });
    statement.raw(true);
    yield { columns: statement.columns().map((c) => c.name) };
    iterator = (count > 0 ? statement.iterate({ since: source.since }) : statement.iterate()) as IterableIterator<unknown[]>;
    for (;;) {
      const rows: (string | null)[][] = [];
      while (rows.length < QUERY_PAGE_ROWS) {
        const next = iterator.next();
        if (next.done) break;
        rows.push(next.value.map(cellText));
      }
      if (rows.length === 0) break;
      yield { rows };
      if (performance.now() - started > limits.totalMs)
        throw new UserError(
          'source_too_slow',
          `Reading ${source.label} took longer than ${formatSeconds(limits.totalMs)} (the limit set by IMPORT_TIMEOUT_S). Nothing was imported.`,
          { hint: 'Make the query read less (incremental), or ask an admin to raise IMPORT_TIMEOUT_S.' },
        );
    }
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError('source_query_failed', `The query of ${source.label} failed: ${(error as Error).message}.`, {
      hint: 'Fix the query in the sources file, then sync again.',
    });
  } finally {
    iterator?.return?.();
    db.close();
  }
}

/** A SQL source's column names, then its rows, page by page. */
export function queryPages(source: QuerySource, limits: ImportLimits): AsyncGenerator<QueryPage> {
  return source.engine === 'postgres' ? postgresPages(source, limits) : sqlitePages(source, limits);
}

/** Orders incremental values: numbers (and numeric text, e.g. a bigint) by value, anything else as text (ISO times sort so). */
export function compareCursor(a: string, b: string): number {
  const numeric = /^-?\d+(\.\d+)?$/;
  if (numeric.test(a) && numeric.test(b)) {
    const x = Number(a);
    const y = Number(b);
    if (x !== y && Number.isSafeInteger(Math.trunc(x)) && Number.isSafeInteger(Math.trunc(y))) return x < y ? -1 : 1;
    if (!a.includes('.') && !b.includes('.')) {
      const big = BigInt(a) - BigInt(b);
      return big < 0n ? -1 : big > 0n ? 1 : 0;
    }
    return x < y ? -1 : x > y ? 1 : 0;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}
