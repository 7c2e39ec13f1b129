import { availableParallelism } from 'node:os';
import { MessageChannel } from 'node:worker_threads';
import Tinypool from 'tinypool';
import type { ProgressUpdate } from '../core/context.ts';
import { UserError } from '../core/errors.ts';
import { writePriorityBuffer } from '../store/write-priority.ts';
import { foregroundBuffer } from './foreground.ts';
import { mentionKeyBuffer } from '../core/mention.ts';

const ENTRY = new URL('./worker-entry.mjs', import.meta.url);
/** Running the compiled build (dist/): task modules are its .js files, and workers need no TypeScript loader. */
const COMPILED = import.meta.url.endsWith('.js');

/** A task module as named in the sources (`./clv-task.ts`), as this build holds it. */
function built(taskModule: URL): URL {
  return COMPILED ? new URL(taskModule.href.replace(/\.ts$/, '.js')) : taskModule;
}

export interface WorkerPoolOptions {
  /** Worker threads at most (WORKERS): a task past them waits in the queue. */
  maxWorkers: number;
  /** Tasks that may wait for a worker (JOB_QUEUE); one more is refused as busy. */
  maxQueue: number;
  /** Workers kept (module graph loaded) while idle; more are stopped after 30 s without a task. */
  maxIdle: number;
  /**
   * Scheduling niceness of the worker threads (0 to 19, Linux): heavy jobs then give the CPU to the
   * bot's event loop (chat acks) whenever both want it. 0 leaves them as the main thread.
   */
  niceness: number;
  /**
   * A worker whose used heap is larger than this after a task is replaced before it takes another
   * (queued tasks included): a big task's garbage would otherwise stay with the idle worker.
   */
  retireAboveBytes: number;
}

type Message = { type: 'started' } | { type: 'end' } | { type: 'progress'; update: ProgressUpdate };

/** How long a settled task waits for its port's last messages (they normally arrive within a tick). */
const END_WAIT_MS = 1_000;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

type Outcome = { ok: true; result: unknown } | { ok: false; error: Record<string, unknown> };

/** One tinypool, made with the options in force when it was made; replaced when they change. */
interface Threads {
  pool: Tinypool;
  /** Tasks handed to it and not settled (running and waiting). */
  inFlight: number;
  /** Set when options changed: destroyed once its last task settles. */
  retired: boolean;
}

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
 * Worker threads for heavy tasks (imports, segmentation, CLV fits, digests), on tinypool: at most
 * `maxWorkers` at once, then up to `maxQueue` tasks wait in order, and past that a task is refused
 * (busy) before it starts. Workers stay for the next task, so the TypeScript loader and every
 * registered task module load once per worker, before it reports ready; `warm()` starts them ahead
 * of the first command. A worker left with a big heap is replaced before it takes another task.
 * Idle workers never keep the process alive.
 */
export class WorkerPool {
  readonly #options: WorkerPoolOptions;
  readonly #tasks = new Set<string>();
  #threads: Threads | undefined;
  #running = 0;
  #peakRunning = 0;

  constructor(options: Partial<WorkerPoolOptions> = {}) {
    this.#options = { maxWorkers: defaultWorkers(), maxQueue: 20, maxIdle: 1, niceness: 10, retireAboveBytes: 128 * 2 ** 20, ...options };
  }

