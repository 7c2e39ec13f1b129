import { UserError } from '../core/errors.ts';

/**
 * A closed range of business days, `from` and `to` as 'YYYY-MM-DD', with a label for people. The zone
 * decides which day an order or signup stamped with a time falls on (BUSINESS_TZ or the command's tz=).
 */
export interface Period {
  from: string;
  to: string;
  label: string;
  kind: 'month' | 'quarter' | 'range';
  zone: string;
}

const MONTH = /^(\d{4})-(\d{2})$/;
const QUARTER = /^(\d{4})-?Q([1-4])$/i;

function iso(year: number, monthIndex: number, day: number): string {
  return new Date(Date.UTC(year, monthIndex, day)).toISOString().slice(0, 10);
}

export function monthPeriod(year: number, monthIndex: number, zone: string): Period {
  const from = iso(year, monthIndex, 1);
  return { from, to: iso(year, monthIndex + 1, 0), label: from.slice(0, 7), kind: 'month', zone };
}

export function quarterPeriod(year: number, quarterIndex: number, zone: string): Period {
  const first = new Date(Date.UTC(year, quarterIndex * 3, 1));
  const y = first.getUTCFullYear();
  const q = Math.floor(first.getUTCMonth() / 3);
  return { from: iso(y, q * 3, 1), to: iso(y, q * 3 + 3, 0), label: `${y}-Q${q + 1}`, kind: 'quarter', zone };
}

export function rangePeriod(from: string, to: string, zone: string): Period {
  if (to < from)
    throw new UserError('bad_period', `The period ends (${to}) before it starts (${from}).`, { hint: 'Give from= before to=.' });
  return { from, to, label: `${from}..${to}`, kind: 'range', zone };
}

function daysInclusive(period: Period): number {
  return Math.round((Date.parse(period.to) - Date.parse(period.from)) / 86_400_000) + 1;
}

function shiftDays(date: string, days: number): string {
  return new Date(Date.parse(date) + days * 86_400_000).toISOString().slice(0, 10);
}

/** The period of the same kind just before: the previous month or quarter, or an equally long range. */
export function previousPeriod(period: Period): Period {
  const start = new Date(Date.parse(period.from));
  if (period.kind === 'month') return monthPeriod(start.getUTCFullYear(), start.getUTCMonth() - 1, period.zone);
  if (period.kind === 'quarter') return quarterPeriod(start.getUTCFullYear(), Math.floor(start.getUTCMonth() / 3) - 1, period.zone);
  const length = daysInclusive(period);
  return rangePeriod(shiftDays(period.from, -length), shiftDays(period.from, -1), period.zone);
}

/** `count` consecutive periods ending with `period`, oldest first. */
export function trailingPeriods(period: Period, count: number): Period[] {
  const periods = [period];
  while (periods.length < count) periods.unshift(previousPeriod(periods[0]!));
  return periods;
}

/**
 * Resolves `period=month|quarter|YYYY-MM|YYYY-Qn` or `from=`/`to=` (ISO dates). `month` and `quarter`
 * (and no period at all) mean the one holding `latest`, the most recent day with data.
 */
export function resolvePeriod(options: { period?: string; from?: string; to?: string }, latest: string, zone: string): Period {
  const { period, from, to } = options;
  if (from || to) {
    if (period)
      throw new UserError('bad_period', 'Give either period= or from=/to=, not both.', {
        hint: 'e.g. period=2026-Q3, or from=2026-07-01 to=2026-09-30.',
      });
    // from= alone runs to the latest data day; to= alone starts on the first of its month
    return rangePeriod(from ?? (to ?? latest).slice(0, 8) + '01', to ?? latest, zone);
  }
  const text = (period ?? 'month').trim();
  const latestDate = new Date(Date.parse(latest));
  if (text === 'month') return monthPeriod(latestDate.getUTCFullYear(), latestDate.getUTCMonth(), zone);
  if (text === 'quarter') return quarterPeriod(latestDate.getUTCFullYear(), Math.floor(latestDate.getUTCMonth() / 3), zone);
  const month = MONTH.exec(text);
  if (month && Number(month[2]) >= 1 && Number(month[2]) <= 12) return monthPeriod(Number(month[1]), Number(month[2]) - 1, zone);
  const quarter = QUARTER.exec(text);
  if (quarter) return quarterPeriod(Number(quarter[1]), Number(quarter[2]) - 1, zone);
  throw new UserError('bad_period', `\`${text}\` is not a period I understand.`, {
    hint: 'Use period=month, period=quarter, period=2026-10 or period=2026-Q3, or from=YYYY-MM-DD to=YYYY-MM-DD.',
  });
}

/** The day after `date` (exclusive upper bound that also covers timestamps written on `date`). */
export function dayAfter(date: string): string {
  return shiftDays(date, 1);
}
