import type { ProgressUpdate } from '../core/context.ts';
import { workerPool } from './worker-pool.ts';

/** A worker task module default-exports `(input, progress) => Promise<output>`. */
export type WorkerTask<I, O> = (input: I, progress: (update: ProgressUpdate) => void) => Promise<O>;

/** Names a worker task module (so a warmed pool has it loaded before the first command); returns its URL. */
export function workerTask(taskModule: URL): URL {
  return workerPool.register(taskModule);
}

/**
 * Runs a task module in a worker thread of the process's pool, so heavy work never blocks the event
 * loop (chat acks, other commands). A UserError thrown in the worker arrives here as a UserError.
 */
export function runInWorker<I, O>(
  taskModule: URL,
  input: I,
  onProgress?: (update: ProgressUpdate) => void,
  signal?: AbortSignal,
): Promise<O> {
  return workerPool.run<I, O>(taskModule, input, onProgress, signal);
}
