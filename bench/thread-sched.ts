import { readFileSync } from 'node:fs';

/** The main thread's time on a CPU and waiting for one (Linux schedstat), in ms; undefined where /proc has no schedstat. */
export function mainThreadSched(): { onCpuMs: number; waitingMs: number } | undefined {
  try {
    const [onCpu, waiting] = readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ').map(Number);
    return { onCpuMs: onCpu! / 1e6, waitingMs: waiting! / 1e6 };
  } catch {
    return undefined;
  }
}

/** Runs `work` and says how long the main thread ran and waited for a CPU meanwhile. */
export async function withMainThreadSched<T>(
  work: () => Promise<T>,
): Promise<{ result: T; sched?: { onCpuMs: number; waitingMs: number } }> {
  const before = mainThreadSched();
  const result = await work();
  const after = mainThreadSched();
  return {
    result,
    ...(before && after ? { sched: { onCpuMs: after.onCpuMs - before.onCpuMs, waitingMs: after.waitingMs - before.waitingMs } } : {}),
  };
}