  /** Tasks running and waiting now, and the most that ran at once since `resetPeak()`. */
  stats(): { running: number; waiting: number; peakRunning: number } {
    return { running: this.#running, waiting: this.#threads?.pool.queueSize ?? 0, peakRunning: this.#peakRunning };
  }

  resetPeak(): void {
    this.#peakRunning = this.#running;
  }

  /** New options apply to the next task; workers made with the old ones finish what they run, then stop. */
  configure(options: Partial<WorkerPoolOptions>): void {
    const changed = Object.entries(options).some(([key, value]) => this.#options[key as keyof WorkerPoolOptions] !== value);
    Object.assign(this.#options, options);
    if (changed && this.#threads) this.#retire(this.#threads);
  }

  /** Names a task module that every worker loads before it takes tasks; returns it. */
  register(source: URL): URL {
    const taskModule = built(source);
    if (!this.#tasks.has(taskModule.href)) {
      this.#tasks.add(taskModule.href);
      // workers already started lack it: later ones get it
      if (this.#threads) this.#retire(this.#threads);
    }
    return taskModule;
  }

  /** Starts the workers kept when idle (maxIdle), with every registered task module loaded; settles when one is ready. */
  async warm(): Promise<void> {
    const threads = this.#current();
    threads.inFlight++;
    try {
      await threads.pool.run(null, { name: 'ping' });
    } finally {
      this.#settled(threads);
    }
  }

  /** Runs the task module's default export in a worker; a UserError thrown there arrives here as a UserError. */
  async run<I, O>(source: URL, input: I, onProgress?: (update: ProgressUpdate) => void, signal?: AbortSignal): Promise<O> {
    const taskModule = built(source);
    if (signal?.aborted) throw cancelled();
    const threads = this.#current();
    // counted here, not by tinypool: its own limit also admits tasks for workers still starting
    if (threads.inFlight >= this.#options.maxWorkers + this.#options.maxQueue) throw busyError(threads.inFlight);
    const { port1, port2 } = new MessageChannel();
    let started = false;
    let ended: () => void = () => {};
    // the result comes back on the pool's own channel, which may overtake this port's last progress messages
    const end = new Promise<void>((resolve) => (ended = resolve));
    port1.on('close', () => ended());
    port1.on('message', (message: Message) => {
      if (message.type === 'end') ended();
      else if (message.type === 'progress') onProgress?.(message.update);
      else if (message.type === 'started' && !started) {
        started = true;
        this.#running++;
        this.#peakRunning = Math.max(this.#peakRunning, this.#running);
      }
    });
    threads.inFlight++;
    try {
      const outcome = (await threads.pool.run(
        { module: taskModule.href, input, port: port2 },
        { transferList: [port2], signal },
      )) as Outcome;
      await Promise.race([end, sleep(END_WAIT_MS)]);
      if (!outcome.ok) throw reviveError(outcome.error);
      return outcome.result as O;
    } catch (error) {
      if (error instanceof Error && error.name === 'AbortError') throw cancelled();
      throw error;
    } finally {
      port1.close();
      if (started) this.#running--;
      this.#settled(threads);
    }
  }

  /** Stops every worker, busy ones included (their tasks fail). */
  async close(): Promise<void> {
    const threads = this.#threads;
    this.#threads = undefined;
    if (threads) await destroy(threads);
  }

  #current(): Threads {
    if (this.#threads) return this.#threads;
    const { maxWorkers, maxQueue, maxIdle, niceness, retireAboveBytes } = this.#options;
    const pool = new Tinypool({
      filename: ENTRY.href,
      minThreads: Math.min(maxIdle, maxWorkers),
      maxThreads: maxWorkers,
      maxQueue: maxWorkers + maxQueue,
      idleTimeout: 30_000,
      maxMemoryLimitBeforeRecycle: retireAboveBytes,
      workerData: {
        preload: [...this.#tasks],
        typescript: !COMPILED,
        niceness,
        shared: { writePriority: writePriorityBuffer(), foreground: foregroundBuffer(), mentionKey: mentionKeyBuffer() },
      },
    });
    this.#threads = { pool, inFlight: 0, retired: false };
    return this.#threads;
  }

  #retire(threads: Threads): void {
    if (this.#threads === threads) this.#threads = undefined;
    threads.retired = true;
    if (threads.inFlight === 0) void destroy(threads);
  }

  #settled(threads: Threads): void {
    threads.inFlight--;
    if (threads.retired && threads.inFlight === 0) void destroy(threads);
  }
}

/** Stops a pool's workers; a worker that fails to stop is already gone for our purposes. */
async function destroy(threads: Threads): Promise<void> {
  await threads.pool.destroy().catch(() => {});
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
  return reviveData(error);
}

/** An Error with the worker's message, stack and system fields (code, errno, syscall, path, address, port), cause and aggregated errors included. */
function reviveData(error: Record<string, unknown>): Error {
  const revived = new Error(String(error.message)) as Error & Record<string, unknown>;
  revived.name = String(error.name ?? 'Error');
  revived.stack = String(error.stack ?? revived.stack);
  for (const key of ['code', 'errno', 'syscall', 'path', 'address', 'port']) if (error[key] !== undefined) revived[key] = error[key];
  if (error.cause && typeof error.cause === 'object') revived.cause = reviveData(error.cause as Record<string, unknown>);
  if (Array.isArray(error.errors)) revived.errors = (error.errors as Record<string, unknown>[]).map(reviveData);
  return revived;
}
