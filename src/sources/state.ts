import type { Kysely, Selectable } from 'kysely';
import type { Database, SourceStateTable } from '../store/schema.ts';

export type SourceState = Selectable<SourceStateTable>;

/** One source's state, or undefined before its first sync. */
export async function getSourceState(db: Kysely<Database>, name: string): Promise<SourceState | undefined> {
  return db.selectFrom('source_state').selectAll().where('name', '=', name).executeTakeFirst();
}

/** Every source's state by name (sources never synced have none). */
export async function allSourceStates(db: Kysely<Database>): Promise<Map<string, SourceState>> {
  const rows = await db.selectFrom('source_state').selectAll().execute();
  return new Map(rows.map((row) => [row.name, row]));
}

/** Creates the row with its defaults, then applies `changes` (one statement on SQLite and PostgreSQL). */
async function upsert(db: Kysely<Database>, name: string, changes: Partial<Omit<SourceState, 'name'>>, at: string): Promise<void> {
  const values = { ...changes, updated_at: at };
  await db
    .insertInto('source_state')
    .values({ name, ...values })
    .onConflict((oc) => oc.column('name').doUpdateSet(values))
    .execute();
}

/** A sync starts: when it was tried last. */
export async function recordSyncAttempt(db: Kysely<Database>, name: string, at: string): Promise<void> {
  await upsert(db, name, { last_attempt_at: at }, at);
}

/**
 * A sync succeeded: the cursor moves on (only here), the freshness and row count are kept, and a
 * failing spell ends (failing_since, last_error and failure_posted_at cleared).
 */
export async function recordSyncSuccess(
  db: Kysely<Database>,
  name: string,
  outcome: { cursor: string | null; dataThrough: string | null; rows: number },
  at: string,
): Promise<void> {
  await upsert(
    db,
    name,
    {
      cursor: outcome.cursor,
      data_through: outcome.dataThrough,
      last_rows: outcome.rows,
      last_success_at: at,
      last_error: null,
      failing_since: null,
      failure_posted_at: null,
    },
    at,
  );
}

/**
 * A sync failed: the cursor and the data stay as they were; the error is kept, and failing_since is
 * set at the first failure of a spell (kept by the later ones). Returns the spell's start.
 */
export async function recordSyncFailure(db: Kysely<Database>, name: string, error: string, at: string): Promise<string> {
  const current = await getSourceState(db, name);
  const since = current?.failing_since ?? at;
  await upsert(db, name, { last_error: error, failing_since: since }, at);
  return since;
}

/** The admin channel was told of the current failing spell (the scheduler's notice). */
export async function recordFailurePosted(db: Kysely<Database>, name: string, at: string): Promise<void> {
  await db.updateTable('source_state').set({ failure_posted_at: at, updated_at: at }).where('name', '=', name).execute();
}
