import { blockWhile, sharedInt32 } from '../jobs/shared-int32.ts';

/**
 * SQLite has one writer at a time. Bulk writes in worker threads (segment memberships) commit in
 * chunks; the bot's own small writes (audit entries, request receipts) are made on the main thread,
 * where waiting for the lock would stall every chat ack. Two flags shared by every thread of the
 * process let the small writes go first: the main thread says it has writes waiting, a bulk
 * writer says it holds the lock, and between chunks a bulk writer pauses while writes are waiting.
 */
const WAITING = 0;
const BULK = 1;

const { buffer, slots: flags } = sharedInt32('writePriority', 2);

/** Handed to worker threads (workerData.shared.writePriority), so they share this thread's flags. */
export function writePriorityBuffer(): SharedArrayBuffer {
  return buffer;
}

/** The main thread has writes waiting (true) or none any more (false); calls must alternate. */
export function setWritesWaiting(waiting: boolean): void {
  Atomics.add(flags, WAITING, waiting ? 1 : -1);
}

/** Whether the main thread has said it has writes waiting. */
export function writesWaiting(): boolean {
  return Atomics.load(flags, WAITING) > 0;
}

/** A chunk flagged longer ago than this is not believed (its thread was stopped mid-chunk, say). */
const STALE_MS = 2000;
const TICK_MS = 10;
/** Time in 10 ms ticks, in 31 bits (wraps after months; ages are taken modulo). */
const tick = () => Math.floor(Date.now() / TICK_MS) & 0x7fffffff;

/** Whether a bulk writer is inside a write transaction now (a write attempt would wait for the lock). */
export function bulkWriteInProgress(): boolean {
  const started = Atomics.load(flags, BULK);
  return started !== 0 && ((tick() - started) & 0x7fffffff) * TICK_MS < STALE_MS;
}

/** Runs one chunk of a bulk write, flagged (with its start) as holding the write lock. */
export function bulkWriteChunk<T>(chunk: () => T): T {
  Atomics.store(flags, BULK, tick() || 1);
  try {
    return chunk();
  } finally {
    Atomics.store(flags, BULK, 0);
  }
}

/** Between two chunks of a bulk write (worker threads only: it blocks): waits while writes are waiting, at most `maxMs`. */
export function yieldToWaitingWrites(maxMs = 250): void {
  blockWhile(writesWaiting, maxMs, 2);
}
