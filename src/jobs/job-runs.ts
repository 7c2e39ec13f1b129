import { mention } from '../core/mention.ts';
import type { Kysely } from 'kysely';
import type { Caller } from '../core/context.ts';
import type { Database } from '../store/schema.ts';

type Db = Kysely<Database>;

export interface JobRun {
  id: number;
  command: string;
  platform: string;
  userId: string;
  channelId: string | null;
  startedAt: string;
}

/** Records a long job as running under the lease `leaseKey` held by `leaseOwner`; returns its id. */
export async function startJobRun(
  db: Db,
  job: { leaseKey: string; leaseOwner: string; command: string; caller: Caller; now: Date },
): Promise<number> {
  const row = await db
    .insertInto('job_runs')
    .values({
      lease_key: job.leaseKey,
      lease_owner: job.leaseOwner,
      command: job.command,
      platform: job.caller.platform,
      user_id: job.caller.userId,
      channel_id: job.caller.channelId ?? null,
      status: 'running',
      started_at: job.now.toISOString(),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

/** Set at shutdown once the grace period is over: work failing from then on was cut off, and stays 'running' for the next start to report. */
let cutOff = false;

export function cutOffJobs(): void {
  cutOff = true;
}

export async function endJobRun(db: Db, id: number, status: 'done' | 'failed', now: Date): Promise<void> {
  if (cutOff && status === 'failed') return;
  await db
    .updateTable('job_runs')
    .set({ status, ended_at: now.toISOString() })
    .where('id', '=', id)
    .where('status', '=', 'running')
    .execute();
}

/**
 * Jobs a restart (or a crash) cut off: still 'running', but their owner no longer holds the lease
 * (released at shutdown, expired, or taken by a later job). Each is marked 'interrupted' by exactly
 * one caller, even with several instances starting at once, and returned to it to report.
 */
export async function claimInterruptedJobs(db: Db, now: Date): Promise<JobRun[]> {
  const rows = await db
    .selectFrom('job_runs')
    .leftJoin('leases', (join) => join.onRef('leases.key', '=', 'job_runs.lease_key').onRef('leases.owner', '=', 'job_runs.lease_owner'))
    .select(['job_runs.id', 'command', 'platform', 'user_id', 'channel_id', 'started_at', 'leases.expires_at'])
    .where('job_runs.status', '=', 'running')
    .execute();
  const claimed: JobRun[] = [];
  for (const row of rows) {
    if (row.expires_at !== null && Number(row.expires_at) > now.getTime()) continue;
    const result = await db
      .updateTable('job_runs')
      .set({ status: 'interrupted', ended_at: now.toISOString() })
      .where('id', '=', row.id)
      .where('status', '=', 'running')
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) continue;
    claimed.push({
      id: Number(row.id),
      command: row.command,
      platform: row.platform,
      userId: row.user_id,
      channelId: row.channel_id,
      startedAt: row.started_at,
    });
  }
  return claimed;
}

/** "Your /import orders (started 2026-12-04 16:50 UTC) was interrupted by a restart, run it again." */
export function interruptedNotice(job: JobRun): string {
  const who = job.platform === 'slack' || job.platform === 'discord' ? `${mention(job.userId)} ` : '';
  return `${who}Your /${job.command} (started ${job.startedAt.slice(0, 16).replace('T', ' ')} UTC) was interrupted by a restart, run it again.`;
}
