import type { Kysely, Transaction } from 'kysely';
import type { Logger } from '../logger.ts';
import type { Database } from '../store/schema.ts';
import { isBusyError, isSqlite, shortWaitTransaction } from '../store/short-wait.ts';
import { bulkWriteInProgress, setWritesWaiting } from '../store/write-priority.ts';
import { foregroundBusy } from '../jobs/foreground.ts';

/** One small write (an audit entry, a request receipt); it runs inside the batch's transaction. */
export type WriteJob = (trx: Transaction<Database>) => Promise<void>;

export interface WriteQueueOptions {
  /** How long writes gather before one transaction writes them all. */
  delayMs?: number;
  /** SQLite: how long a batch waits for another connection's write lock before it is retried later. */
  busyTimeoutMs?: number;
  /** Longest wait between retries while the lock stays taken. */
  maxRetryDelayMs?: number;
  /** Writes per transaction; the event loop turns between transactions (acks go out in between). */
  chunkSize?: number;
}

/**
 * Small writes of one kind that a batch stores with one statement: `writeAll` gets the batch's
 * items in order and returns one result per item.
 */
export interface WriteGroup<T, R = void> {
  label: string;
  writeAll(trx: Transaction<Database>, items: T[]): Promise<R[]>;
}

interface Settle {
  resolve(value: unknown): void;
  reject(error: unknown): void;
  value?: unknown;
}

type Pending = { label: string; settle?: Settle } & (
  { job: WriteJob; group?: undefined } | { group: WriteGroup<unknown, unknown>; item: unknown }
);

/** How soon a batch is tried again after finding a bulk writer inside its transaction. */
const YIELD_RETRY_MS = 5;
/** Longest a batch waits for chat acks in flight, and how often it looks again. */
const FOREGROUND_DEFER_MS = 250;
const FOREGROUND_RECHECK_MS = 10;

/**
 * Writes that must not hold up the event loop: gathered for `delayMs`, then written in one
 * transaction. On SQLite the main thread's statements are synchronous, so a batch waits at most
 * `busyTimeoutMs` for a worker's write transaction and is retried later instead of stalling
 * every request for the connection's full busy_timeout; it never runs the WAL auto-checkpoint.
 */
export class WriteQueue {
  readonly #db: Kysely<Database>;
  readonly #logger: Logger;
  readonly #delayMs: number;
  readonly #busyTimeoutMs: number;
  readonly #maxRetryDelayMs: number;
  readonly #sqlite: boolean;
  readonly #chunkSize: number;
  #pending: Pending[] = [];
  #timer: NodeJS.Timeout | undefined;
  #writing: Promise<boolean> | undefined;
  #retryDelayMs = 0;
  /** When the oldest write still pending was queued. */
  #oldest: number | undefined;
  /** SQLite: whether the bulk writers in worker threads have been told that writes are waiting. */
  #announced = false;
  /** Set when the last attempt found a bulk writer holding the lock (retried shortly, no backoff). */
  #yielded = false;

  constructor(db: Kysely<Database>, logger: Logger, options: WriteQueueOptions = {}) {
    this.#db = db;
    this.#logger = logger;
    this.#delayMs = options.delayMs ?? 50;
    this.#busyTimeoutMs = options.busyTimeoutMs ?? 20;
    this.#maxRetryDelayMs = options.maxRetryDelayMs ?? 1000;
    this.#chunkSize = options.chunkSize ?? 25;
    this.#sqlite = isSqlite(db);
  }

  get size(): number {
    return this.#pending.length;
  }

  enqueue(label: string, job: WriteJob): void {
    this.#add({ job, label });
  }

