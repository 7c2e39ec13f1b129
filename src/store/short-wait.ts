import { sql, SqliteAdapter, type Kysely, type Transaction } from 'kysely';
import type { Database } from './schema.ts';

export function isSqlite(db: Kysely<Database>): boolean {
  return db.getExecutor().adapter instanceof SqliteAdapter;
}

/** SQLITE_BUSY: another connection (a worker's import or segmentation) holds the write lock. */
export function isBusyError(error: unknown): boolean {
  return /SQLITE_BUSY|database is locked/i.test(`${(error as { code?: string }).code ?? ''} ${(error as Error).message ?? ''}`);
}

/**
 * A write transaction for the bot's event loop. On SQLite the main thread's statements are
 * synchronous, so it waits at most `busyTimeoutMs` for another connection's write lock (then
 * throws SQLITE_BUSY; the caller retries later) instead of the connection's full busy_timeout,
 * and it never runs the WAL auto-checkpoint. Elsewhere, a plain transaction.
 */
export async function shortWaitTransaction<T>(
  db: Kysely<Database>,
  busyTimeoutMs: number,
  work: (trx: Transaction<Database>) => Promise<T>,
): Promise<T> {
  if (!isSqlite(db)) return db.transaction().execute(work);
  // one connection: the pragmas apply to this transaction alone and are restored before anyone else runs a query
  return db.connection().execute(async (conn) => {
    const busy = await sql<{ timeout: number }>`PRAGMA busy_timeout`.execute(conn);
    const checkpoint = await sql<{ wal_autocheckpoint: number }>`PRAGMA wal_autocheckpoint`.execute(conn);
    const previousBusy = Number(busy.rows[0]?.timeout ?? 10_000);
    const previousCheckpoint = Number(checkpoint.rows[0]?.wal_autocheckpoint ?? 1000);
    await sql.raw(`PRAGMA busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`).execute(conn);
    await sql.raw('PRAGMA wal_autocheckpoint = 0').execute(conn);
    try {
      return await conn.transaction().execute(work);
    } finally {
      await sql.raw(`PRAGMA busy_timeout = ${previousBusy}`).execute(conn);
      await sql.raw(`PRAGMA wal_autocheckpoint = ${previousCheckpoint}`).execute(conn);
    }
  });
}
