import SQLite from 'better-sqlite3';
import type { WorkerTask } from '../../src/jobs/run-in-worker.ts';
import { bulkWriteChunk, writesWaiting, yieldToWaitingWrites } from '../../src/store/write-priority.ts';

export interface BulkInput {
  file: string;
  chunks: number;
  /** How long each chunk holds the write lock; the first holds it until writes are waiting, then this long. */
  holdMs: number;
}

/** A bulk writer shaped like the segment-membership store: chunks of one write transaction each, yielding in between. */
const task: WorkerTask<BulkInput, { paused: number[] }> = async (input, progress) => {
  const sqlite = new SQLite(input.file);
  sqlite.pragma('busy_timeout = 10000');
  const paused: number[] = [];
  const sleep = new Int32Array(new SharedArrayBuffer(4));
  try {
    for (let c = 1; c <= input.chunks; c++) {
      const before = performance.now();
      yieldToWaitingWrites();
      if (performance.now() - before > 1) paused.push(c);
      bulkWriteChunk(() => {
        sqlite.exec('BEGIN IMMEDIATE');
        sqlite.prepare('insert into priority_log (who) values (?)').run(`bulk ${c}`);
        progress({ fraction: c / input.chunks, message: `chunk ${c} holds the lock` });
        const until = performance.now() + 10_000;
        while (c === 1 && !writesWaiting() && performance.now() < until) Atomics.wait(sleep, 0, 0, 1);
        Atomics.wait(sleep, 0, 0, input.holdMs);
        sqlite.exec('COMMIT');
      });
    }
  } finally {
    sqlite.close();
  }
  return { paused };
};
export default task;
