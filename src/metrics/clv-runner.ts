import type { CommandContext } from '../core/context.ts';
import { runInWorker, workerTask } from '../jobs/run-in-worker.ts';
import { computeClvValues, fitClvModelReport } from './clv-model.ts';
import type { ClvModelReport, ClvValueReport, ClvValueRequest } from './clv-model.ts';
import type { ClvTaskInput } from './clv-task.ts';

const TASK = workerTask(new URL('./clv-task.ts', import.meta.url));

/** An in-memory SQLite store cannot be reached from another thread: fit in-process there. */
function workerUrl(ctx: CommandContext): string | null {
  const url = ctx.config.DATABASE_URL;
  return url.startsWith('sqlite') && url.includes(':memory:') ? null : url;
}

/** Fits the model for `/clv model` in a worker thread (progress goes to the caller). */
export function runClvModel(ctx: CommandContext, request: { asOf?: string; holdout?: string; zone: string }): Promise<ClvModelReport> {
  const url = workerUrl(ctx);
  if (!url) return fitClvModelReport(ctx.db, request, ctx.progress);
  const input: ClvTaskInput = { databaseUrl: url, kind: 'model', ...request };
  return runInWorker<ClvTaskInput, ClvModelReport>(TASK, input, ctx.progress, ctx.signal);
}

/** Fits on the whole base and values the requested customers, in a worker thread. */
export function runClvValues(ctx: CommandContext, request: ClvValueRequest): Promise<ClvValueReport> {
  const url = workerUrl(ctx);
  if (!url) return computeClvValues(ctx.db, request, ctx.progress);
  const input: ClvTaskInput = { databaseUrl: url, kind: 'values', request };
  return runInWorker<ClvTaskInput, ClvValueReport>(TASK, input, ctx.progress, ctx.signal);
}
