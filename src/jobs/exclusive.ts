import type { CommandContext } from '../core/context.ts';
import type { UserError } from '../core/errors.ts';
import { instanceOwner, withLease } from '../store/locks.ts';
import { mention } from '../core/mention.ts';
import { endJobRun, startJobRun } from './job-runs.ts';

/** Who holds a job's lease, as far as the lease row tells: the user who started it and when (UTC). */
export interface JobHolder {
  /** `<@U123>` style mention of the starter, or undefined when the owner is not a user. */
  startedBy: string | undefined;
  /** `YYYY-MM-DD HH:MM UTC`. */
  startedAt: string | undefined;
  /** When the lease lapses unless renewed (its holder stopped): `YYYY-MM-DD HH:MM:SS UTC`. */
  expiresAt: string | undefined;
}

const processOwner = instanceOwner('job');

/** What a job under a lease needs of its command's context (a scheduled job builds one itself). */
export type ExclusiveContext = Pick<CommandContext, 'caller' | 'db' | 'command' | 'now' | 'logger'>;

/**
 * Runs a long command's work under the lease `key` (one at a time across every instance), renewed
 * while it runs; when someone else holds it, throws `busy(holder)` instead. The run is recorded in
 * job_runs, so one a restart cuts off is reported by the next start.
 */
export async function runExclusive<T>(
  ctx: ExclusiveContext,
  key: string,
  work: (signal: AbortSignal) => Promise<T>,
  busy: (holder: JobHolder) => UserError,
  ttlMs = 60_000,
): Promise<T> {
  const owner = `${ctx.caller.platform}:${ctx.caller.userId}|${processOwner}:${Math.random().toString(36).slice(2, 8)}`;
  const outcome = await withLease(ctx.db, key, owner, ttlMs, async (signal) => {
    const id = await startJobRun(ctx.db, { leaseKey: key, leaseOwner: owner, command: ctx.command, caller: ctx.caller, now: ctx.now() });
    let status: 'done' | 'failed' = 'failed';
    try {
      const value = await work(signal);
      status = 'done';
      return value;
    } finally {
      await endJobRun(ctx.db, id, status, ctx.now()).catch((error: unknown) =>
        ctx.logger.warn({ err: error }, 'could not record the end of a job'),
      );
    }
  });
  if (outcome.ran) return outcome.value;
  const row = await ctx.db.selectFrom('leases').select(['owner', 'acquired_at', 'expires_at']).where('key', '=', key).executeTakeFirst();
  const user = row?.owner.includes('|') ? row.owner.slice(0, row.owner.indexOf('|')).split(':').slice(1).join(':') : undefined;
  throw busy({
    startedBy: user ? mention(user) : undefined,
    startedAt: row ? `${row.acquired_at.slice(0, 16).replace('T', ' ')} UTC` : undefined,
    expiresAt: row ? `${new Date(Number(row.expires_at)).toISOString().slice(0, 19).replace('T', ' ')} UTC` : undefined,
  });
}

/** "started by <@U1> at 2026-11-25 10:00 UTC" (the parts known). */
export function describeHolder(holder: JobHolder): string {
  const parts = [
    holder.startedBy ? `started by ${holder.startedBy}` : undefined,
    holder.startedAt ? `at ${holder.startedAt}` : undefined,
  ].filter(Boolean);
  return parts.length ? parts.join(' ') : 'started elsewhere';
}
