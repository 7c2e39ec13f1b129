import { afterEach, describe, expect, it } from 'vitest';
import { UserError } from '../../src/core/errors.ts';
import { runInWorker } from '../../src/jobs/run-in-worker.ts';
import { WorkerPool } from '../../src/jobs/worker-pool.ts';
import type { EchoInput, EchoOutput } from './echo-task.ts';

const task = new URL('./echo-task.ts', import.meta.url);
const preload = new URL('./preload-task.ts', import.meta.url);

describe('runInWorker', () => {
  it('runs a TypeScript task in a worker thread and reports progress', async () => {
    const updates: string[] = [];
    const result = await runInWorker<EchoInput, EchoOutput>(task, { n: 21 }, (u) => updates.push(u.message));
    expect(result.doubled).toBe(42);
    expect(result.threadId).toBeGreaterThan(0);
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

describe('WorkerPool', () => {
  const pools: WorkerPool[] = [];
  const pool = (options: ConstructorParameters<typeof WorkerPool>[0] = {}) => {
    const created = new WorkerPool(options);
    pools.push(created);
    return created;
  };
  afterEach(async () => {
    await Promise.all(pools.splice(0).map((p) => p.close()));
  });

  it('keeps a worker for the next task, also after a task failed', async () => {
    const workers = pool();
    const first = await workers.run<EchoInput, EchoOutput>(task, { n: 1 });
    await expect(workers.run(task, { n: 1, fail: 'user' })).rejects.toBeInstanceOf(UserError);
    const third = await workers.run<EchoInput, EchoOutput>(task, { n: 2 });
    expect(third.threadId).toBe(first.threadId);
  });

  it('adds no listeners to a worker per task it runs', async () => {
    const workers = pool();
    const first = await workers.run<EchoInput, EchoOutput>(task, { n: 1 });
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on('warning', onWarning);
    try {
      for (let i = 0; i < 15; i++) expect((await workers.run<EchoInput, EchoOutput>(task, { n: i })).threadId).toBe(first.threadId);
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings).not.toContain('MaxListenersExceededWarning');
  });

  it('runs concurrent tasks in separate workers and keeps at most maxIdle of them', async () => {
    const workers = pool({ maxIdle: 1, maxWorkers: 2 });
    const [a, b] = await Promise.all([
      workers.run<EchoInput, EchoOutput>(task, { n: 1, waitMs: 200 }),
      workers.run<EchoInput, EchoOutput>(task, { n: 2, waitMs: 200 }),
    ]);
    expect(a.threadId).not.toBe(b.threadId);
    const next = await workers.run<EchoInput, EchoOutput>(task, { n: 3 });
    expect([a.threadId, b.threadId]).toContain(next.threadId);
  });

  it("lowers the worker threads' scheduling priority, not the bot's", async () => {
    const result = await pool({ niceness: 7 }).run<EchoInput, EchoOutput>(task, { n: 1 });
    if (process.platform === 'linux') expect(result.niceness).toBe(7);
    expect((await import('node:os')).getPriority(0)).toBe(0);
    expect((await pool({ niceness: 0 }).run<EchoInput, EchoOutput>(task, { n: 1 })).niceness).toBe(0);
  });

  it('workers load the registered task modules before they take a task; warm() starts them', async () => {
    const workers = pool();
    workers.register(preload);
    await workers.warm();
    expect(workers.stats()).toEqual({ running: 0, waiting: 0, peakRunning: 0 });
    expect((await workers.run<EchoInput, EchoOutput>(task, { n: 1 })).preloaded).toBe(true);
  });

  it('replaces a worker left with a big heap before it takes another task, queued ones included', async () => {
    const workers = pool({ retireAboveBytes: 64 * 2 ** 20, maxWorkers: 1 });
    workers.register(preload);
    const first = await workers.run<EchoInput, EchoOutput>(task, { n: 1, keepMiB: 16 });
    const big = workers.run<EchoInput, EchoOutput>(task, { n: 1, keepMiB: 96 });
    const queued = Array.from({ length: 4 }, (_, n) => workers.run<EchoInput, EchoOutput>(task, { n }));
    const kept = await big;
    expect(kept.threadId).toBe(first.threadId);
    const after = await Promise.all(queued);
    expect(after.map((r) => r.doubled)).toEqual([0, 2, 4, 6]);
    for (const r of after) {
      expect(r.threadId).not.toBe(first.threadId);
      expect(r.preloaded).toBe(true);
    }
    expect(new Set(after.map((r) => r.threadId)).size).toBe(1);
  });

  it('replaces a worker that died, and a cancelled one', async () => {
    const workers = pool();
    const first = await workers.run<EchoInput, EchoOutput>(task, { n: 1 });
    await expect(workers.run(task, { n: 1, fail: 'uncaught' })).rejects.toThrow(/crashed outside the task/);
    const second = await workers.run<EchoInput, EchoOutput>(task, { n: 1 });
    expect(second.threadId).not.toBe(first.threadId);
    await expect(workers.run(task, { n: 1, fail: 'exit' })).rejects.toThrow(/called process\.exit\(3\)/);
    expect((await workers.run<EchoInput, EchoOutput>(task, { n: 1 })).threadId).toBe(second.threadId);
    const controller = new AbortController();
    const running = workers.run(task, { n: 1, waitMs: 10_000 }, undefined, controller.signal);
    setTimeout(() => controller.abort(), 50);
    await expect(running).rejects.toMatchObject({ code: 'cancelled' });
    const third = await workers.run<EchoInput, EchoOutput>(task, { n: 1 });
    expect(third.threadId).not.toBe(second.threadId);
  });
});

describe('WorkerPool in a process of its own', () => {
  it('keeps the process alive while warming, and lets it exit once idle', async () => {
    const { execFileSync } = await import('node:child_process');
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const path = await import('node:path');
    const dir = mkdtempSync(path.join(tmpdir(), 'growthbot-pool-'));
    const file = path.join(dir, 'warm.mjs');
    writeFileSync(
      file,
      `
      import { WorkerPool } from ${JSON.stringify(new URL('../../src/jobs/worker-pool.ts', import.meta.url).href)};
      const pool = new WorkerPool();
      pool.register(new URL(${JSON.stringify(preload.href)}));
      await pool.warm();
      console.log('warm');`,
    );
    try {
      const out = execFileSync(process.execPath, ['--import', 'tsx', file], { encoding: 'utf8', timeout: 30_000 });
      expect(out.trim()).toBe('warm');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
