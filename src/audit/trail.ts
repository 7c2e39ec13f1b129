import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { AuditOutcome } from '../core/audit.ts';
import { addDays, isValidIsoDate } from '../core/dates.ts';
import { userIdFromMention } from '../core/mention.ts';
import type { Database } from '../store/schema.ts';
import type { AuditRow, OutcomeKind } from './words.ts';

export interface AuditFilters {
  /** A user id or mention; also matches the name the platform gave (`jane`). */
  user?: string;
  /** `campaign` (every action of it) or `campaign approve`. */
  command?: string;
  outcome?: OutcomeKind;
  /** A date: entries from its start on. */
  since?: string;
  /** A date (to its end) or an instant (up to and including it). */
  until?: string;
}

export const OUTCOME_KINDS = ['ok', 'refused', 'error'] as const;

const STORED_OUTCOMES: Record<OutcomeKind, AuditOutcome[]> = { ok: ['ok'], refused: ['denied'], error: ['user_error', 'error'] };

const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

/** `until=`: a date, or the instant a "More" button fixes so new entries do not shift the pages. */
export const dateOrInstant = z
  .string()
  .refine(
    (value) => isValidIsoDate(value) || (INSTANT.test(value) && !Number.isNaN(Date.parse(value))),
    'must be a date written YYYY-MM-DD, e.g. 2026-11-30 (or a time such as 2026-11-30T14:02:00Z)',
  )
  .meta({ hint: 'YYYY-MM-DD' });

function filtered(db: Kysely<Database>, filters: AuditFilters) {
  let query = db.selectFrom('audit_log');
  if (filters.user) {
    const id = userIdFromMention(filters.user);
    query = query.where((eb) => eb.or([eb('user_id', '=', id), eb(eb.fn('lower', ['user_name']), '=', id.toLowerCase())]));
  }
  if (filters.command) {
    const command = filters.command.trim().replace(/^\//, '').replace(/\s+/g, ' ').toLowerCase();
    query = query.where((eb) => eb.or([eb('command', '=', command), eb('command', 'like', `${command} %`)]));
  }
  if (filters.outcome) query = query.where('outcome', 'in', STORED_OUTCOMES[filters.outcome]);
  if (filters.since) query = query.where('at', '>=', filters.since);
  if (filters.until) {
    const until = filters.until;
    query = isValidIsoDate(until) ? query.where('at', '<', addDays(until, 1)) : query.where('at', '<=', new Date(until).toISOString());
  }
  return query;
}

export async function countAudit(db: Kysely<Database>, filters: AuditFilters): Promise<number> {
  const row = await filtered(db, filters)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** One page of entries, newest first (pages count from 1). */
export async function auditPage(db: Kysely<Database>, filters: AuditFilters, page: number, size: number): Promise<AuditRow[]> {
  return filtered(db, filters)
    .selectAll()
    .orderBy('id', 'desc')
    .limit(size)
    .offset((page - 1) * size)
    .execute();
}

/** The newest `max` entries, newest first, a batch at a time. */
export async function* auditBatches(db: Kysely<Database>, filters: AuditFilters, max: number, batch = 1_000): AsyncGenerator<AuditRow[]> {
  let before: number | undefined;
  let left = max;
  while (left > 0) {
    let query = filtered(db, filters).selectAll();
    if (before !== undefined) query = query.where('id', '<', before);
    const rows = await query.orderBy('id', 'desc').limit(Math.min(batch, left)).execute();
    if (rows.length === 0) return;
    yield rows;
    left -= rows.length;
    before = Number(rows[rows.length - 1]!.id);
  }
}
