import { createHash } from 'node:crypto';
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { PostedMessage, Platform } from '../core/context.ts';
import type { CampaignApprovalRequestsTable, Database } from '../store/schema.ts';
import { eligibleMembers } from './audience.ts';
import { campaignMembers } from './campaign-members.ts';
import type { Campaign } from './repository.ts';

type Db = Kysely<Database> | Transaction<Database>;
export type ApprovalRequest = Selectable<CampaignApprovalRequestsTable>;
export type RequestStatus = 'pending' | 'approved' | 'rejected' | 'withdrawn' | 'expired';

/** Exactly what an approval is for: who (audience definition and size), what, how, when. */
export interface RequestContent {
  segment: string;
  segment_id: string;
  audience: number;
  /** sha256 of the eligible customer ids: the same size with other people is other content. */
  audience_hash: string;
  channel: string;
  subject: string | null;
  message: string | null;
  holdout_pct: number;
  seed: number;
  start_at: string | null;
  window_days: number;
  budget_cents: number | null;
  cost_per_send_cents: number;
  currency: string;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** The campaign's content as of now (the audience is resolved against today's consent and unsubscribes), and its hash. */
export async function requestContent(db: Kysely<Database>, c: Campaign): Promise<{ content: RequestContent; hash: string }> {
  const members = await campaignMembers(db, c);
  const { eligible } = await eligibleMembers(db, members.customer_ids, c.channel);
  const content: RequestContent = {
    segment: c.segment,
    segment_id: String(members.segment_id),
    audience: eligible.length,
    audience_hash: sha256(eligible.join('\n')),
    channel: c.channel,
    subject: c.subject,
    message: c.message,
    holdout_pct: Number(c.holdout_pct),
    seed: Number(c.seed),
    start_at: c.start_at,
    window_days: Number(c.window_days),
    budget_cents: c.budget_cents === null ? null : Number(c.budget_cents),
    cost_per_send_cents: Number(c.cost_per_send_cents),
    currency: c.currency,
  };
  return { content, hash: sha256(JSON.stringify(content)) };
}

/** What differs between two contents, for the message that withdraws a stale request. */
export function contentDifferences(before: RequestContent, now: RequestContent): string[] {
  return (Object.keys(now) as (keyof RequestContent)[])
    .filter((key) => key !== 'audience_hash' && String(before[key]) !== String(now[key]))
    .map((key) => `${key} ${String(before[key] ?? '—')} → ${String(now[key] ?? '—')}`)
    .concat(before.audience === now.audience && before.audience_hash !== now.audience_hash ? ['audience members'] : []);
}

function normalize(row: ApprovalRequest): ApprovalRequest {
  return { ...row, id: Number(row.id), campaign_id: Number(row.campaign_id), changes_through: Number(row.changes_through) };
}

export async function findRequest(db: Db, id: number): Promise<ApprovalRequest | undefined> {
  const row = await db.selectFrom('campaign_approval_requests').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? normalize(row) : undefined;
}

export async function pendingRequest(db: Db, campaignId: number): Promise<ApprovalRequest | undefined> {
  const row = await db
    .selectFrom('campaign_approval_requests')
    .selectAll()
    .where('campaign_id', '=', campaignId)
    .where('status', '=', 'pending')
    .orderBy('id', 'desc')
    .executeTakeFirst();
  return row ? normalize(row) : undefined;
}

export async function latestRequest(db: Db, campaignId: number, status?: RequestStatus): Promise<ApprovalRequest | undefined> {
  let query = db.selectFrom('campaign_approval_requests').selectAll().where('campaign_id', '=', campaignId);
  if (status) query = query.where('status', '=', status);
  const row = await query.orderBy('id', 'desc').executeTakeFirst();
  return row ? normalize(row) : undefined;
}

/**
 * Closes a pending request (compare-and-set on its status: of two concurrent decisions one wins).
 * Returns false when it was no longer pending.
 */
export async function closeRequest(
  db: Db,
  id: number,
  status: Exclude<RequestStatus, 'pending'>,
  by: string,
  at: Date,
  reason: string | null,
): Promise<boolean> {
  const result = await db
    .updateTable('campaign_approval_requests')
    .set({ status, decided_by: by, decided_at: at.toISOString(), reason })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function saveCard(db: Db, id: number, posted: PostedMessage): Promise<void> {
  await db
    .updateTable('campaign_approval_requests')
    .set({ card_platform: posted.platform, card_channel: posted.channelId, card_messages: JSON.stringify(posted.messageIds) })
    .where('id', '=', id)
    .execute();
}

export function cardOf(request: ApprovalRequest): PostedMessage | null {
  if (!request.card_platform || !request.card_channel || !request.card_messages) return null;
  const messageIds = JSON.parse(request.card_messages) as string[];
  return messageIds.length ? { platform: request.card_platform as Platform, channelId: request.card_channel, messageIds } : null;
}

export const shortHash = (hash: string) => hash.slice(0, 12);