  /** Like enqueue, for a caller that needs the job's result: resolves once its transaction is committed, rejects if the job fails. */
  write<T>(label: string, job: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const settle: Settle = { resolve: resolve as (value: unknown) => void, reject };
      this.#add({
        label,
        settle,
        job: async (trx) => {
          settle.value = await job(trx);
        },
      });
    });
  }

  /** An item written with the others of its group in the next batch (one statement per group). */
  enqueueInto<T>(group: WriteGroup<T, unknown>, item: T): void {
    this.#add({ label: group.label, group: group as WriteGroup<unknown, unknown>, item });
  }

  /** Like enqueueInto, resolving with the item's result once its transaction is committed. */
  writeInto<T, R>(group: WriteGroup<T, R>, item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.#add({
        label: group.label,
        group: group as WriteGroup<unknown, unknown>,
        item,
        settle: { resolve: resolve as (value: unknown) => void, reject },
      });
    });
  }

  #add(pending: Pending): void {
    this.#pending.push(pending);
    this.#announce(true);
    this.#schedule(this.#delayMs);
  }

  /** Resolves when every write enqueued so far is stored (or has failed and been logged). */
  async flush(): Promise<void> {
    while (this.#pending.length || this.#writing) {
      if (this.#writing) {
        await this.#writing;
        continue;
      }
      if (!(await this.#write())) await new Promise((resolve) => setTimeout(resolve, Math.max(this.#retryDelayMs, 5)));
    }
  }

  #schedule(delayMs: number): void {
    if (this.#timer || this.#writing) return;
    this.#oldest ??= performance.now();
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      // chat requests are being acknowledged: the batch waits for them (up to FOREGROUND_DEFER_MS)
      if (foregroundBusy() && performance.now() - (this.#oldest ?? 0) < FOREGROUND_DEFER_MS) return this.#schedule(FOREGROUND_RECHECK_MS);
      void this.#write();
    }, delayMs);
    this.#timer.unref();
  }

  /** Writes the pending batch; false when the lock was taken and the batch is back in the queue. */
  #write(): Promise<boolean> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    const writing = this.#writeChunks().finally(() => {
      this.#writing = undefined;
      if (this.#pending.length) this.#schedule(this.#yielded ? YIELD_RETRY_MS : this.#retryDelayMs || this.#delayMs);
      else {
        this.#oldest = undefined;
        this.#announce(false);
      }
    });
    this.#writing = writing;
    return writing;
  }

  async #writeChunks(): Promise<boolean> {
    let first = true;
    this.#yielded = false;
    while (this.#pending.length) {
      if (!first) await new Promise((resolve) => setImmediate(resolve));
      first = false;
      // a bulk writer holds the lock: it pauses after its chunk (it was told writes are waiting); trying now would stall the event loop
      if (this.#sqlite && bulkWriteInProgress()) {
        this.#yielded = true;
        return false;
      }
      if (!(await this.#writeBatch(this.#pending.splice(0, this.#chunkSize)))) return false;
    }
    return true;
  }

  #announce(waiting: boolean): void {
    if (!this.#sqlite || waiting === this.#announced) return;
    this.#announced = waiting;
    setWritesWaiting(waiting);
  }

  async #writeBatch(batch: Pending[]): Promise<boolean> {
    if (!batch.length) return true;
    try {
      await this.#transaction((trx) => runBatch(trx, batch));
      this.#retryDelayMs = 0;
      for (const { settle } of batch) settle?.resolve(settle.value);
      return true;
    } catch (error) {
      if (isBusyError(error)) {
        this.#pending = [...batch, ...this.#pending];
        this.#retryDelayMs = Math.min(this.#maxRetryDelayMs, Math.max(this.#delayMs, this.#retryDelayMs * 2));
        this.#logger.debug({ writes: batch.length, retryInMs: this.#retryDelayMs }, 'write queue: database busy; retrying later');
        return false;
      }
    }
    // one write is wrong (not the lock): store the others, log the bad one
    for (const item of batch) {
      try {
        await this.#transaction((trx) => runBatch(trx, [item]));
        item.settle?.resolve(item.settle.value);
      } catch (error) {
        if (isBusyError(error)) {
          this.#pending.unshift(item);
          continue;
        }
        this.#logger.error({ err: error, write: item.label }, 'write failed');
        item.settle?.reject(error);
      }
    }
    return true;
  }

  #transaction(work: (trx: Transaction<Database>) => Promise<void>): Promise<void> {
    return shortWaitTransaction(this.#db, this.#busyTimeoutMs, work);
  }
}

/** Plain jobs in order, then each group's items with one call. */
async function runBatch(trx: Transaction<Database>, batch: Pending[]): Promise<void> {
  const groups = new Map<WriteGroup<unknown, unknown>, Pending[]>();
  for (const pending of batch) {
    if (!pending.group) {
      await pending.job(trx);
      continue;
    }
    const members = groups.get(pending.group);
    if (members) members.push(pending);
    else groups.set(pending.group, [pending]);
  }
  for (const [group, members] of groups) {
    const results = await group.writeAll(
      trx,
      members.map((member) => (member as { item: unknown }).item),
    );
    members.forEach((member, i) => {
      if (member.settle) member.settle.value = results[i];
    });
  }
}
