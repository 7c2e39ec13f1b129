import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import { UserError } from '../core/errors.ts';
import type { Database } from '../store/schema.ts';

export interface CustomerScope {
  /** Null: the whole customer base. */
  ids: string[] | null;
  label: string;
}

/** The customers `/clv` and friends report on: one customer, a segment, or everyone. */
export async function resolveCustomerScope(db: Kysely<Database>, options: { customer?: string; segment?: string }): Promise<CustomerScope> {
  if (options.customer && options.segment) {
    throw new UserError('bad_scope', 'Give either customer= or segment=, not both.', { hint: 'e.g. /clv customer=C-1042, or /clv segment=champions.' });
  }
  if (options.customer) {
    const found = await db.selectFrom('customers').select('customer_id').where('customer_id', '=', options.customer).executeTakeFirst();
    if (!found) {
      throw new UserError('unknown_customer', `There is no customer \`${options.customer}\`.`, { hint: 'Check the id (as in your imported customers file), or leave customer= out for the whole base.' });
    }
    return { ids: [options.customer], label: `customer ${options.customer}` };
  }
  if (options.segment) return { ids: await segmentMembers(db, options.segment), label: `segment ${options.segment}` };
  return { ids: null, label: 'all customers' };
}

/**
 * Members of a named segment. Segments are built by /segment; until its store exists this says so.
 * Reads `segment_members` (segment name or id, customer_id) when that table is there.
 */
async function segmentMembers(db: Kysely<Database>, segment: string): Promise<string[]> {
  const tables = await db.introspection.getTables();
  const members = tables.find((t) => t.name === 'segment_members');
  if (!members) {
    throw new UserError('segments_unavailable', 'Segments are not available yet, so segment= cannot be used.', {
      hint: 'Leave segment= out for the whole base, or customer=<id> for one customer.',
    });
  }
  const columns = new Set(members.columns.map((c) => c.name));
  const key = ['segment_name', 'segment', 'name', 'segment_id'].find((c) => columns.has(c));
  if (!key || !columns.has('customer_id')) {
    throw new UserError('segments_unavailable', 'The segment store has a layout I cannot read yet, so segment= cannot be used.', { hint: 'Leave segment= out for the whole base.' });
  }
  const rows = await sql<{ customer_id: string }>`select distinct customer_id from segment_members where ${sql.ref(key)} = ${segment}`.execute(db);
  if (rows.rows.length === 0) {
    throw new UserError('unknown_segment', `Segment \`${segment}\` has no members (or does not exist).`, { hint: 'List the segments with /segment, then use one of their names.' });
  }
  return rows.rows.map((r) => String(r.customer_id));
}
