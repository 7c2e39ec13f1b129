import type { Kysely } from 'kysely';
import type { Logger } from '../logger.ts';
import { currentLease, instanceOwner, withLease } from '../store/locks.ts';
import type { Database } from '../store/schema.ts';
import { IMPORT_KINDS, type ImportKind } from './fields.ts';
import { clearLeftoverStaging } from './staging.ts';

/** The lease every import of a kind holds while it runs (commands/import.ts). */
export function importLeaseKey(kind: ImportKind): string {
  return `import:${kind}`;
}

export interface SweepResult {
  /** Staging rows removed, by kind. */
  removed: Partial<Record<ImportKind, number>>;
  /** The earliest expiry (ms since the epoch) of an import lease still held, when one is. */
  heldUntil: number | undefined;
}

const owner = instanceOwner('staging-sweep');

/**
 * Removes the staging rows (customer PII among them) of imports that died: for each kind whose
 * import lease nobody holds, or whose holder let it expire, the lease is taken for a moment and
 * the kind's staging emptied. A kind whose lease is live is left to its import.
 */
export async function sweepDeadImports(db: Kysely<Database>): Promise<SweepResult> {
  const result: SweepResult = { removed: {}, heldUntil: undefined };
  for (const kind of IMPORT_KINDS) {
    const key = importLeaseKey(kind);
    const outcome = await withLease(db, key, owner, 60_000, () => clearLeftoverStaging(db, kind), { acquireWithinMs: 5_000 });
    if (outcome.ran) {
      if (outcome.value) result.removed[kind] = outcome.value;
      continue;
    }
    const lease = await currentLease(db, key);
    const until = lease?.expiresAt ?? Date.now();
    result.heldUntil = Math.min(result.heldUntil ?? until, until);
  }
  return result;
}

export interface StagingSweeper {
  /** The sweep at start has finished. */
  ready: Promise<void>;
  /** Cancels the next sweep and waits for one under way. */
  stop(): Promise<void>;
}

/**
 * Sweeps at start, then again just after the earliest lease it found held expires, until none is:
 * a bot restarted right after a crash removes what the crashed import staged as soon as its lease lapses.
 */
export function startStagingSweeper(db: Kysely<Database>, logger: Logger): StagingSweeper {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  const guarded = () => {
    running = sweep().catch((error: unknown) => logger.warn({ err: error }, 'staging sweep failed'));
    return running;
  };
  const sweep = async (): Promise<void> => {
    const { removed, heldUntil } = await sweepDeadImports(db);
    for (const [kind, rows] of Object.entries(removed)) logger.info({ kind, rows }, 'removed the staging rows of an import that stopped');
    if (heldUntil === undefined || stopped) return;
    timer = setTimeout(() => void guarded(), Math.max(1_000, heldUntil - Date.now() + 500));
    timer.unref();
  };
  return {
    ready: guarded(),
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
