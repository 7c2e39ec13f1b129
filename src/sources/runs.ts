import type { Kysely, Selectable } from 'kysely';
import type { Database, SourceRunsTable } from '../store/schema.ts';

export type SourceRun = Selectable<SourceRunsTable>;
export type SourceTrigger = 'command' | 'schedule' | 'digest';
export type SourceRunStatus = 'running' | 'done' | 'failed';

/**
 * The key a sync is claimed under in source_runs: a scheduled sync's canonical fire time (ISO), so every
 * instance woken for it claims the same row; `manual:<now>` for /source sync; `digest:<schedule>:<fire time>`
 * for a digest's refresh (the digest's own claim already makes that run once).
 */
export function runKey(trigger: SourceTrigger, at: Date | string, digestId?: number): string {
  const iso = typeof at === 'string' ? at : at.toISOString();
  if (trigger === 'schedule') return iso;
  if (trigger === 'digest') return `digest:${digestId ?? 0}:${iso}`;
  return `manual:${iso}`;
}

/** Whether a key is a cron fire time (the others start with manual: or digest:). */
export function isScheduledKey(key: string): boolean {
  return !key.startsWith('manual:') && !key.startsWith('digest:');
}

function normalise(row: SourceRun): SourceRun {
  return { ...row, id: Number(row.id), rows: row.rows === null ? null : Number(row.rows) };
}

/**
 * Claims (source, key) before anything is read: the insert creates the row, or hits the unique key when
 * another instance (or this one, woken twice) already has it: null.
 */
export async function claimSourceRun(
  db: Kysely<Database>,
  claim: { source: string; key: string; trigger: SourceTrigger; owner: string },
  now: Date,
): Promise<number | null> {
  const row = await db
    .insertInto('source_runs')
    .values({
      source: claim.source,
      fire_time: claim.key,
      trigger: claim.trigger,
      status: 'running',
      claimed_by: claim.owner,
      started_at: now.toISOString(),
    })
    .onConflict((oc) => oc.columns(['source', 'fire_time']).doNothing())
    .returning('id')
    .executeTakeFirst();
  return row ? Number(row.id) : null;
}

/**
 * Takes over a `running` claim whose holder stopped (its lease, counted from started_at, ran out). One
 * conditional UPDATE on the start time it was seen with: of instances racing, exactly one gets true.
 */
export async function takeOverSourceRun(db: Kysely<Database>, run: SourceRun, owner: string, now: Date): Promise<boolean> {
  const result = await db
    .updateTable('source_runs')
    .set({
      claimed_by: owner,
      started_at: now.toISOString(),
      detail: `taken over from ${run.claimed_by ?? 'an instance'} that stopped during the sync started ${run.started_at}`,
    })
    .where('id', '=', run.id)
    .where('status', '=', 'running')
    .where('started_at', '=', run.started_at)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function finishSourceRun(
  db: Kysely<Database>,
  runId: number,
  result: { status: Exclude<SourceRunStatus, 'running'>; rows?: number | null; detail?: string | null },
  now: Date,
  onlyIfStartedAt?: string,
): Promise<boolean> {
  let query = db
    .updateTable('source_runs')
    .set({ status: result.status, rows: result.rows ?? null, detail: result.detail ?? null, finished_at: now.toISOString() })
    .where('id', '=', runId)
    .where('status', '=', 'running');
  if (onlyIfStartedAt !== undefined) query = query.where('started_at', '=', onlyIfStartedAt);
  return Number((await query.executeTakeFirst()).numUpdatedRows) === 1;
}

/** `running` claims started before `startedBefore` (ISO): their holder stopped or hangs past the lease. */
export async function expiredSourceRuns(db: Kysely<Database>, startedBefore: string): Promise<SourceRun[]> {
  const rows = await db
    .selectFrom('source_runs')
    .selectAll()
    .where('status', '=', 'running')
    .where('started_at', '<', startedBefore)
    .orderBy('started_at')
    .orderBy('id')
    .execute();
  return rows.map(normalise);
}

/** The newest runs of a source (or of all), newest first. */
export async function recentSourceRuns(db: Kysely<Database>, source: string | undefined, limit: number): Promise<SourceRun[]> {
  let query = db.selectFrom('source_runs').selectAll();
  if (source !== undefined) query = query.where('source', '=', source);
  const rows = await query.orderBy('started_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
  return rows.map(normalise);
}

/** The latest cron fire time a source has a row for (manual and digest syncs aside). */
export async function lastSourceFireTime(db: Kysely<Database>, source: string): Promise<string | null> {
  const row = await db
    .selectFrom('source_runs')
    .select((eb) => eb.fn.max('fire_time').as('fire_time'))
    .where('source', '=', source)
    .where('fire_time', 'not like', 'manual:%')
    .where('fire_time', 'not like', 'digest:%')
    .executeTakeFirst();
  return (row?.fire_time as string | null | undefined) ?? null;
}
