import type { Kysely } from 'kysely';
import { excludedDeciders } from '../campaigns/approvals.ts';
import { outboxCountsByCampaign, type OutboxCounts } from '../campaigns/outbox.ts';
import { findCampaign } from '../campaigns/repository.ts';
import { findRequest, type RequestContent } from '../campaigns/requests.ts';
import { deliveryStatus, type DeliveryStatus } from '../campaigns/states.ts';
import type { Caller } from '../core/context.ts';
import { hasRole, type Role } from '../core/roles.ts';
import { nextFireTime } from '../digests/cron.ts';
import { lastRun } from '../digests/runs.ts';
import { scheduleSections } from '../digests/schedules.ts';
import { listRuns, runSegments } from '../segmentation/runs.ts';
import type { Database } from '../store/schema.ts';

/** How many items each part of the home lists; the rest are counted and reached through the typed commands. */
export const HOME_LIMITS = { approvals: 5, campaigns: 8, digests: 5, segments: 8 } as const;

/** Pending requests looked at to find the ones the user may decide (each costs a few queries). */
const PENDING_SCANNED = 50;

export interface WaitingApproval {
  campaign_id: number;
  campaign: string;
  request_id: number;
  requested_by: string;
  requested_at: string;
  expires_at: string;
  audience: number;
  channel: string;
}

export interface OwnCampaign {
  id: number;
  name: string;
  state: string;
  channel: string;
  segment: string;
  /** Null before launch. */
  delivery: (OutboxCounts & { status: DeliveryStatus | null }) | null;
}

export interface OwnDigest {
  id: number;
  platform: string;
  channel_id: string;
  cron: string;
  time_zone: string;
  period: string;
  sections: string[];
  paused: boolean;
  /** ISO instant; null when paused or the expression never fires again. */
  next_run: string | null;
  last_status: string | null;
}

export interface LatestSegmentRun {
  id: number;
  name: string | null;
  method: string;
  customers: number;
  as_of: string;
  created_at: string;
  created_by: string;
  segments: { id: number; name: string; size: number; share: number }[];
}

export interface HomeSummary {
  user_id: string;
  platform: string;
  role: Role;
  /** Null when the user's role cannot approve. */
  approvals: { total: number; shown: WaitingApproval[]; scanned_all: boolean } | null;
  campaigns: { total: number; shown: OwnCampaign[] };
  digests: { total: number; shown: OwnDigest[] };
  segment_run: LatestSegmentRun | null;
}

/** What the home shows one user: what waits for them, what they own, and the latest segmentation. */
export async function homeSummary(db: Kysely<Database>, caller: Caller, role: Role, now: Date): Promise<HomeSummary> {
  return {
    user_id: caller.userId,
    platform: caller.platform,
    role,
    approvals: hasRole(role, 'approver') ? await approvalsWaitingFor(db, caller.userId, now) : null,
    campaigns: await campaignsOf(db, caller),
    digests: await digestsOf(db, caller, now),
    segment_run: await latestSegmentRun(db),
  };
}

/**
 * Pending, unexpired approval requests this user may decide: not the campaign's creator, its submitter, nor
 * anyone who changed it since its last approval (the same rule the approve command applies), oldest first.
 */
export async function approvalsWaitingFor(
  db: Kysely<Database>,
  userId: string,
  now: Date,
): Promise<{ total: number; shown: WaitingApproval[]; scanned_all: boolean }> {
  const pending = await db
    .selectFrom('campaign_approval_requests as r')
    .innerJoin('campaigns as c', 'c.id', 'r.campaign_id')
    .select(['r.id as request_id', 'r.campaign_id'])
    .where('r.status', '=', 'pending')
    .where('c.state', '=', 'pending_approval')
    .where('r.expires_at', '>', now.toISOString())
    .orderBy('r.requested_at')
    .orderBy('r.id')
    .limit(PENDING_SCANNED + 1)
    .execute();
  const waiting: WaitingApproval[] = [];
  for (const row of pending.slice(0, PENDING_SCANNED)) {
    const campaign = await findCampaign(db, Number(row.campaign_id));
    const request = await findRequest(db, Number(row.request_id));
    if (!campaign || !request) continue;
    if ((await excludedDeciders({ db }, campaign, request)).has(userId)) continue;
    const content = JSON.parse(request.content) as RequestContent;
    waiting.push({
      campaign_id: campaign.id,
      campaign: campaign.name,
      request_id: request.id,
      requested_by: request.requested_by,
      requested_at: request.requested_at,
      expires_at: request.expires_at,
      audience: content.audience,
      channel: content.channel,
    });
  }
  return { total: waiting.length, shown: waiting.slice(0, HOME_LIMITS.approvals), scanned_all: pending.length <= PENDING_SCANNED };
}

