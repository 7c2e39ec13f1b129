// Plain JavaScript on purpose: tinypool imports it in each worker before any TypeScript loader exists there.
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import Tinypool from 'tinypool';

const { niceness, preload, typescript } = Tinypool.workerData;

// Linux: a thread id is a valid setpriority() target, so this lowers this worker thread only.
if (niceness > 0) {
  try {
    setPriority(Number(readlinkSync('/proc/thread-self').split('/').pop()), niceness);
  } catch {
    // no /proc (macOS, Windows): the worker keeps the bot's priority
  }
}

// A worker that ends without an error event leaves tinypool waiting on its task for ever: a task
// calling process.exit() fails (or, from a callback, crashes the worker with an error) instead.
// Node's own exit after an uncaught exception (already reported as an error event) goes through.
{
  const exit = process.exit.bind(process);
  let crashing = false;
  process.on('uncaughtExceptionMonitor', () => (crashing = true));
  process.exit = (code) => {
    if (crashing) return exit(code);
    throw new Error(`a task called process.exit(${code ?? ''}) in a worker thread`);
  };
}

// Running from the TypeScript sources (tsx, vitest): on Node 20 a worker does not inherit the
// parent's `--import tsx` loader hooks, even though the flag shows in process.execArgv.
if (typescript) {
  const { register } = await import('tsx/esm/api');
  register();
}

// The pool reports this worker ready only once these are loaded (warm workers).
for (const module of preload) {
  try {
    await import(module);
  } catch {
    // the task that needs it reports the failure when it runs
  }
}

/**
 * One task: runs the task module's default export, with progress sent over the task's own port.
 * Errors come back as data: structured cloning would drop a UserError's code, hint and context.
 */
export default async function runTask({ module, input, port }) {
  port.postMessage({ type: 'started' });
  try {
    const task = await import(module);
    const result = await task.default(input, (update) => port.postMessage({ type: 'progress', update }));
    return { ok: true, result };
  } catch (error) {
    return { ok: false, error: { ...errorData(error), hint: error?.hint, context: error?.context } };
  } finally {
    // after every progress message on this port: the pool waits for it before settling the task
    port.postMessage({ type: 'end' });
    port.close();
  }
}

/**
 * What the pool needs to tell a failure apart: a full disk (ENOSPC, SQLITE_FULL, PostgreSQL 53100),
 * a refused connection (its address and port), … The cause and aggregated errors too, a level deep.
 */
function errorData(error, depth = 0) {
  if (error === null || typeof error !== 'object') return { message: String(error) };
  const data = { name: error.name, message: error.message ?? String(error), stack: error.stack };
  for (const key of ['code', 'errno', 'syscall', 'path', 'address', 'port']) {
    const value = error[key];
    if (typeof value === 'string' || typeof value === 'number') data[key] = value;
  }
  if (depth < 2 && error.cause !== undefined) data.cause = errorData(error.cause, depth + 1);
  if (depth < 2 && Array.isArray(error.errors)) data.errors = error.errors.slice(0, 5).map((inner) => errorData(inner, depth + 1));
  return data;
}

/** A task that does nothing: the pool runs it to wait for a warm worker. */
export function ping() {
  return true;
}
