import { getPriority } from 'node:os';
import { threadId } from 'node:worker_threads';
import { UserError } from '../../src/core/errors.ts';
import type { WorkerTask } from '../../src/jobs/run-in-worker.ts';

export interface EchoInput {
  n: number;
  fail?: 'user' | 'crash' | 'exit';
  /** Milliseconds to wait before answering. */
  waitMs?: number;
  /** MiB this worker keeps allocated after answering. */
  keepMiB?: number;
}

const kept: ArrayBuffer[] = [];

export interface EchoOutput {
  doubled: number;
  threadId: number;
  /** This thread's niceness (Linux). */
  niceness: number;
  /** Whether the preload module ran in this worker before the task. */
  preloaded: boolean;
}

const task: WorkerTask<EchoInput, EchoOutput> = async (input, progress) => {
  progress({ fraction: 0.5, message: 'halfway' });
  if (input.waitMs) await new Promise((resolve) => setTimeout(resolve, input.waitMs));
  if (input.fail === 'user') throw new UserError('bad_n', `n=${input.n} is not allowed`, { hint: 'use another n' });
  if (input.fail === 'crash') throw new TypeError('boom');
  if (input.fail === 'exit') process.exit(3);
  if (input.keepMiB) kept.push(new ArrayBuffer(input.keepMiB * 2 ** 20));
  return {
    doubled: input.n * 2,
    threadId,
    niceness: getPriority(0),
    preloaded: (globalThis as { preloaded?: boolean }).preloaded === true,
  };
};
export default task;
