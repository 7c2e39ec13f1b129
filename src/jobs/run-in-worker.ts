import { Worker } from 'node:worker_threads';
import type { ProgressUpdate } from '../core/context.ts';
import { UserError } from '../core/errors.ts';

/** A worker task module default-exports `(input, progress) => Promise<output>`. */
export type WorkerTask<I, O> = (input: I, progress: (update: ProgressUpdate) => void) => Promise<O>;

const ENTRY = new URL('./worker-entry.mjs', import.meta.url);

/**
 * Runs a task module in a worker thread so heavy work never blocks the event loop (chat acks,
 * other commands). A UserError thrown in the worker arrives here as a UserError.
 */
export function runInWorker<I, O>(taskModule: URL, input: I, onProgress?: (update: ProgressUpdate) => void, signal?: AbortSignal): Promise<O> {
  return new Promise<O>((resolve, reject) => {
    const worker = new Worker(ENTRY, { workerData: { module: taskModule.href, input } });
    let settled = false;
    const finish = (action: () => void) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', abort);
      action();
    };
    const abort = () => {
      void worker.terminate();
      finish(() => reject(new UserError('cancelled', 'The work was cancelled.')));
    };
    signal?.addEventListener('abort', abort, { once: true });
    worker.on('message', (message: { type: string; update?: ProgressUpdate; result?: O; error?: Record<string, unknown> }) => {
      if (message.type === 'progress' && message.update) onProgress?.(message.update);
      else if (message.type === 'result') finish(() => resolve(message.result as O));
      else if (message.type === 'error') finish(() => reject(reviveError(message.error!)));
    });
    worker.on('error', (error) => finish(() => reject(error)));
    worker.on('exit', (code) => finish(() => reject(new Error(`worker stopped with exit code ${code} before answering`))));
  });
}

function reviveError(error: Record<string, unknown>): Error {
  if (error.name === 'UserError' || error.name === 'SegmentationInputError') {
    return new UserError(String(error.code ?? 'invalid_input'), String(error.message), {
      hint: error.hint as string | undefined,
      context: error.context as Record<string, unknown> | undefined,
    });
  }
  const revived = new Error(String(error.message));
  revived.name = String(error.name ?? 'Error');
  revived.stack = String(error.stack ?? revived.stack);
  return revived;
}
