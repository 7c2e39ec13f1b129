import { UserError } from './errors.ts';

/** A wall-clock time in some zone. Months are 1..12; weekday 0 = Sunday. */
export interface LocalTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const WEEKDAYS: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

function formatter(timeZone: string): Intl.DateTimeFormat {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      weekday: 'short',
    });
    formatters.set(timeZone, format);
  }
  return format;
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** The zone as written, or a UserError that names it and shows how to write one. */
export function validateTimeZone(timeZone: string): string {
  if (isValidTimeZone(timeZone)) return canonicalZone(timeZone);
  const known = Intl.supportedValuesOf('timeZone');
  const lower = timeZone.toLowerCase();
  const close = known.filter((zone) => zone.toLowerCase().includes(lower.split('/').pop() ?? lower)).slice(0, 3);
  throw new UserError('bad_time_zone', `\`${timeZone}\` is not a time zone I know.`, {
    hint: `Use an IANA zone name such as tz=Europe/Berlin, tz=America/New_York or tz=UTC${close.length ? ` (did you mean ${close.join(', ')}?)` : ''}.`,
  });
}

export function canonicalZone(timeZone: string): string {
  return new Intl.DateTimeFormat('en-US', { timeZone }).resolvedOptions().timeZone;
}

export function localTime(instant: Date, timeZone: string): LocalTime {
  const parts: Record<string, string> = {};
  for (const part of formatter(timeZone).formatToParts(instant)) parts[part.type] = part.value;
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    weekday: WEEKDAYS[parts.weekday!]!,
  };
}

function sameWallClock(a: LocalTime, b: Omit<LocalTime, 'weekday'>): boolean {
  return a.year === b.year && a.month === b.month && a.day === b.day && a.hour === b.hour && a.minute === b.minute;
}

/**
 * The instant a wall-clock minute happens in the zone: the earlier one when it happens twice (DST ends),
 * null when it never happens (the hour skipped when DST starts).
 */
export function instantOf(wall: Omit<LocalTime, 'weekday'>, timeZone: string): Date | null {
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute);
  // Offsets in the world lie within -12h..+14h; the candidates are asUtc minus the offsets around it.
  const offsets = new Set<number>();
  for (const probe of [asUtc - 86_400_000, asUtc, asUtc + 86_400_000]) offsets.add(offsetMinutes(new Date(probe), timeZone));
  const candidates = [...offsets].map((offset) => asUtc - offset * 60_000).sort((a, b) => a - b);
  for (const candidate of candidates) {
    if (sameWallClock(localTime(new Date(candidate), timeZone), wall)) return new Date(candidate);
  }
  return null;
}

/** Minutes the zone is ahead of UTC at that instant. */
export function offsetMinutes(instant: Date, timeZone: string): number {
  const wall = localTime(instant, timeZone);
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute);
  return Math.round((asUtc - Math.floor(instant.getTime() / 60_000) * 60_000) / 60_000);
}

const pad = (n: number) => String(n).padStart(2, '0');

/** `2026-03-30 09:00 CEST (Europe/Berlin)` */
export function formatInZone(instant: Date, timeZone: string): string {
  const wall = localTime(instant, timeZone);
  return `${wall.year}-${pad(wall.month)}-${pad(wall.day)} ${pad(wall.hour)}:${pad(wall.minute)} ${abbreviation(instant, timeZone)} (${timeZone})`;
}

/** EDT, CEST, BST where a locale has a name for it (en-US knows American zones, en-GB European ones), else GMT+5:30. */
function abbreviation(instant: Date, timeZone: string): string {
  const names = ['en-US', 'en-GB'].map(
    (locale) =>
      new Intl.DateTimeFormat(locale, { timeZone, timeZoneName: 'short' }).formatToParts(instant).find((p) => p.type === 'timeZoneName')
        ?.value ?? '',
  );
  return names.find((name) => !/^GMT[+-]/.test(name)) ?? names[0]!;
}

/** The local calendar date of an instant, `YYYY-MM-DD`. */
export function localDate(instant: Date, timeZone: string): string {
  const wall = localTime(instant, timeZone);
  return `${wall.year}-${pad(wall.month)}-${pad(wall.day)}`;
}
