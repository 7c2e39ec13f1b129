// Plain JavaScript on purpose: it runs before any TypeScript loader exists in the worker.
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { getHeapStatistics } from 'node:v8';
import { parentPort, workerData } from 'node:worker_threads';

// Linux: a thread id is a valid setpriority() target, so this lowers this worker thread only.
if (workerData.niceness > 0) {
  try {
    setPriority(Number(readlinkSync('/proc/thread-self').split('/').pop()), workerData.niceness);
  } catch {
    // no /proc (macOS, Windows): the worker keeps the bot's priority
  }
}

// Always: on Node 20 a worker does not inherit the parent's `--import tsx` loader hooks,
// even though the flag shows in process.execArgv.
{
  const { register } = await import('tsx/esm/api');
  register();
}

const send = (message) => parentPort.postMessage(message);

for (const module of workerData.preload) {
  try {
    await import(module);
  } catch {
    // the task that needs it reports the failure when it runs
  }
}
send({ type: 'ready' });

parentPort.on('message', async (message) => {
  if (message.type !== 'task') return;
  try {
    const task = await import(message.module);
    const result = await task.default(message.input, (update) => send({ type: 'progress', update }));
    const heap = getHeapStatistics();
    send({ type: 'result', result, heapBytes: heap.total_heap_size + heap.external_memory });
  } catch (error) {
    send({
      type: 'error',
      error: {
        name: error?.name,
        message: error?.message ?? String(error),
        code: error?.code,
        hint: error?.hint,
        context: error?.context,
        stack: error?.stack,
      },
    });
  }
});
