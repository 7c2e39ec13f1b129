import { isMainThread } from 'node:worker_threads';
import { blockWhile, sharedInt32 } from './shared-int32.ts';

/**
 * Chat requests still waiting for their ack, counted by the adapters on the main thread and read
 * by background work in worker threads, which pauses while there are any. Niceness alone is not
 * enough on 2 cores: while a worker scanned a million rows, the main thread spent 40-60 ms of each
 * 200-request burst runnable but waiting for a CPU (16-21 ms with the pause). A pause is bounded,
 * and after one the work runs for a while before it may pause again, so steady chat traffic slows
 * background work but never stops it. Slots: requests open, and when the last one arrived or was
 * answered (ms, 31 bits).
 */
const { buffer, slots: state } = sharedInt32('foreground', 2);
const OPEN = 0;
const LAST = 1;
const clock = () => Date.now() & 0x7fffffff;
/** Requests of a burst arrive a few at a time: work stays paused until none has come or gone for this long. */
const QUIET_MS = 15;

/** Handed to worker threads (workerData.shared.foreground), so they see this thread's count. */
export function foregroundBuffer(): SharedArrayBuffer {
  return buffer;
}

/** A chat request arrived (+1) or was answered (-1). */
function countForeground(delta: 1 | -1): void {
  Atomics.add(state, OPEN, delta);
  Atomics.store(state, LAST, clock());
}

/**
 * Counts one chat request as open until the returned function is called (once counts; later
 * calls do nothing): from its arrival until its ack has gone out.
 */
export function openForeground(): () => void {
  countForeground(1);
  let open = true;
  return () => {
    if (!open) return;
    open = false;
    countForeground(-1);
  };
}

/** Chat requests open now (not yet acknowledged). */
export function foregroundOpen(): number {
  return Atomics.load(state, OPEN);
}

/** Whether chat requests are open, or were within the last QUIET_MS. */
export function foregroundBusy(): boolean {
  return foregroundOpen() > 0 || ((clock() - Atomics.load(state, LAST)) & 0x7fffffff) < QUIET_MS;
}

/** Longest single pause, and how long work runs after a pause before it may pause again. */
export const FOREGROUND_MAX_PAUSE_MS = 200;
export const FOREGROUND_MIN_RUN_MS = 25;

let runningSince = 0;

/**
 * Called often from long loops in worker threads (two loads of shared integers when all is
 * quiet): blocks while chat requests are open or just were, at most FOREGROUND_MAX_PAUSE_MS.
 * A no-op on the main thread.
 */
export function yieldToForeground(): void {
  if (isMainThread || !foregroundBusy()) return;
  const now = performance.now();
  if (now - runningSince < FOREGROUND_MIN_RUN_MS) return;
  blockWhile(foregroundBusy, FOREGROUND_MAX_PAUSE_MS, 3);
  runningSince = performance.now();
}
