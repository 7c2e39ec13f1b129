import { afterEach, describe, expect, it, vi } from 'vitest';
import { nextFireTime } from '../../src/digests/cron.ts';
import { nodeCronTask } from '../../src/digests/scheduler.ts';

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
