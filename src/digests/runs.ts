import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.ts';
import type { DigestRun } from './schedules.ts';

export type RunStatus = 'claimed' | 'posted' | 'failed' | 'unchanged' | 'missed';

/** The key of a manual `/digest send`: never equal to a cron fire time. */
export function manualKey(now: Date): string {
  return `manual:${now.toISOString()}`;
}

/**
 * Claims a fire time before anything is posted. The insert either creates the (schedule, fire time) row or
 * hits the unique key, which means another run (a restart, a slow post, another instance) already has it: null.
 */
export async function claimRun(
  db: Kysely<Database>,
  scheduleId: number,
  fireTime: string,
  now: Date,
  status: RunStatus = 'claimed',
): Promise<number | null> {
  const row = await db
    .insertInto('digest_runs')
    .values({
      schedule_id: scheduleId,
      fire_time: fireTime,
      status,
      attempts: 0,
      claimed_at: now.toISOString(),
      finished_at: status === 'claimed' ? null : now.toISOString(),
    })
    .onConflict((oc) => oc.columns(['schedule_id', 'fire_time']).doNothing())
    .returning('id')
    .executeTakeFirst();
  return row ? Number(row.id) : null;
}

export async function finishRun(
  db: Kysely<Database>,
  runId: number,
  result: { status: Exclude<RunStatus, 'claimed'>; attempts: number; hash?: string | null; detail?: string | null },
  now: Date,
): Promise<void> {
  await db
    .updateTable('digest_runs')
    .set({
      status: result.status,
      attempts: result.attempts,
      content_hash: result.hash ?? null,
      detail: result.detail ?? null,
      finished_at: now.toISOString(),
    })
    .where('id', '=', runId)
    .execute();
}

export async function lastRun(db: Kysely<Database>, scheduleId: number): Promise<DigestRun | undefined> {
  const row = await db
    .selectFrom('digest_runs')
    .selectAll()
    .where('schedule_id', '=', scheduleId)
    .orderBy('claimed_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row && { ...row, id: Number(row.id), schedule_id: Number(row.schedule_id) };
}

/** The hash of the last digest that reached the channel (posted, or skipped as unchanged from a posted one). */
export async function lastDeliveredHash(db: Kysely<Database>, scheduleId: number): Promise<string | null> {
  const row = await db
    .selectFrom('digest_runs')
    .select('content_hash')
    .where('schedule_id', '=', scheduleId)
    .where('status', 'in', ['posted', 'unchanged'])
    .orderBy('claimed_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row?.content_hash ?? null;
}

/** The latest cron fire time this schedule has a row for (manual sends aside). */
export async function lastFireTime(db: Kysely<Database>, scheduleId: number): Promise<string | null> {
  const row = await db
    .selectFrom('digest_runs')
    .select((eb) => eb.fn.max('fire_time').as('fire_time'))
    .where('schedule_id', '=', scheduleId)
    .where('fire_time', 'not like', 'manual:%')
    .executeTakeFirst();
  return (row?.fire_time as string | null | undefined) ?? null;
}
