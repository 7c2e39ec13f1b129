import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { ProgressUpdate } from '../core/context.ts';
import { UserError } from '../core/errors.ts';
import { writePriorityBuffer } from '../store/write-priority.ts';
import { foregroundBuffer } from './foreground.ts';
import { mentionKeyBuffer } from '../core/mention.ts';

const ENTRY = new URL('./worker-entry.mjs', import.meta.url);

export interface WorkerPoolOptions {
  /** Worker threads at most (WORKERS): a task past them waits in the queue. */
  maxWorkers: number;
  /** Tasks that may wait for a worker (JOB_QUEUE); one more is refused as busy. */
  maxQueue: number;
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

/** Worker threads by default: the cores but one, at least one (WORKERS). */
export function defaultWorkers(): number {
  return Math.max(1, availableParallelism() - 1);
}

/** The refusal past the queue: said before any work of the command starts. */
export function busyError(ahead: number): UserError {
  return new UserError('busy', `The bot is busy: ${ahead} ${ahead === 1 ? 'job' : 'jobs'} ahead, try again in a minute.`, {
    hint: 'Heavy commands (imports, segmentations, CLV, digests) share a few worker threads; yours was not started.',
    context: { ahead },
  });
}

/**
 * Worker threads for heavy tasks (imports, segmentation, CLV fits, digests): at most `maxWorkers`
 * at once, then up to `maxQueue` tasks wait in order, and past that a task is refused (busy). A
 * worker runs one task at a time and stays for the next: its TypeScript loader and the task's
 * module graph load once, not per command. `warm()` starts a worker ahead of the first task with
 * every registered task module loaded. Idle workers never keep the process alive.
 */
export class WorkerPool {
  readonly #options: WorkerPoolOptions;
  readonly #idle: Slot[] = [];
  readonly #busy = new Set<Slot>();
  readonly #tasks = new Set<string>();
  /** Tasks waiting for a worker, oldest first. */
  readonly #waiting: { start: () => void }[] = [];
  #peakBusy = 0;
  /** Workers promised to dequeued tasks that have not started yet. */
  #reserved = 0;
  /** Set by warm(): a retired worker is then replaced by a warmed one at once. */
  #warmed = false;

  constructor(options: Partial<WorkerPoolOptions> = {}) {
    this.#options = { maxWorkers: defaultWorkers(), maxQueue: 20, maxIdle: 1, niceness: 10, retireAboveBytes: 128 * 2 ** 20, ...options };
  }

  /** Tasks running and waiting now, and the most that ran at once since `resetPeak()`. */
  stats(): { running: number; waiting: number; peakRunning: number } {
    return { running: this.#busy.size, waiting: this.#waiting.length, peakRunning: this.#peakBusy };
  }

  resetPeak(): void {
    this.#peakBusy = this.#busy.size;
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
  async run<I, O>(taskModule: URL, input: I, onProgress?: (update: ProgressUpdate) => void, signal?: AbortSignal): Promise<O> {
    if (signal?.aborted) throw cancelled();
    if (this.#busy.size + this.#reserved >= this.#options.maxWorkers || this.#waiting.length) {
      await this.#queue(signal);
      this.#reserved--;
    }
    if (signal?.aborted) {
      this.#next();
      throw cancelled();
    }
    return this.#start<I, O>(taskModule, input, onProgress, signal);
  }

  /** Waits for a free worker, in order; refused at once when the queue is full. */
  #queue(signal?: AbortSignal): Promise<void> {
    if (this.#waiting.length >= this.#options.maxQueue) return Promise.reject(busyError(this.#busy.size + this.#waiting.length));
    return new Promise<void>((resolve, reject) => {
      const entry = {
        start: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        const at = this.#waiting.indexOf(entry);
        if (at >= 0) this.#waiting.splice(at, 1);
        reject(cancelled());
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiting.push(entry);
      this.#next();
    });
  }

  /** A worker came free: the oldest waiting task takes its place (reserved until it starts, so no newcomer takes it). */
  #next(): void {
    if (!this.#waiting.length || this.#busy.size + this.#reserved >= this.#options.maxWorkers) return;
    this.#reserved++;
    this.#waiting.shift()!.start();
  }

  #start<I, O>(taskModule: URL, input: I, onProgress?: (update: ProgressUpdate) => void, signal?: AbortSignal): Promise<O> {
    const slot = this.#idle.pop() ?? this.#spawn([]);
    this.#busy.add(slot);
    this.#peakBusy = Math.max(this.#peakBusy, this.#busy.size);
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
        // kept for a waiting task too: it would otherwise start a fresh worker
        if (reusable && (this.#idle.length < this.#options.maxIdle || this.#waiting.length > 0)) this.#park(slot);
        else {
          void worker.terminate();
          if (this.#warmed && this.#idle.length < this.#options.maxIdle) this.#park(this.#spawn([...this.#tasks]));
        }
        action();
        this.#next();
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
