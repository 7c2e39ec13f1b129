import type { Kysely } from 'kysely';
import { UserError } from '../core/errors.ts';
import type { Database } from '../store/schema.ts';
import { resolveSegment, segmentMemberIds } from '../segmentation/runs.ts';

export interface CustomerScope {
  /** Null: the whole customer base. */
  ids: string[] | null;
  label: string;
}

/** The customers `/clv` and friends report on: one customer, a segment, or everyone. */
export async function resolveCustomerScope(db: Kysely<Database>, options: { customer?: string; segment?: string }): Promise<CustomerScope> {
  if (options.customer && options.segment) {
    throw new UserError('bad_scope', 'Give either customer= or segment=, not both.', {
      hint: 'e.g. /clv customer=C-1042, or /clv segment=champions.',
    });
  }
  if (options.customer) {
    const found = await db.selectFrom('customers').select('customer_id').where('customer_id', '=', options.customer).executeTakeFirst();
    if (!found) {
      throw new UserError('unknown_customer', `There is no customer \`${options.customer}\`.`, {
        hint: 'Check the id (as in your imported customers file), or leave customer= out for the whole base.',
      });
    }
    return { ids: [options.customer], label: `customer ${options.customer}` };
  }
  if (options.segment) return { ids: await segmentMembers(db, options.segment), label: `segment ${options.segment}` };
  return { ids: null, label: 'all customers' };
}

/** Members of a segment (name, case-insensitive, from the newest run that has it; or its id), via /segment's resolver. */
async function segmentMembers(db: Kysely<Database>, segment: string): Promise<string[]> {
  const record = await resolveSegment(db, segment);
  const ids = await segmentMemberIds(db, record.id);
  if (ids.length === 0)
    throw new UserError('empty_segment', `Segment \`${segment}\` has no members.`, {
      hint: 'See /segment list for the segments and their sizes.',
    });
  return ids;
}
