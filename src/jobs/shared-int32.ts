import { isMainThread } from 'node:worker_threads';
import Tinypool from 'tinypool';

const handed: Record<string, unknown> =
  (!isMainThread && (Tinypool.workerData as { shared?: Record<string, unknown> } | undefined)?.shared) || {};

/**
 * Int32 slots shared by the main thread and the worker pool's threads: on the main thread a new
 * buffer, in a pool worker the one the pool handed it under `name` (the pool's workerData.shared), so every
 * thread reads and writes the same slots.
 */
export function sharedInt32(name: string, slots: number): { buffer: SharedArrayBuffer; slots: Int32Array } {
  const given = handed[name];
  const buffer = given instanceof SharedArrayBuffer ? given : new SharedArrayBuffer(slots * Int32Array.BYTES_PER_ELEMENT);
  return { buffer, slots: new Int32Array(buffer) };
}

const sleeper = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));

/** Blocks this thread (worker threads only) while `busy()` holds, at most `maxMs`, looking again every `stepMs`. */
export function blockWhile(busy: () => boolean, maxMs: number, stepMs: number): void {
  const until = performance.now() + maxMs;
  while (busy() && performance.now() < until) Atomics.wait(sleeper, 0, 0, stepMs);
}
