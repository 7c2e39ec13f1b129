// Plain JavaScript on purpose: it runs before any TypeScript loader exists in the worker.
import { parentPort, workerData } from 'node:worker_threads';

// Always: on Node 20 a worker does not inherit the parent's `--import tsx` loader hooks,
// even though the flag shows in process.execArgv.
{
  const { register } = await import('tsx/esm/api');
  register();
}

const send = (message) => parentPort.postMessage(message);
try {
  const task = await import(workerData.module);
  const result = await task.default(workerData.input, (update) => send({ type: 'progress', update }));
  send({ type: 'result', result });
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
