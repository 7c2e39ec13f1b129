import type { Kysely } from 'kysely';
import { addDays } from '../core/dates.ts';
import { localDate, localTime } from '../core/time-zone.ts';
import type { Database } from '../store/schema.ts';
import type { SourceDefinition } from './definition.ts';

/** The inputs a digest reads, in the order the freshness line names them. */
export const DIGEST_INPUTS = ['orders', 'spend', 'events', 'customers', 'rates'] as const;
export type DigestInput = (typeof DIGEST_INPUTS)[number];
/** Shown even without a source of their kind; customers and rates only when a source feeds them. */
const ALWAYS: readonly DigestInput[] = ['orders', 'spend', 'events'];

export interface InputFreshness {
  kind: DigestInput;
  /** The newest date of this kind: a day (YYYY-MM-DD) or an instant (ISO); null when there is none. */
  through: string | null;
  /** Where `through` comes from: the source(s) synced into this kind, or the store's newest row. */
  from: { sources: string[] } | 'store';
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number) => String(n).padStart(2, '0');

/** The newest stored date of a kind (the same columns the figures read). */
async function newestStored(db: Kysely<Database>, kind: DigestInput): Promise<string | null> {
  const max = async (table: 'orders' | 'spend' | 'events' | 'customers' | 'exchange_rates', column: string) => {
    const row = await db
      .selectFrom(table)
      .select((eb) => eb.fn.max(eb.ref(column as never)).as('newest'))
      .executeTakeFirst();
    return row?.newest ? String(row.newest as string) : null;
  };
  switch (kind) {
    case 'orders':
      return max('orders', 'order_date');
    case 'spend':
      return max('spend', 'date');
    case 'events':
      return max('events', 'occurred_at');
    case 'customers':
      return max('customers', 'signup_date');
    case 'rates':
      return max('exchange_rates', 'date');
  }
}

/**
 * How fresh each input is: for a kind fed by sources, the oldest data_through among them (the least fresh one
 * limits the figures; the sources named in `refresh` first, else every defined source of the kind); for a kind
 * with no source, or whose sources never synced, the newest date in the store.
 */
export async function inputFreshness(
  db: Kysely<Database>,
  sources: readonly SourceDefinition[],
  refresh: readonly string[] = [],
): Promise<InputFreshness[]> {
  const names = [...new Set([...refresh, ...sources.map((s) => s.name)])];
  const states = names.length
    ? await db.selectFrom('source_state').select(['name', 'data_through']).where('name', 'in', names).execute()
    : [];
  const through = new Map(states.map((s) => [s.name, s.data_through]));
  const result: InputFreshness[] = [];
  for (const kind of DIGEST_INPUTS) {
    const ofKind = sources.filter((s) => s.kind === kind);
    const named = ofKind.filter((s) => refresh.includes(s.name));
    const feeding = (named.length ? named : ofKind).filter((s) => through.get(s.name));
    if (feeding.length) {
      const oldest = feeding.map((s) => through.get(s.name)!).sort()[0]!;
      result.push({ kind, through: oldest, from: { sources: feeding.map((s) => s.name) } });
      continue;
    }
    if (!ALWAYS.includes(kind) && !ofKind.length) continue;
    const newest = await newestStored(db, kind);
    if (newest === null && !ALWAYS.includes(kind)) continue;
    result.push({ kind, through: newest, from: 'store' });
  }
  return result;
}

/** "06:02 today", "yesterday", "23:10 yesterday", "3 Dec", "3 Dec 2025": how far a kind's data goes, in the zone. */
export function describeThrough(through: string, now: Date, zone: string): string {
  const instant = through.length > 10;
  const day = instant ? localDate(new Date(through), zone) : through.slice(0, 10);
  const time = instant
    ? (() => {
        const wall = localTime(new Date(through), zone);
        return `${pad(wall.hour)}:${pad(wall.minute)}`;
      })()
    : null;
  const today = localDate(now, zone);
  if (day === today) return time ? `${time} today` : 'today';
  if (day === addDays(today, -1)) return time ? `${time} yesterday` : 'yesterday';
  const [year, month, date] = day.split('-').map(Number) as [number, number, number];
  return `${date} ${MONTHS[month - 1]}${String(year) === today.slice(0, 4) ? '' : ` ${year}`}`;
}

/** "Data: orders to 06:02 today, spend to yesterday, events to 3 Dec" (a kind without data: "events none yet"). */
export function freshnessLine(items: readonly InputFreshness[], now: Date, zone: string): string {
  const parts = items.map((item) =>
    item.through ? `${item.kind} to ${describeThrough(item.through, now, zone)}` : `${item.kind} none yet`,
  );
  return `Data: ${parts.join(', ')}`;
}
