import { plural } from '../core/format.ts';
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.ts';
import { dayAfter } from './periods.ts';

/** One spend row's part in a range of days, cents (fractional when a monthly row is cut). */
export interface SpendShare {
  /** The row's date, or for a monthly row spread by day, each day it covers. */
  date: string;
  channel: string;
  campaign: string;
  currency: string;
  cents: number;
}

export interface SpendInRange {
  shares: SpendShare[];
  /** Monthly rows the range cuts: only their share of days counts. */
  prorated: number;
}

const DAY = 86_400_000;
const monthStart = (day: string) => `${day.slice(0, 7)}-01`;
function monthEnd(day: string): string {
  const d = new Date(`${monthStart(day)}T00:00:00Z`);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).toISOString().slice(0, 10);
}
const days = (from: string, to: string) => Math.round((Date.parse(to) - Date.parse(from)) / DAY) + 1;
const addDays = (day: string, n: number) => new Date(Date.parse(day) + n * DAY).toISOString().slice(0, 10);

/**
 * The spend of the days from..to: daily rows dated in it, and every monthly row that overlaps it,
 * prorated by day (a month's spend over its days). With `byDay`, a monthly row is spread over each
 * day it covers instead of one share. `campaign` keeps one campaign's rows.
 */
export async function spendIn(
  db: Kysely<Database>,
  from: string,
  to: string,
  options: { campaign?: string; byDay?: boolean } = {},
): Promise<SpendInRange> {
  let query = db
    .selectFrom('spend')
    .select(['date', 'channel', 'campaign', 'currency', 'amount_cents', 'booked'])
    .where((eb) =>
      eb.or([
        eb.and([eb('booked', '<>', 'month'), eb('date', '>=', from), eb('date', '<', dayAfter(to))]),
        eb.and([eb('booked', '=', 'month'), eb('date', '>=', monthStart(from)), eb('date', '<', dayAfter(to))]),
      ]),
    );
  if (options.campaign) query = query.where('campaign', '=', options.campaign);
  const rows = await query.execute();
  const shares: SpendShare[] = [];
  let prorated = 0;
  for (const row of rows) {
    const date = String(row.date).slice(0, 10);
    const base = { channel: row.channel, campaign: row.campaign, currency: row.currency };
    const cents = Number(row.amount_cents);
    if (row.booked !== 'month') {
      shares.push({ ...base, date, cents });
      continue;
    }
    const end = monthEnd(date);
    const first = date > from ? date : from;
    const last = end < to ? end : to;
    if (last < first) continue;
    const covered = days(first, last);
    const monthDays = days(date, end);
    if (covered < monthDays) prorated++;
    if (options.byDay) for (let i = 0; i < covered; i++) shares.push({ ...base, date: addDays(first, i), cents: cents / monthDays });
    else shares.push({ ...base, date: first, cents: (cents * covered) / monthDays });
  }
  return { shares, prorated };
}

/** The answer's note when monthly spend was cut by the period; null when none was. */
export function proratedNote(prorated: number): string | null {
  return prorated > 0
    ? `Spend booked by month is prorated by day where the period cuts a month (${prorated} monthly ${plural(prorated, 'row')}).`
    : null;
}
