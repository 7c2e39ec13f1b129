import type { Kysely, Transaction } from 'kysely';
import { formatMoney } from '../store/money.ts';
import type { Database } from '../store/schema.ts';
import type { Actor, Campaign } from './repository.ts';
import { countOf } from '../core/format.ts';

type Db = Kysely<Database> | Transaction<Database>;

/** The campaign columns a person can change (create and edit); the rest is state and bookkeeping. */
export const CONTENT_FIELDS = [
  'name',
  'segment',
  'channel',
  'message',
  'subject',
  'budget_cents',
  'cost_per_send_cents',
  'holdout_pct',
  'window_days',
  'start_at',
] as const;
export type ContentField = (typeof CONTENT_FIELDS)[number];

export type FieldChanges = Partial<Record<ContentField, { from: unknown; to: unknown }>>;

/** The fields `set` really changes in `campaign`, with old and new values. */
export function diffContent(campaign: Partial<Campaign> | null, set: Partial<Record<ContentField, unknown>>): FieldChanges {
  const changes: FieldChanges = {};
  for (const field of CONTENT_FIELDS) {
    if (!(field in set) || set[field] === undefined) continue;
    const from = campaign ? (campaign[field] ?? null) : null;
    const to = set[field] ?? null;
    if (from === null ? to !== null : String(from) !== String(to)) changes[field] = { from, to };
  }
  return changes;
}

export async function recordChanges(db: Db, campaignId: number, actor: Actor, at: Date, changes: FieldChanges): Promise<void> {
  if (Object.keys(changes).length === 0) return;
  await db
    .insertInto('campaign_changes')
    .values({
      campaign_id: campaignId,
      user_id: actor.userId,
      platform: actor.platform,
      at: at.toISOString(),
      changes: JSON.stringify(changes),
    })
    .execute();
}

export interface ChangeEntry {
  id: number;
  user_id: string;
  platform: string;
  at: string;
  changes: FieldChanges;
}

export async function changesOf(db: Db, campaignId: number): Promise<ChangeEntry[]> {
  const rows = await db.selectFrom('campaign_changes').selectAll().where('campaign_id', '=', campaignId).orderBy('id').execute();
  return rows.map((r) => ({
    id: Number(r.id),
    user_id: r.user_id,
    platform: r.platform,
    at: r.at,
    changes: JSON.parse(r.changes) as FieldChanges,
  }));
}

/** The newest change's id (0 when none): an approval request covers the changes up to it. */
export async function lastChangeId(db: Db, campaignId: number): Promise<number> {
  const row = await db
    .selectFrom('campaign_changes')
    .select((eb) => eb.fn.max('id').as('last'))
    .where('campaign_id', '=', campaignId)
    .executeTakeFirst();
  return Number(row?.last ?? 0);
}

/** Everyone who changed the campaign after change `afterId` (their changes are not approved yet). */
export async function editorsAfter(db: Db, campaignId: number, afterId: number): Promise<string[]> {
  const rows = await db
    .selectFrom('campaign_changes')
    .select('user_id')
    .distinct()
    .where('campaign_id', '=', campaignId)
    .where('id', '>', afterId)
    .execute();
  return rows.map((r) => r.user_id).sort();
}

const short = (value: unknown) => {
  const text = value === null || value === undefined ? '—' : String(value);
  return text.length > 60 ? `${text.slice(0, 59)}…` : text;
};

/** Each content field in words, as people see it in chat. */
const FIELD_LABELS: Record<ContentField, string> = {
  name: 'name',
  segment: 'audience',
  channel: 'channel',
  message: 'message',
  subject: 'subject',
  budget_cents: 'budget',
  cost_per_send_cents: 'cost per send',
  holdout_pct: 'holdout',
  window_days: 'attribution window',
  start_at: 'start',
};

/** `budget_cents` -> "budget". */
export function fieldLabel(field: string): string {
  return FIELD_LABELS[field as ContentField] ?? field.replace(/_/g, ' ');
}

/** A field's value as chat shows it: money in its currency, the holdout in %, the window in days. */
function fieldValue(field: string, value: unknown, currency: string): string {
  if (value === null || value === undefined) return '—';
  if (field === 'budget_cents' || field === 'cost_per_send_cents') return formatMoney(Number(value), currency);
  if (field === 'holdout_pct') return `${String(value)}%`;
  if (field === 'window_days') return typeof value === 'number' ? countOf(value, 'day') : `${String(value)} days`;
  if (field === 'start_at') return `${String(value).slice(0, 16).replace('T', ' ')} UTC`;
  if (field === 'segment') return short(String(value).replace(/^audience:/, 'predicted '));
  return short(value);
}

/** `message: “20% off” → “30% off”; holdout: 10% → 20%` for the history table. */
export function describeChanges(changes: FieldChanges, currency = 'USD'): string {
  return Object.entries(changes)
    .map(([field, c]) => `${fieldLabel(field)}: ${fieldValue(field, c.from, currency)} → ${fieldValue(field, c.to, currency)}`)
    .join('; ');
}
