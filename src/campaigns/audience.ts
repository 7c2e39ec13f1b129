import type { Kysely } from 'kysely';
import { UserError } from '../core/errors.ts';
import type { Database } from '../store/schema.ts';
import { seededRandom, shuffle } from '../util/random.ts';

/** A segment's members right now. */
export interface SegmentMembers {
  segment_id: string;
  segment_name: string;
  customer_ids: string[];
}

/** Where campaign audiences come from: /segment's stored runs, or anything that names customers. */
export interface AudienceSource {
  /** The segment's current members, or null when no segment has that name or id. */
  members(db: Kysely<Database>, nameOrId: string): Promise<SegmentMembers | null>;
}

/** Works before any segmentation: `all` is every customer. */
export const allCustomersSource: AudienceSource = {
  async members(db, nameOrId) {
    if (nameOrId.trim().toLowerCase() !== 'all') return null;
    const rows = await db.selectFrom('customers').select('customer_id').orderBy('customer_id').execute();
    return { segment_id: 'all', segment_name: 'all customers', customer_ids: rows.map((r) => r.customer_id) };
  },
};

export async function resolveMembers(source: AudienceSource, db: Kysely<Database>, segment: string): Promise<SegmentMembers> {
  const members = (await source.members(db, segment)) ?? (await allCustomersSource.members(db, segment));
  if (!members) {
    throw new UserError('segment_not_found', `No segment \`${segment}\`.`, {
      hint: 'Name a segment from /segment run (its name or id), or segment=all for every customer.',
    });
  }
  return members;
}

export interface Eligibility {
  eligible: string[];
  excluded: { no_consent: number; unsubscribed: number; no_email: number; no_phone: number; unknown: number };
}

const CHUNK = 500;

/**
 * Members who may be contacted: known customers who consented (for SMS: to SMS), with no unsubscribe
 * standing (an `unsubscribed` event from any campaign, not followed by a newer dated consent), and, for
 * email, an address; for SMS, a phone number. Sorted by id.
 */
export async function eligibleMembers(db: Kysely<Database>, customerIds: string[], channel: string): Promise<Eligibility> {
  const ids = [...new Set(customerIds)].sort();
  const excluded = { no_consent: 0, unsubscribed: 0, no_email: 0, no_phone: 0, unknown: 0 };
  const eligible: string[] = [];
  for (let i = 0; i < ids.length; i += CHUNK) {
    const chunk = ids.slice(i, i + CHUNK);
    const customers = await db
      .selectFrom('customers')
      .select(['customer_id', 'consent', 'consent_updated_at', 'email', 'phone', 'sms_consent'])
      .where('customer_id', 'in', chunk)
      .execute();
    const lastUnsubscribe = new Map(
      (
        await db
          .selectFrom('events')
          .select((eb) => ['customer_id', eb.fn.max('occurred_at').as('at')])
          .where('type', '=', 'unsubscribed')
          .where('customer_id', 'in', chunk)
          .groupBy('customer_id')
          .execute()
      ).map((r) => [r.customer_id, r.at]),
    );
    const byId = new Map(customers.map((c) => [c.customer_id, c]));
    for (const id of chunk) {
      const customer = byId.get(id);
      const unsubscribed = lastUnsubscribe.get(id);
      if (!customer) excluded.unknown++;
      else if (unsubscribed !== undefined && (customer.consent_updated_at === null || unsubscribed >= customer.consent_updated_at))
        excluded.unsubscribed++;
      else if (Number(channel === 'sms' ? customer.sms_consent : customer.consent) !== 1) excluded.no_consent++;
      else if (channel === 'email' && !customer.email) excluded.no_email++;
      else if (channel === 'sms' && !customer.phone) excluded.no_phone++;
      else eligible.push(id);
    }
  }
  return { eligible, excluded };
}

export function holdoutCount(audience: number, holdoutPct: number): number {
  return Math.round((audience * holdoutPct) / 100);
}

/** Deterministic split: the same members and seed always give the same holdout. */
export function drawHoldout(eligible: string[], holdoutPct: number, seed: number): { recipients: string[]; holdout: string[] } {
  const order = shuffle(seededRandom(seed), [...eligible].sort());
  const k = holdoutCount(order.length, holdoutPct);
  const holdout = order.slice(0, k).sort();
  const recipients = order.slice(k).sort();
  return { recipients, holdout };
}
