import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';
import { isBusyError, shortWaitTransaction } from './short-wait.ts';

/**
 * Leases: a named lock held by one owner (an instance or a job) until it expires. Works the same on
 * SQLite and PostgreSQL: one `INSERT … ON CONFLICT (key) DO UPDATE … WHERE` decides the winner
 * atomically, so two instances racing for the same key get exactly one `true`. An owner that dies
 * stops renewing; once its lease has expired anyone may take it over (and resume the work).
 */

export interface Lease {
  key: string;
  owner: string;
  /** Milliseconds since the epoch. */
  expiresAt: number;
}

type Db = Kysely<Database>;

/**
 * Takes `key` for `owner` for `ttlMs` if nobody holds it, its lease has expired, or `owner` already
 * holds it (which extends it). Returns whether `owner` now holds the lease.
 */
export async function tryAcquire(db: Db, key: string, owner: string, ttlMs: number, now: number = Date.now()): Promise<boolean> {
  const expiresAt = now + ttlMs;
  const rows = await db
    .insertInto('leases')
    .values({ key, owner, expires_at: expiresAt, acquired_at: new Date(now).toISOString() })
    .onConflict((oc) =>
      oc
        .column('key')
        .doUpdateSet((eb) => ({
          owner: eb.ref('excluded.owner'),
          expires_at: eb.ref('excluded.expires_at'),
          acquired_at: eb.ref('excluded.acquired_at'),
        }))
        .where((eb) => eb.or([eb('leases.expires_at', '<=', now), eb('leases.owner', '=', owner)])),
    )
    .returning('owner')
    .execute();
  return rows.length === 1 && rows[0]!.owner === owner;
}

/** Extends a lease `owner` still holds (even if just expired and not yet taken). False when someone else took it. */
export async function renew(db: Db, key: string, owner: string, ttlMs: number, now: number = Date.now()): Promise<boolean> {
  const result = await db
    .updateTable('leases')
    .set({ expires_at: now + ttlMs })
    .where('key', '=', key)
    .where('owner', '=', owner)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Gives the lease up (only if `owner` holds it). */
export async function release(db: Db, key: string, owner: string): Promise<boolean> {
  const result = await db.deleteFrom('leases').where('key', '=', key).where('owner', '=', owner).executeTakeFirst();
  return Number(result.numDeletedRows) === 1;
}

/** The lease on `key` if one is held and unexpired at `now`. */
export async function currentLease(db: Db, key: string, now: number = Date.now()): Promise<Lease | undefined> {
  const row = await db.selectFrom('leases').select(['key', 'owner', 'expires_at']).where('key', '=', key).executeTakeFirst();
  if (!row || Number(row.expires_at) <= now) return undefined;
  return { key: row.key, owner: row.owner, expiresAt: Number(row.expires_at) };
}

export interface WithLeaseOptions {
  /** How often the lease is renewed while `work` runs; a third of the TTL by default. */
  renewEveryMs?: number;
  /** SQLite: how long taking the lease may wait for another connection's write lock, in short tries (default 2 minutes). */
  acquireWithinMs?: number;
}

export type WithLeaseResult<T> = { ran: true; value: T } | { ran: false; holder: string | undefined };

/** Leases held by work running in this process: refused here without asking the store. */
const heldHere = new Map<string, string>();

/** The longest the event loop waits on SQLite's write lock for one lease statement. */
const LEASE_BUSY_WAIT_MS = 20;
const LEASE_RETRY_MS = 250;

/**
 * A lease statement run with a short lock wait. On SQLite another connection (a worker merging an
 * import) can hold the write lock for a minute: the statement is tried again every LEASE_RETRY_MS
 * until `withinMs` passes, so the bot's event loop never stalls on it.
 */
async function leaseStatement<T>(db: Db, withinMs: number, statement: (trx: Db) => Promise<T>): Promise<T> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    try {
      return await shortWaitTransaction(db, LEASE_BUSY_WAIT_MS, statement);
    } catch (error) {
      if (!isBusyError(error) || Date.now() >= deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, LEASE_RETRY_MS));
    }
  }
}

/**
 * Runs `work` only if `owner` gets the lease on `key`; renews it while `work` runs and releases it
 * afterwards (also on error). `signal` in `work` aborts when a renewal finds the lease taken over.
 * A renewal that finds SQLite's write lock held is skipped (the next one tries again); work of this
 * process keeps its lease here meanwhile, even if the row expires.
 */
export async function withLease<T>(
  db: Db,
  key: string,
  owner: string,
  ttlMs: number,
  work: (signal: AbortSignal) => Promise<T>,
  options: WithLeaseOptions = {},
): Promise<WithLeaseResult<T>> {
  const local = heldHere.get(key);
  if (local !== undefined) return { ran: false, holder: local };
  const acquired = await leaseStatement(db, options.acquireWithinMs ?? 120_000, (trx) => tryAcquire(trx, key, owner, ttlMs));
  if (!acquired) return { ran: false, holder: (await currentLease(db, key))?.owner };
  heldHere.set(key, owner);
  const lost = new AbortController();
  const timer = setInterval(
    () => {
      leaseStatement(db, 0, (trx) => renew(trx, key, owner, ttlMs)).then(
        (held) => {
          if (!held) lost.abort(new Error(`lease ${key} was taken over`));
        },
        () => undefined,
      );
    },
    options.renewEveryMs ?? Math.max(10, Math.floor(ttlMs / 3)),
  );
  timer.unref();
  try {
    return { ran: true, value: await work(lost.signal) };
  } finally {
    clearInterval(timer);
    heldHere.delete(key);
    await leaseStatement(db, ttlMs, (trx) => release(trx, key, owner)).catch(() => undefined);
  }
}

/**
 * Gives up every lease work of this process still holds (shutdown, once the grace period is over):
 * another instance, or the next start, may take the work over at once instead of after the TTL.
 */
export async function releaseHeldLeases(db: Db): Promise<string[]> {
  const held = [...heldHere];
  heldHere.clear();
  for (const [key, owner] of held) await release(db, key, owner);
  return held.map(([key]) => key);
}

/** A stable owner id for this process: host, pid and a random suffix. */
export function instanceOwner(prefix = 'instance'): string {
  return `${prefix}:${process.pid}:${Math.random().toString(36).slice(2, 10)}`;
}
