import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { nextFireTime } from '../../src/digests/cron.ts';
import { nodeCronTasks } from '../../src/digests/scheduler.ts';
import { createLogger } from '../../src/logger.ts';

/** A pino logger whose records the test reads back. */
function capturedLogger() {
  const stream = new PassThrough();
  const lines: string[] = [];
  stream.on('data', (chunk: Buffer) => lines.push(...chunk.toString().split('\n').filter(Boolean)));
  return { logger: createLogger('debug', stream), records: () => lines.map((line) => JSON.parse(line) as Record<string, any>) };
}

const nodeCronTask = nodeCronTasks(createLogger('silent'));

afterEach(() => {
  vi.useRealTimers();
});

describe('the node-cron task of a schedule (fake timers drive its clock)', () => {
  it.each([
    ['Europe/Berlin', '2026-03-23T07:59:58Z', '2026-03-23T08:00:00.000Z'],
    ['Europe/Berlin', '2026-03-30T06:59:58Z', '2026-03-30T07:00:00.000Z'], // first Monday of summer time
    ['America/New_York', '2026-11-02T13:59:58Z', '2026-11-02T14:00:00.000Z'], // first Monday of standard time
  ])('fires 09:00 Monday in %s at the instant nextFireTime computes', async (zone, start, expected) => {
    vi.useFakeTimers({ now: new Date(start) });
    expect(nextFireTime('0 9 * * MON', zone, new Date(start))?.toISOString()).toBe(expected);
    const fired: string[] = [];
    const task = nodeCronTask('0 9 * * MON', zone, 'digest-test', (at) => fired.push(at.toISOString()));
    await vi.advanceTimersByTimeAsync(5_000);
    task.stop();
    expect(fired).toEqual([expected]);
  });
});

describe("node-cron's own log lines", () => {
  it('go through pino (component node-cron), never to the console', async () => {
    vi.useFakeTimers({ now: new Date('2026-03-23T07:59:58Z') });
    const { logger, records } = capturedLogger();
    const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((method) =>
      vi.spyOn(console, method).mockImplementation(() => {}),
    );
    try {
      const task = nodeCronTasks(logger)('0 9 * * MON', 'Europe/Berlin', 'digest-throws', () => {
        throw new Error('the digest blew up');
      });
      await vi.advanceTimersByTimeAsync(5_000);
      task.stop();
      await vi.advanceTimersByTimeAsync(10);
      for (const spy of spies) expect(spy).not.toHaveBeenCalled();
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
    const cronLines = records().filter((r) => r.component === 'node-cron');
    expect(cronLines.length).toBeGreaterThan(0);
    expect(cronLines[0]).toMatchObject({ level: 'error', err: { message: 'the digest blew up' } });
  });
});
