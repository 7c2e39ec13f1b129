import SQLite from 'better-sqlite3';
import { sql, type Kysely } from 'kysely';
import type { Logger } from '../logger.ts';
import type { Database } from './schema.ts';
import { isSqlite } from './short-wait.ts';

/** A store file up to this size is converted to incremental vacuum at start (a VACUUM, a few seconds). */
const CONVERT_AT_START_BYTES = 256 * 1024 ** 2;

async function pragmaNumber(db: Kysely<Database>, name: string): Promise<number> {
  const { rows } = await sql<Record<string, number>>`${sql.raw(`PRAGMA ${name}`)}`.execute(db);
  return Number(Object.values(rows[0] ?? {})[0] ?? 0);
}

/** Free pages as a share of the SQLite file (0 on PostgreSQL, whose autovacuum reuses dead rows). */
export async function freePageShare(db: Kysely<Database>): Promise<number> {
  if (!isSqlite(db)) return 0;
  const pages = await pragmaNumber(db, 'page_count');
  return pages ? (await pragmaNumber(db, 'freelist_count')) / pages : 0;
}

/**
 * Gives the pages an import's staging rows used back to the file system: without it the SQLite file
 * keeps them as free pages (31% of a file after a 5M-row import). On a connection of its own, as
 * `exec`: the pragma frees one page per step, and a prepared statement's run() steps once.
 */
export function reclaimFreePages(sqliteFile: string | undefined): void {
  if (!sqliteFile || sqliteFile === ':memory:') return;
  const sqlite = new SQLite(sqliteFile);
  try {
    sqlite.pragma('busy_timeout = 10000');
    sqlite.exec('PRAGMA incremental_vacuum');
  } finally {
    sqlite.close();
  }
}

/**
 * New SQLite files are made with auto_vacuum=INCREMENTAL (createDatabase). A file made before that is
 * converted here once with a VACUUM when it is small; a big one is left as it is, with a warning
 * saying how to convert it (a VACUUM of a big file holds the store for minutes).
 */
export async function ensureIncrementalVacuum(db: Kysely<Database>, file: string, logger: Logger): Promise<void> {
  if (!isSqlite(db) || file === ':memory:' || (await pragmaNumber(db, 'auto_vacuum')) === 2) return;
  const bytes = (await pragmaNumber(db, 'page_count')) * (await pragmaNumber(db, 'page_size'));
  if (bytes > CONVERT_AT_START_BYTES) {
    logger.warn(
      { file, megabytes: Math.round(bytes / 1024 ** 2) },
      'the database file keeps the space of deleted rows; to give it back after imports, stop the bot and run: sqlite3 <file> "PRAGMA auto_vacuum=INCREMENTAL; VACUUM;"',
    );
    return;
  }
  await sql`PRAGMA auto_vacuum = INCREMENTAL`.execute(db);
  await sql`VACUUM`.execute(db);
  logger.info({ file }, 'database file set to give deleted rows back to the disk (auto_vacuum=INCREMENTAL)');
}