/** States a campaign stays in for good: listed after the ones still moving. */
const FINAL = ['completed', 'cancelled'];

/** The campaigns the user created on this platform, those still moving first, newest first, with their delivery counts. */
export async function campaignsOf(db: Kysely<Database>, caller: Caller): Promise<{ total: number; shown: OwnCampaign[] }> {
  const rows = await db
    .selectFrom('campaigns')
    .select(['id', 'name', 'state', 'channel', 'segment', 'launched_at'])
    .where('created_by', '=', caller.userId)
    .where('created_platform', '=', caller.platform)
    .orderBy('id', 'desc')
    .execute();
  const ordered = [...rows.filter((r) => !FINAL.includes(r.state)), ...rows.filter((r) => FINAL.includes(r.state))];
  const shown = ordered.slice(0, HOME_LIMITS.campaigns).map((r) => ({ ...r, id: Number(r.id) }));
  const counts = await outboxCountsByCampaign(
    db,
    shown.filter((c) => c.launched_at).map((c) => c.id),
  );
  return {
    total: rows.length,
    shown: shown.map((c) => {
      const o = c.launched_at ? counts.get(c.id) : undefined;
      return {
        id: c.id,
        name: c.name,
        state: c.state,
        channel: c.channel,
        segment: c.segment,
        delivery: o ? { ...o, status: deliveryStatus(c.state, o) } : null,
      };
    }),
  };
}

/** The digest schedules the user created on this platform, with their next fire time and last outcome. */
export async function digestsOf(db: Kysely<Database>, caller: Caller, now: Date): Promise<{ total: number; shown: OwnDigest[] }> {
  const rows = await db
    .selectFrom('digest_schedules')
    .selectAll()
    .where('created_by', '=', caller.userId)
    .where('created_by_platform', '=', caller.platform)
    .orderBy('id')
    .execute();
  const shown: OwnDigest[] = [];
  for (const row of rows.slice(0, HOME_LIMITS.digests)) {
    const schedule = { ...row, id: Number(row.id) };
    const next = schedule.paused ? null : nextFireTime(schedule.cron, schedule.time_zone, now);
    shown.push({
      id: schedule.id,
      platform: schedule.platform,
      channel_id: schedule.channel_id,
      cron: schedule.cron,
      time_zone: schedule.time_zone,
      period: schedule.period,
      sections: scheduleSections(schedule),
      paused: schedule.paused === 1,
      next_run: next?.toISOString() ?? null,
      last_status: (await lastRun(db, schedule.id))?.status ?? null,
    });
  }
  return { total: rows.length, shown };
}

/** The newest complete segmentation run, whoever ran it, with its largest segments. */
export async function latestSegmentRun(db: Kysely<Database>): Promise<LatestSegmentRun | null> {
  const [run] = await listRuns(db, 1);
  if (!run) return null;
  const segments = (await runSegments(db, run.id)).sort((a, b) => b.size - a.size || a.position - b.position);
  return {
    id: run.id,
    name: run.name,
    method: run.method,
    customers: run.customers,
    as_of: run.as_of,
    created_at: run.created_at,
    created_by: run.created_by,
    segments: segments.map((s) => ({ id: s.id, name: s.name, size: s.size, share: s.share })),
  };
}
