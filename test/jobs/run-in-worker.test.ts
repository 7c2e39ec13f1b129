import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/core/errors.ts';
import { runInWorker } from '../../src/jobs/run-in-worker.ts';

const task = new URL('./echo-task.ts', import.meta.url);

describe('runInWorker', () => {
  it('runs a TypeScript task in a worker thread and reports progress', async () => {
    const updates: string[] = [];
    const result = await runInWorker<{ n: number }, { doubled: number }>(task, { n: 21 }, (u) => updates.push(u.message));
    expect(result).toEqual({ doubled: 42 });
    expect(updates).toEqual(['halfway']);
  });

  it('brings a user error back as a UserError with its hint', async () => {
    const error = await runInWorker(task, { n: 1, fail: 'user' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).code).toBe('bad_n');
    expect((error as UserError).hint).toBe('use another n');
  });

  it('brings an internal failure back as a plain error', async () => {
    const error = await runInWorker(task, { n: 1, fail: 'crash' }).catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(UserError);
    expect((error as Error).message).toBe('boom');
  });
});
