import { sql, type RawBuilder, type SqlBool } from 'kysely';
import { DATE_ONLY_LENGTH, endOfDay, nextDay, startOfDay } from '../core/business-day.ts';

/**
 * Stored dates (calendar days `YYYY-MM-DD` or UTC instants, see core/business-day.ts) that fall on the
 * business days `from`..`to` (inclusive; either may be null for no bound) in the zone. In UTC one text
 * range covers both kinds; elsewhere a day and an instant have different bounds, under a wider range
 * that an index can still use.
 */
export function onDays(column: string, from: string | null, to: string | null, zone: string): RawBuilder<SqlBool> {
  const ref = sql.ref(column);
  if (zone === 'UTC') {
    if (from && to) return sql<SqlBool>`(${ref} >= ${from} and ${ref} < ${nextDay(to)})`;
    if (from) return sql<SqlBool>`${ref} >= ${from}`;
    if (to) return sql<SqlBool>`${ref} < ${nextDay(to)}`;
    return sql<SqlBool>`1 = 1`;
  }
  const dayParts: RawBuilder<unknown>[] = [];
  const instantParts: RawBuilder<unknown>[] = [];
  const outer: RawBuilder<unknown>[] = [];
  if (from) {
    const start = startOfDay(from, zone);
    dayParts.push(sql`${ref} >= ${from}`);
    instantParts.push(sql`${ref} >= ${start}`);
    outer.push(sql`${ref} >= ${start < from ? start : from}`);
  }
  if (to) {
    const end = endOfDay(to, zone);
    const after = nextDay(to);
    dayParts.push(sql`${ref} < ${after}`);
    instantParts.push(sql`${ref} < ${end}`);
    outer.push(sql`${ref} < ${end > after ? end : after}`);
  }
  if (!outer.length) return sql<SqlBool>`1 = 1`;
  const and = (parts: RawBuilder<unknown>[]) => sql.join(parts, sql` and `);
  return sql<SqlBool>`(${and(outer)} and ((length(${ref}) = ${DATE_ONLY_LENGTH} and ${and(dayParts)}) or (length(${ref}) > ${DATE_ONLY_LENGTH} and ${and(instantParts)})))`;
}

/** Stored dates on or before the business day `day` (an `as_of` cut: to the end of that day in the zone). */
export function upToDay(column: string, day: string, zone: string): RawBuilder<SqlBool> {
  return onDays(column, null, day, zone);
}
