/** A closed range of days, ISO dates. */
export interface DigestPeriod {
  from: string;
  to: string;
  label: string;
}

export type PeriodKind = 'week' | 'month';

const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The day after `date`: the exclusive upper bound that also covers timestamps written on `date`. */
export function dayAfter(date: string): string {
  return iso(Date.parse(date) + DAY);
}

/**
 * The last complete period before the day a digest goes out: the Monday-to-Sunday week before that day's
 * week, or the calendar month before that day's month.
 */
export function reportedPeriod(kind: PeriodKind, sendDate: string): DigestPeriod {
  const day = Date.parse(sendDate);
  if (kind === 'week') {
    const monday = day - ((new Date(day).getUTCDay() + 6) % 7) * DAY;
    return weekFrom(monday - 7 * DAY);
  }
  const d = new Date(day);
  return monthOf(d.getUTCFullYear(), d.getUTCMonth() - 1);
}

function weekFrom(mondayMs: number): DigestPeriod {
  const from = iso(mondayMs);
  return { from, to: iso(mondayMs + 6 * DAY), label: `week of ${from}` };
}

function monthOf(year: number, monthIndex: number): DigestPeriod {
  const from = iso(Date.UTC(year, monthIndex, 1));
  return { from, to: iso(Date.UTC(year, monthIndex + 1, 0)), label: from.slice(0, 7) };
}

/** `count` consecutive periods of the kind ending with `last`, oldest first. */
export function trailingPeriods(kind: PeriodKind, last: DigestPeriod, count: number): DigestPeriod[] {
  const periods = [last];
  while (periods.length < count) {
    const first = Date.parse(periods[0]!.from);
    if (kind === 'week') periods.unshift(weekFrom(first - 7 * DAY));
    else {
      const d = new Date(first);
      periods.unshift(monthOf(d.getUTCFullYear(), d.getUTCMonth() - 1));
    }
  }
  return periods;
}
