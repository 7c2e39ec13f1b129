import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.ts';
import type { DigestRun } from './schedules.ts';

export type RunStatus = 'claimed' | 'posted' | 'failed' | 'unchanged' | 'missed';

/** This process, as the holder of digest claims: host, pid and a random tag (a pid can be reused after a restart). */
export const INSTANCE_ID = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;

/** The key of a manual `/digest send`: never equal to a cron fire time. */
export function manualKey(now: Date): string {
  return `manual:${now.toISOString()}`;
}

export function isManualKey(key: string): boolean {
  return key.startsWith('manual:');
}

/** Who claims and for how long. */
export interface Claimant {
  owner: string;
  leaseMs: number;
}

function normalise(row: DigestRun): DigestRun {
  return {
    ...row,
    id: Number(row.id),
    schedule_id: Number(row.schedule_id),
    lease_until: row.lease_until === null ? null : Number(row.lease_until),
    delayed: Number(row.delayed),
  };
}

/**
 * Claims a fire time before anything is posted. The insert either creates the (schedule, fire time) row or
 * hits the unique key, which means another run (a restart, a slow post, another instance) already has it: null.
 * A `claimed` row holds a lease for `claimant` until now + leaseMs; an expired one is taken over with takeOverRun.
 */
export async function claimRun(
  db: Kysely<Database>,
  scheduleId: number,
  fireTime: string,
  now: Date,
  status: RunStatus = 'claimed',
  claimant?: Claimant,
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
      claimed_by: claimant?.owner ?? null,
      lease_until: status === 'claimed' && claimant ? now.getTime() + claimant.leaseMs : null,
    })
    .onConflict((oc) => oc.columns(['schedule_id', 'fire_time']).doNothing())
    .returning('id')
    .executeTakeFirst();
  return row ? Number(row.id) : null;
}

/**
 * Takes over a claim whose lease expired without a post (its holder died, or left it to be retried). One
 * conditional UPDATE: on SQLite the statement is atomic; on PostgreSQL a second concurrent UPDATE waits for
 * the first's row lock and re-checks the WHERE on the new row, whose lease is then in the future. So of any
 * number of instances racing, exactly one gets true.
 */
export async function takeOverRun(db: Kysely<Database>, runId: number, claimant: Claimant, now: Date): Promise<boolean> {
  const nowMs = now.getTime();
  const result = await db
    .updateTable('digest_runs')
    .set({ claimed_by: claimant.owner, lease_until: nowMs + claimant.leaseMs })
    .where('id', '=', runId)
    .where('status', '=', 'claimed')
    .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', nowMs)]))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Extends a claim `owner` still holds; false when it was taken over (or finished) meanwhile. */
export async function renewRun(db: Kysely<Database>, runId: number, claimant: Claimant, now: Date): Promise<boolean> {
  const result = await db
    .updateTable('digest_runs')
    .set({ lease_until: now.getTime() + claimant.leaseMs })
    .where('id', '=', runId)
    .where('status', '=', 'claimed')
    .where('claimed_by', '=', claimant.owner)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * Leaves a claim to be retried (a transient delivery failure): still `claimed`, held by nobody, its lease
 * ending at `retryAt`, with the attempts so far and the last error.
 */
export async function releaseRun(
  db: Kysely<Database>,
  runId: number,
  owner: string,
  result: { attempts: number; detail: string; hash: string | null },
  retryAt: Date,
): Promise<void> {
  await db
    .updateTable('digest_runs')
    .set({ claimed_by: null, lease_until: retryAt.getTime(), attempts: result.attempts, detail: result.detail, content_hash: result.hash })
    .where('id', '=', runId)
    .where('status', '=', 'claimed')
    .where('claimed_by', '=', owner)
    .execute();
}

export async function finishRun(
  db: Kysely<Database>,
  runId: number,
  result: {
    status: Exclude<RunStatus, 'claimed'>;
    attempts: number;
    hash?: string | null;
    detail?: string | null;
    delayed?: boolean;
  },
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
      posted_at: result.status === 'posted' ? now.toISOString() : null,
      delayed: result.delayed ? 1 : 0,
      lease_until: null,
    })
    .where('id', '=', runId)
    .execute();
}

export async function findRun(db: Kysely<Database>, runId: number): Promise<DigestRun | undefined> {
  const row = await db.selectFrom('digest_runs').selectAll().where('id', '=', runId).executeTakeFirst();
  return row && normalise(row);
}

/** Claims nobody holds any more: `claimed`, lease expired (or none), oldest first. */
export async function abandonedRuns(db: Kysely<Database>, now: Date): Promise<DigestRun[]> {
  const nowMs = now.getTime();
  const rows = await db
    .selectFrom('digest_runs')
    .selectAll()
    .where('status', '=', 'claimed')
    .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', nowMs)]))
    .orderBy('fire_time')
    .orderBy('id')
    .execute();
  return rows.map(normalise);
}

/** When the next claim held now expires (ms since the epoch), if any. */
export async function nextLeaseExpiry(db: Kysely<Database>, now: Date): Promise<number | null> {
  const row = await db
    .selectFrom('digest_runs')
    .select((eb) => eb.fn.min('lease_until').as('next'))
    .where('status', '=', 'claimed')
    .where('lease_until', '>', now.getTime())
    .executeTakeFirst();
  return row?.next === null || row?.next === undefined ? null : Number(row.next);
}

/** The last `limit` runs, newest fire time first; of one schedule, or of all. */
export async function recentRuns(db: Kysely<Database>, scheduleId: number | undefined, limit: number): Promise<DigestRun[]> {
  let query = db.selectFrom('digest_runs').selectAll();
  if (scheduleId !== undefined) query = query.where('schedule_id', '=', scheduleId);
  const rows = await query.orderBy('claimed_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
  return rows.map(normalise);
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
  return row && normalise(row);
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
