import { UserError } from '../../src/core/errors.ts';
import type { WorkerTask } from '../../src/jobs/run-in-worker.ts';

const task: WorkerTask<{ n: number; fail?: 'user' | 'crash' }, { doubled: number }> = async (input, progress) => {
  progress({ fraction: 0.5, message: 'halfway' });
  if (input.fail === 'user') throw new UserError('bad_n', `n=${input.n} is not allowed`, { hint: 'use another n' });
  if (input.fail === 'crash') throw new TypeError('boom');
  return { doubled: input.n * 2 };
};
export default task;
