import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.ts';
import type { RunRecord, SegmentRecord } from './runs.ts';

export interface SegmentMove {
  from_segment_id: number;
  from: string;
  to_segment_id: number;
  to: string;
  customers: number;
}

export interface RunComparison {
  from_run: number;
  to_run: number;
  /** Counts of customers in both runs, by (from segment, to segment), largest first. */
  moves: SegmentMove[];
  /** Customers in both runs that stayed in a segment of the same name. */
  stayed: number;
  /** Customers only in the newer run / only in the older run. */
  entered: number;
  left: number;
}

/** How customers moved between the segments of two runs (one grouped join on the memberships). */
export async function compareRuns(
  db: Kysely<Database>,
  from: RunRecord,
  to: RunRecord,
  fromSegments: SegmentRecord[],
  toSegments: SegmentRecord[],
): Promise<RunComparison> {
  const rows = await db
    .selectFrom('segment_members as a')
    .innerJoin('segment_members as b', (join) => join.onRef('a.customer_id', '=', 'b.customer_id').on('b.run_id', '=', to.id))
    .select(['a.segment_id as from_id', 'b.segment_id as to_id'])
    .select((eb) => eb.fn.countAll().as('customers'))
    .where('a.run_id', '=', from.id)
    .groupBy(['a.segment_id', 'b.segment_id'])
    .execute();
  const name = new Map<number, string>([...fromSegments, ...toSegments].map((s) => [s.id, s.name]));
  const moves = rows
    .map((r) => ({
      from_segment_id: Number(r.from_id),
      from: name.get(Number(r.from_id)) ?? `#${r.from_id}`,
      to_segment_id: Number(r.to_id),
      to: name.get(Number(r.to_id)) ?? `#${r.to_id}`,
      customers: Number(r.customers),
    }))
    .sort((a, b) => b.customers - a.customers || a.from_segment_id - b.from_segment_id || a.to_segment_id - b.to_segment_id);
  const inBoth = moves.reduce((sum, m) => sum + m.customers, 0);
  const stayed = moves.filter((m) => m.from.toLowerCase() === m.to.toLowerCase()).reduce((sum, m) => sum + m.customers, 0);
  return { from_run: from.id, to_run: to.id, moves, stayed, entered: to.customers - inBoth, left: from.customers - inBoth };
}
