import { Worker } from 'node:worker_threads';
import type { ProgressUpdate } from '../core/context.ts';
import { UserError } from '../core/errors.ts';
import { writePriorityBuffer } from '../store/write-priority.ts';
import { foregroundBuffer } from './foreground.ts';
import { mentionKeyBuffer } from '../core/mention.ts';

const ENTRY = new URL('./worker-entry.mjs', import.meta.url);

export interface WorkerPoolOptions {
  /** Idle workers kept (module graph loaded) for the next task; more are stopped when their task ends. */
  maxIdle: number;
  /**
   * Scheduling niceness of the worker threads (0 to 19, Linux): heavy jobs then give the CPU to the
   * bot's event loop (chat acks) whenever both want it. 0 leaves them as the main thread.
   */
  niceness: number;
  /**
   * A worker whose heap (with its buffers) is larger than this after a task is stopped rather than
   * kept: a big task's garbage would otherwise stay with the idle worker.
   */
  retireAboveBytes: number;
}

interface Slot {
  worker: Worker;
  /** Settles once the worker has loaded its loader and preloaded modules. */
  ready: Promise<void>;
}

type Message =
  | { type: 'ready' }
  | { type: 'progress'; update: ProgressUpdate }
  | { type: 'result'; result: unknown; heapBytes?: number }
  | { type: 'error'; error: Record<string, unknown> };

/**
 * Worker threads for heavy tasks (imports, segmentation, CLV fits, digests). A worker runs one task
 * at a time and stays for the next: its TypeScript loader and the task's module graph load once,
 * not per command. `warm()` starts a worker ahead of the first task with every registered task
 * module loaded. Idle workers never keep the process alive.
 */
export class WorkerPool {
  readonly #options: WorkerPoolOptions;
  readonly #idle: Slot[] = [];
  readonly #busy = new Set<Slot>();
  readonly #tasks = new Set<string>();
  /** Set by warm(): a retired worker is then replaced by a warmed one at once. */
  #warmed = false;

  constructor(options: Partial<WorkerPoolOptions> = {}) {
    this.#options = { maxIdle: 1, niceness: 10, retireAboveBytes: 128 * 2 ** 20, ...options };
  }

  configure(options: Partial<WorkerPoolOptions>): void {
    Object.assign(this.#options, options);
  }

  /** Names a task module that `warm()` preloads; returns it. */
  register(taskModule: URL): URL {
    this.#tasks.add(taskModule.href);
    return taskModule;
  }

  /** Starts idle workers (up to maxIdle) with every registered task module loaded; settles when they are ready. */
  async warm(): Promise<void> {
    this.#warmed = true;
    while (this.#idle.length < this.#options.maxIdle) this.#park(this.#spawn([...this.#tasks]));
    await Promise.all(this.#idle.map((slot) => slot.ready));
  }

  /** Runs the task module's default export in a worker; a UserError thrown there arrives here as a UserError. */
  run<I, O>(taskModule: URL, input: I, onProgress?: (update: ProgressUpdate) => void, signal?: AbortSignal): Promise<O> {
    if (signal?.aborted) return Promise.reject(cancelled());
    const slot = this.#idle.pop() ?? this.#spawn([]);
    this.#busy.add(slot);
    const { worker } = slot;
    worker.ref();
    return new Promise<O>((resolve, reject) => {
      let settled = false;
      const finish = (action: () => void, reusable: boolean) => {
        if (settled) return;
        settled = true;
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
        signal?.removeEventListener('abort', onAbort);
        this.#busy.delete(slot);
        if (reusable && this.#idle.length < this.#options.maxIdle) this.#park(slot);
        else {
          void worker.terminate();
          if (this.#warmed && this.#idle.length < this.#options.maxIdle) this.#park(this.#spawn([...this.#tasks]));
        }
        action();
      };
      const onMessage = (message: Message) => {
        if (message.type === 'progress') onProgress?.(message.update);
        else if (message.type === 'result')
          finish(() => resolve(message.result as O), (message.heapBytes ?? 0) <= this.#options.retireAboveBytes);
        else if (message.type === 'error') finish(() => reject(reviveError(message.error)), true);
      };
      const onError = (error: Error) => finish(() => reject(error), false);
      const onExit = (code: number) => finish(() => reject(new Error(`worker stopped with exit code ${code} before answering`)), false);
      const onAbort = () => finish(() => reject(cancelled()), false);
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
      signal?.addEventListener('abort', onAbort, { once: true });
      worker.postMessage({ type: 'task', module: taskModule.href, input });
    });
  }

  /** Stops every worker, busy ones included (their tasks fail). */
  async close(): Promise<void> {
    this.#warmed = false;
    const slots = [...this.#idle, ...this.#busy];
    this.#idle.length = 0;
    await Promise.all(slots.map((slot) => slot.worker.terminate()));
  }

  #spawn(preload: string[]): Slot {
    const worker = new Worker(ENTRY, {
      workerData: {
        preload,
        niceness: this.#options.niceness,
        shared: { writePriority: writePriorityBuffer(), foreground: foregroundBuffer(), mentionKey: mentionKeyBuffer() },
      },
    });
    let loaded!: () => void;
    const slot: Slot = { worker, ready: new Promise<void>((resolve) => (loaded = resolve)) };
    const onMessage = (message: Message) => {
      if (message.type !== 'ready') return;
      worker.off('message', onMessage);
      loaded();
    };
    worker.on('message', onMessage);
    // a worker that exits (crashed, terminated) is ready for nothing, and an idle one leaves the pool
    worker.once('exit', () => {
      loaded();
      const at = this.#idle.indexOf(slot);
      if (at >= 0) this.#idle.splice(at, 1);
    });
    return slot;
  }

  /** Keeps an idle worker for the next task; once loaded, it does not hold the process open meanwhile. */
  #park(slot: Slot): void {
    this.#idle.push(slot);
    void slot.ready.then(() => {
      if (this.#idle.includes(slot)) slot.worker.unref();
    });
  }
}

/** The process's pool: commands and services hand their heavy work to it. */
export const workerPool = new WorkerPool();

function cancelled(): UserError {
  return new UserError('cancelled', 'The work was cancelled.');
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
