import { z } from 'zod';
import { instantOf, localDate, offsetMinutes, validateTimeZone } from './time-zone.ts';

/**
 * Stored dates are either a calendar day (`YYYY-MM-DD`, written without a time in the file: that
 * day in every zone) or an instant (`YYYY-MM-DDTHH:MM:SS.sssZ`, UTC). The business time zone
 * decides which day an instant belongs to.
 */
export const DATE_ONLY_LENGTH = 10;

const QUARTER_HOUR = 900_000;
const DAY = 86_400_000;

/** Offsets change only on a quarter hour (every zone since 1970): one lookup per quarter hour and zone. */
const offsets = new Map<string, Map<number, number>>();

function offsetAt(ms: number, zone: string): number {
  let byQuarter = offsets.get(zone);
  if (!byQuarter) offsets.set(zone, (byQuarter = new Map()));
  const quarter = Math.floor(ms / QUARTER_HOUR);
  let offset = byQuarter.get(quarter);
  if (offset === undefined) {
    if (byQuarter.size > 200_000) byQuarter.clear();
    offset = offsetMinutes(new Date(quarter * QUARTER_HOUR), zone);
    byQuarter.set(quarter, offset);
  }
  return offset;
}

/** The business day (`YYYY-MM-DD`) a stored date belongs to in the zone. */
export function dayOf(stored: string, zone: string): string {
  if (stored.length <= DATE_ONLY_LENGTH || zone === 'UTC') return stored.slice(0, DATE_ONLY_LENGTH);
  const ms = Date.parse(stored);
  return new Date(ms + offsetAt(ms, zone) * 60_000).toISOString().slice(0, DATE_ONLY_LENGTH);
}

/** The business day of an instant. */
export function dayOfInstant(instant: Date, zone: string): string {
  return zone === 'UTC' ? instant.toISOString().slice(0, DATE_ONLY_LENGTH) : localDate(instant, zone);
}

export function nextDay(day: string): string {
  return new Date(Date.parse(day) + DAY).toISOString().slice(0, DATE_ONLY_LENGTH);
}

const starts = new Map<string, string>();

/**
 * The instant (ISO, UTC) a business day starts: local midnight, or where a clock change skips
 * midnight (America/Santiago, Asia/Beirut...) the first minute of the day that exists.
 */
export function startOfDay(day: string, zone: string): string {
  if (zone === 'UTC') return `${day}T00:00:00.000Z`;
  const key = `${zone} ${day}`;
  let start = starts.get(key);
  if (!start) {
    const [year, month, date] = day.split('-').map(Number) as [number, number, number];
    for (let minute = 0; !start && minute < 24 * 60; minute += 15) {
      start = instantOf({ year, month, day: date, hour: Math.floor(minute / 60), minute: minute % 60 }, zone)?.toISOString();
    }
    start ??= `${day}T00:00:00.000Z`;
    if (starts.size > 10_000) starts.clear();
    starts.set(key, start);
  }
  return start;
}

/** The first instant after the business day (exclusive upper bound for instants). */
export function endOfDay(day: string, zone: string): string {
  return startOfDay(nextDay(day), zone);
}

/** A `tz=` option: an IANA zone; absent means BUSINESS_TZ (see zoneFor). */
export const timeZoneOption = z
  .string()
  .optional()
  .describe('time zone that decides which day an order falls on (default BUSINESS_TZ)')
  .meta({ hint: 'Area/City' });

/** The zone a command buckets days in: its `tz=` when given (checked), else BUSINESS_TZ. */
export function zoneFor(config: { BUSINESS_TZ: string }, tz: string | undefined): string {
  return tz === undefined ? config.BUSINESS_TZ : validateTimeZone(tz);
}

/** Said under figures bucketed in a zone other than UTC. */
export function zoneNote(zone: string): string {
  return `Days are counted in ${zone} (an order at 23:30 there on the 31st belongs to that month).`;
}
