import { getPriority } from 'node:os';
import { threadId } from 'node:worker_threads';
import { UserError } from '../../src/core/errors.ts';
import type { WorkerTask } from '../../src/jobs/run-in-worker.ts';

export interface EchoInput {
  n: number;
  fail?: 'user' | 'crash' | 'exit' | 'uncaught';
  /** Milliseconds to wait before answering. */
  waitMs?: number;
  /** MiB of JavaScript heap this worker keeps after answering. */
  keepMiB?: number;
}

const kept: number[][] = [];

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
  if (input.fail === 'uncaught') {
    setTimeout(() => {
      throw new Error('crashed outside the task');
    });
    await new Promise((resolve) => setTimeout(resolve, 10_000));
  }
  // 8 bytes a number: 2^17 numbers a MiB
  if (input.keepMiB) kept.push(Array.from({ length: input.keepMiB * 2 ** 17 }, (_, i) => i + 0.5));
  return {
    doubled: input.n * 2,
    threadId,
    niceness: getPriority(0),
    preloaded: (globalThis as { preloaded?: boolean }).preloaded === true,
  };
};
export default task;
