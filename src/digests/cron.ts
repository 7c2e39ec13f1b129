import cron from 'node-cron';
import { UserError } from '../core/errors.ts';
import { instantOf, localTime } from '../core/time-zone.ts';

/** The sets a 5-field expression allows: minute, hour, day of month, month (1..12), weekday (0 = Sunday). */
export interface CronFields {
  minutes: number[];
  hours: number[];
  days: Set<number>;
  months: Set<number>;
  weekdays: Set<number>;
}

const EXAMPLE = 'e.g. cron="0 9 * * MON" (Mondays at 09:00) or cron="30 8 1 * *" (the 1st of each month at 08:30)';
const ITEM = /^(\*|[0-9A-Za-z]+(-[0-9A-Za-z]+)?)(\/\d+)?$/;
const FIELD_NAMES = ['minute', 'hour', 'day of month', 'month', 'day of week'];
const NODE_CRON_FIELDS: Record<string, string> = {
  second: 'second',
  minute: 'minute',
  hour: 'hour',
  dayOfMonth: 'day of month',
  month: 'month',
  dayOfWeek: 'day of week',
};

function badCron(expression: string, problem: string): UserError {
  return new UserError('bad_cron', `\`${expression}\` is not a cron expression I can schedule: ${problem}.`, {
    hint: `Write five fields — minute hour day-of-month month day-of-week — ${EXAMPLE}.`,
  });
}

/** Checks an expression (five fields, no seconds, no L or #) and returns its allowed values. */
export function parseCron(expression: string): CronFields {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5 || fields[0] === '') throw badCron(expression, `it has ${fields[0] === '' ? 0 : fields.length} fields, not 5`);
  fields.forEach((field, i) => {
    if (!field.split(',').every((item) => ITEM.test(item)))
      throw badCron(expression, `the ${FIELD_NAMES[i]} field \`${field}\` is not valid`);
  });
  if (!cron.validate(expression)) {
    const detail = cron.validateDetailed(expression).errors[0];
    throw badCron(
      expression,
      detail
        ? `the ${NODE_CRON_FIELDS[detail.field] ?? detail.field} field ${detail.value ? `\`${detail.value}\` ` : ''}is out of range or not a known name`
        : 'node-cron rejects it',
    );
  }
  const parsed = cron.parse(expression);
  const numbers = (values: (number | string)[], field: string): number[] => {
    if (values.some((value) => typeof value !== 'number'))
      throw badCron(expression, `the ${field} field uses L or #, which digests do not support`);
    return values as number[];
  };
  return {
    minutes: [...parsed.minute].sort((a, b) => a - b),
    hours: [...parsed.hour].sort((a, b) => a - b),
    days: new Set(numbers(parsed.dayOfMonth, 'day of month')),
    months: new Set(parsed.month),
    weekdays: new Set(numbers(parsed.dayOfWeek, 'day of week').map((day) => day % 7)),
  };
}

const MAX_DAYS = 366 * 8;

function civilDay(year: number, month: number, day: number): { year: number; month: number; day: number; weekday: number } {
  const date = new Date(Date.UTC(year, month - 1, day));
  return { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate(), weekday: date.getUTCDay() };
}

// Day of month AND day of week must both match, as node-cron matches them.
function dayMatches(fields: CronFields, d: { month: number; day: number; weekday: number }): boolean {
  return fields.months.has(d.month) && fields.days.has(d.day) && fields.weekdays.has(d.weekday);
}

/**
 * The first fire time strictly after `after`, read in the zone. A wall-clock time skipped by a DST change
 * does not fire that day; one that happens twice fires once, at its first occurrence.
 */
export function nextFireTime(expression: string | CronFields, timeZone: string, after: Date): Date | null {
  const fields = typeof expression === 'string' ? parseCron(expression) : expression;
  const start = localTime(after, timeZone);
  for (let i = 0; i < MAX_DAYS; i++) {
    const d = civilDay(start.year, start.month, start.day + i);
    if (!dayMatches(fields, d)) continue;
    for (const hour of fields.hours) {
      for (const minute of fields.minutes) {
        const instant = instantOf({ ...d, hour, minute }, timeZone);
        if (instant && instant.getTime() > after.getTime()) return instant;
      }
    }
  }
  return null;
}

/** The latest fire time at or before `atOrBefore` (same DST rules as nextFireTime). */
export function previousFireTime(expression: string | CronFields, timeZone: string, atOrBefore: Date): Date | null {
  const fields = typeof expression === 'string' ? parseCron(expression) : expression;
  const start = localTime(atOrBefore, timeZone);
  const hours = [...fields.hours].reverse();
  const minutes = [...fields.minutes].reverse();
  for (let i = 0; i < MAX_DAYS; i++) {
    const d = civilDay(start.year, start.month, start.day - i);
    if (!dayMatches(fields, d)) continue;
    for (const hour of hours) {
      for (const minute of minutes) {
        const instant = instantOf({ ...d, hour, minute }, timeZone);
        if (instant && instant.getTime() <= atOrBefore.getTime()) return instant;
      }
    }
  }
  return null;
}

/** Fire times strictly after `after`, the next `count` of them. */
export function nextFireTimes(expression: string, timeZone: string, after: Date, count: number): Date[] {
  const fields = parseCron(expression);
  const times: Date[] = [];
  let cursor: Date | null = after;
  while (times.length < count && (cursor = nextFireTime(fields, timeZone, cursor))) times.push(cursor);
  return times;
}

/**
 * The key of the fire time node-cron woke us for: the first occurrence of that wall-clock minute in the zone,
 * so a DST fall-back repeat maps onto the same key as the first and the claim refuses it.
 */
export function canonicalFireTime(instant: Date, timeZone: string): Date {
  const wall = localTime(instant, timeZone);
  return instantOf(wall, timeZone) ?? new Date(Math.floor(instant.getTime() / 60_000) * 60_000);
}
