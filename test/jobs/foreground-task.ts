import type { WorkerTask } from '../../src/jobs/run-in-worker.ts';
import { yieldToForeground } from '../../src/jobs/foreground.ts';

export interface ForegroundProbeInput {
  /** How many times to call yieldToForeground, this many ms apart. */
  calls: number;
  everyMs: number;
}

/** A background loop shaped like a long scan: it calls yieldToForeground often and reports how long each call blocked. */
const task: WorkerTask<ForegroundProbeInput, { blockedMs: number[] }> = async (input, progress) => {
  const blockedMs: number[] = [];
  const sleep = new Int32Array(new SharedArrayBuffer(4));
  progress({ fraction: 0, message: 'started' });
  for (let i = 0; i < input.calls; i++) {
    const before = performance.now();
    yieldToForeground();
    blockedMs.push(performance.now() - before);
    Atomics.wait(sleep, 0, 0, input.everyMs);
  }
  return { blockedMs };
};
export default task;
