import { instantOf, localTime } from '../core/time-zone.ts';

/** Quiet hours as minutes of the local day: [start, end), across midnight when start > end. */
export interface QuietHours {
  start: number;
  end: number;
}

const RANGE = /^(\d{1,2})(?::(\d{2}))?\s*-\s*(\d{1,2})(?::(\d{2}))?$/;

/** `21-09`, `21:30-08:00` -> quiet hours; `off` (or empty) -> null; undefined when it cannot be read. */
export function parseQuietHours(text: string): QuietHours | null | undefined {
  const value = text.trim().toLowerCase();
  if (value === '' || value === 'off' || value === 'none') return null;
  const match = RANGE.exec(value);
  if (!match) return undefined;
  const minute = (h: string, m: string | undefined) => {
    const hours = Number(h);
    const minutes = Number(m ?? 0);
    return hours <= 24 && minutes < 60 && hours * 60 + minutes <= 1440 ? (hours * 60 + minutes) % 1440 : Number.NaN;
  };
  const start = minute(match[1]!, match[2]);
  const end = minute(match[3]!, match[4]);
  if (Number.isNaN(start) || Number.isNaN(end) || start === end) return undefined;
  return { start, end };
}

function isQuietMinute(quiet: QuietHours, minute: number): boolean {
  return quiet.start < quiet.end ? minute >= quiet.start && minute < quiet.end : minute >= quiet.start || minute < quiet.end;
}

function minuteOfDay(instant: Date, zone: string): number {
  const wall = localTime(instant, zone);
  return wall.hour * 60 + wall.minute;
}

export function isQuiet(quiet: QuietHours, instant: Date, zone: string): boolean {
  return isQuietMinute(quiet, minuteOfDay(instant, zone));
}

/**
 * When the quiet hours around `now` end in `zone`: the first instant the local clock shows the end time
 * (on a day the clocks change, the night is an hour shorter or longer); null when `now` is not in them.
 * An end time the clocks skip (a spring-forward gap) ends the quiet hours at the jump.
 */
export function quietUntil(quiet: QuietHours, now: Date, zone: string): Date | null {
  if (!isQuiet(quiet, now, zone)) return null;
  const wall = localTime(now, zone);
  const minute = wall.hour * 60 + wall.minute;
  // the end falls on the next local day when the window spans midnight and we are before midnight
  const nextDay = quiet.start > quiet.end && minute >= quiet.start;
  const day = new Date(Date.UTC(wall.year, wall.month - 1, wall.day + (nextDay ? 1 : 0)));
  const end = {
    year: day.getUTCFullYear(),
    month: day.getUTCMonth() + 1,
    day: day.getUTCDate(),
    hour: Math.floor(quiet.end / 60),
    minute: quiet.end % 60,
  };
  const exact = instantOf(end, zone);
  if (exact && exact.getTime() > now.getTime()) return exact;
  // the end time does not exist that day (or, when the clocks go back, came before now): the first minute no longer quiet
  let at = Math.floor(now.getTime() / 60_000) * 60_000;
  for (let step = 0; step < 26 * 60 && isQuiet(quiet, new Date(at), zone); step++) at += 60_000;
  return new Date(at);
}
