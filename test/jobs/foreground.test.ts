import { describe, expect, it } from 'vitest';
import { FOREGROUND_MAX_PAUSE_MS, foregroundBusy, foregroundOpen, openForeground } from '../../src/jobs/foreground.ts';
import { WorkerPool } from '../../src/jobs/worker-pool.ts';
import type { ForegroundProbeInput } from './foreground-task.ts';

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

describe('background work pauses for chat requests in flight', () => {
  it('a worker loop blocks while a request is open, at most the longest pause, and not at all when none is', async () => {
    const pool = new WorkerPool({ niceness: 0 });
    try {
      const quiet = await pool.run<ForegroundProbeInput, { blockedMs: number[] }>(new URL('./foreground-task.ts', import.meta.url), {
        calls: 20,
        everyMs: 1,
      });
      expect(Math.max(...quiet.blockedMs)).toBeLessThan(5);

      let opened = false;
      let release = () => {};
      const busy = pool.run<ForegroundProbeInput, { blockedMs: number[] }>(
        new URL('./foreground-task.ts', import.meta.url),
        { calls: 40, everyMs: 5 },
        (update) => {
          if (update.message !== 'started' || opened) return;
          opened = true;
          release = openForeground(); // a request arrives and stays open (never answered)
        },
      );
      const { blockedMs } = await busy;
      release();
      expect(opened).toBe(true);
      // it paused, each pause bounded, and it kept running in between (never stopped for good)
      expect(sum(blockedMs)).toBeGreaterThan(FOREGROUND_MAX_PAUSE_MS * 0.8);
      expect(Math.max(...blockedMs)).toBeLessThan(FOREGROUND_MAX_PAUSE_MS + 100);
      expect(blockedMs.length).toBe(40);
    } finally {
      await pool.close();
    }
  });

  it('counts a request as busy while open and for a moment after the last one is answered', async () => {
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(foregroundBusy()).toBe(false);
    const release = openForeground();
    expect(foregroundBusy()).toBe(true);
    release();
    expect(foregroundBusy()).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(foregroundBusy()).toBe(false);
  });

  it('openForeground counts one request until released; releasing twice does not count it twice', () => {
    const before = foregroundOpen();
    const release = openForeground();
    expect(foregroundOpen()).toBe(before + 1);
    release();
    release();
    expect(foregroundOpen()).toBe(before);
  });
});
