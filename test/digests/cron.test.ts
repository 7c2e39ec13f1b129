import cron from 'node-cron';
import { describe, expect, it } from 'vitest';
import { canonicalFireTime, nextFireTime, nextFireTimes, parseCron, previousFireTime } from '../../src/digests/cron.ts';
import { formatInZone, validateTimeZone } from '../../src/core/time-zone.ts';

const iso = (dates: Date[]) => dates.map((d) => d.toISOString());

describe('fire times in a zone', () => {
  it('keeps 09:00 local on Mondays across the Berlin spring change (UTC moves by an hour)', () => {
    expect(iso(nextFireTimes('0 9 * * MON', 'Europe/Berlin', new Date('2026-03-20T00:00:00Z'), 3))).toEqual([
      '2026-03-23T08:00:00.000Z',
      '2026-03-30T07:00:00.000Z',
      '2026-04-06T07:00:00.000Z',
    ]);
  });

  it('keeps 09:00 local across the New York changes', () => {
    expect(iso(nextFireTimes('0 9 * * *', 'America/New_York', new Date('2026-03-07T00:00:00Z'), 3))).toEqual([
      '2026-03-07T14:00:00.000Z',
      '2026-03-08T13:00:00.000Z',
      '2026-03-09T13:00:00.000Z',
    ]);
    expect(iso(nextFireTimes('0 9 * * *', 'America/New_York', new Date('2026-10-31T00:00:00Z'), 2))).toEqual([
      '2026-10-31T13:00:00.000Z',
      '2026-11-01T14:00:00.000Z',
    ]);
  });

  it('skips a wall-clock time that does not exist and fires a repeated one once', () => {
    // Berlin, 29 March 2026: 02:00 -> 03:00. 25 October 2026: 03:00 -> 02:00.
    expect(iso(nextFireTimes('30 2 * * *', 'Europe/Berlin', new Date('2026-03-28T00:00:00Z'), 2))).toEqual([
      '2026-03-28T01:30:00.000Z',
      '2026-03-30T00:30:00.000Z',
    ]);
    expect(iso(nextFireTimes('30 2 * * *', 'Europe/Berlin', new Date('2026-10-24T12:00:00Z'), 2))).toEqual([
      '2026-10-25T00:30:00.000Z',
      '2026-10-26T01:30:00.000Z',
    ]);
    // New York, 1 November 2026: 01:30 happens at 05:30Z (EDT) and 06:30Z (EST); the second maps onto the first.
    expect(canonicalFireTime(new Date('2026-11-01T06:30:00Z'), 'America/New_York').toISOString()).toBe('2026-11-01T05:30:00.000Z');
  });

  it('agrees with node-cron on the next runs in several zones', () => {
    for (const [expression, zone] of [
      ['0 9 * * MON', 'Europe/Berlin'],
      ['*/20 8-10 * * 1-5', 'America/New_York'],
      ['15 6 1 * *', 'Asia/Kolkata'],
      ['0 0 * * SUN', 'Australia/Sydney'],
    ] as const) {
      const task = cron.createTask(expression, () => {}, { timezone: zone });
      const from = new Date();
      const expected = task.getNextRuns(5).map((d) => d.toISOString());
      expect(iso(nextFireTimes(expression, zone, from, 5)), `${expression} ${zone}`).toEqual(expected);
      void task.destroy();
    }
  });

  it('finds the latest fire time at or before an instant', () => {
    expect(previousFireTime('0 9 * * MON', 'Europe/Berlin', new Date('2026-11-25T12:00:00Z'))?.toISOString()).toBe(
      '2026-11-23T08:00:00.000Z',
    );
    expect(previousFireTime('0 9 * * MON', 'Europe/Berlin', new Date('2026-11-23T08:00:00Z'))?.toISOString()).toBe(
      '2026-11-23T08:00:00.000Z',
    );
    expect(nextFireTime('0 9 * * MON', 'Europe/Berlin', new Date('2026-11-23T08:00:00Z'))?.toISOString()).toBe('2026-11-30T08:00:00.000Z');
  });

  it('prints the zone with the local time', () => {
    expect(formatInZone(new Date('2026-11-23T08:00:00Z'), 'Europe/Berlin')).toBe('2026-11-23 09:00 CET (Europe/Berlin)');
    expect(formatInZone(new Date('2026-07-06T07:00:00Z'), 'Europe/Berlin')).toBe('2026-07-06 09:00 CEST (Europe/Berlin)');
    expect(formatInZone(new Date('2026-11-23T14:00:00Z'), 'America/New_York')).toBe('2026-11-23 09:00 EST (America/New_York)');
    expect(formatInZone(new Date('2026-11-23T03:30:00Z'), 'Asia/Kolkata')).toBe('2026-11-23 09:00 GMT+5:30 (Asia/Kolkata)');
  });
});

describe('validation', () => {
  it.each([
    ['0 9 * *', 'it has 4 fields, not 5'],
    ['0 0 9 * * MON', 'it has 6 fields, not 5'],
    ['0 25 * * *', 'the hour field `25`'],
    ['0 9 * * FUNDAY', 'the day of week field `FUNDAY`'],
    ['0 9 L * *', 'L or #'],
    ['0 9 ? * *', 'the day of month field `?` is not valid'],
  ])('rejects %s naming the problem and an example', (expression, problem) => {
    expect(() => parseCron(expression)).toThrow(problem);
    try {
      parseCron(expression);
    } catch (error) {
      expect((error as { text: string }).text).toContain(`\`${expression}\``);
      expect((error as { text: string }).text).toContain('cron="0 9 * * MON"');
    }
  });

  it('accepts IANA zones and names a bad one with an example', () => {
    expect(validateTimeZone('Europe/Berlin')).toBe('Europe/Berlin');
    expect(() => validateTimeZone('Europe/Berlinn')).toThrow('`Europe/Berlinn` is not a time zone I know.');
  });
});
