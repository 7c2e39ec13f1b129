import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Config } from '../config/config.ts';
import type { ProgressUpdate } from '../core/context.ts';
import { UserError } from '../core/errors.ts';
import { currentLease, instanceOwner, withLease, type WithLeaseResult } from '../store/locks.ts';
import type { Database } from '../store/schema.ts';
import { drawHoldout, eligibleMembers, resolveMembers } from './audience.ts';
import { createDeliverer, type Channel, type Deliverer, type DelivererOverrides } from './delivery/index.ts';
import { assertChannelReady } from './delivery/index.ts';
import {
  MAX_ATTEMPTS,
  markAttempted,
  markFailed,
  markSent,
  outboxCounts,
  owedRecipients,
  skipWithdrawn,
  writeAudienceAndOutbox,
  type OutboxCounts,
} from './outbox.ts';
import { getCampaign, transition, type Actor, type Campaign } from './repository.ts';
import { audienceSource } from './segment-source.ts';

/** What launching needs: the bot provides all of it (`Bot` satisfies this shape). */
export interface CampaignDeps {
  db: Kysely<Database>;
  config: Config;
  logger: Logger;
  now: () => Date;
  /** Channel knobs (tests: short backoff). */
  delivery?: DelivererOverrides;
  /** Launch lease time to live; default LAUNCH_LEASE_MS (tests: short, to resume quickly). */
  leaseMs?: number;
}

export interface LaunchResult {
  campaign_id: number;
  audience: number;
  recipients: number;
  holdout: number;
  outbox: OutboxCounts;
  state: string;
  resumed: boolean;
}

/** How long a launch lease lasts without renewal: another instance resumes a dead launcher's delivery after this. */
export const LAUNCH_LEASE_MS = 60_000;

export const launchLeaseKey = (campaignId: number) => `campaign-launch:${campaignId}`;

const processOwner = instanceOwner('campaigns');
let leaseSeq = 0;

/**
 * Runs `work` holding the campaign's launch lease, renewed while it runs. Each call is its own owner,
 * so a second launch or resume of the same campaign, in this process or another, finds it busy.
 */
function underLaunchLease<T>(
  deps: CampaignDeps,
  campaignId: number,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<WithLeaseResult<T>> {
  return withLease(deps.db, launchLeaseKey(campaignId), `${processOwner}#${++leaseSeq}`, deps.leaseMs ?? LAUNCH_LEASE_MS, work);
}

/**
 * Launches an approved campaign: freezes the audience (members now, consented, not unsubscribed),
 * draws the holdout with the campaign's seed, writes the outbox and moves to launching in one
 * transaction, then delivers to everyone owed and goes live; all under the campaign's launch lease.
 */
export async function launchCampaign(
  deps: CampaignDeps,
  campaignRef: Campaign | number,
  actor: Actor,
  onProgress?: (update: ProgressUpdate) => void,
): Promise<LaunchResult> {
  const id = typeof campaignRef === 'number' ? campaignRef : campaignRef.id;
  const outcome = await underLaunchLease(deps, id, (signal) => launchLeased(deps, id, actor, onProgress, signal));
  if (!outcome.ran) {
    throw new UserError(
      'launch_running',
      `Campaign #${id} is being launched right now${outcome.holder ? ` (by ${outcome.holder})` : ''}.`,
      {
        hint: `Follow it with /campaign show ${id}.`,
      },
    );
  }
  return outcome.value;
}

/** Launches `id` if it is due and nobody else is launching it; undefined when another instance has it. */
export async function launchIfFree(deps: CampaignDeps, id: number, actor: Actor): Promise<LaunchResult | undefined> {
  const outcome = await underLaunchLease(deps, id, async (signal) => {
    if ((await getCampaign(deps.db, id)).state !== 'approved') return undefined;
    return launchLeased(deps, id, actor, undefined, signal);
  });
  return outcome.ran ? outcome.value : undefined;
}

async function launchLeased(
  deps: CampaignDeps,
  id: number,
  actor: Actor,
  onProgress: ((update: ProgressUpdate) => void) | undefined,
  signal: AbortSignal,
): Promise<LaunchResult> {
  const campaign = await getCampaign(deps.db, id);
  assertChannelReady(deps.config, campaign.channel);
  const members = await resolveMembers(audienceSource(), deps.db, campaign.segment);
  const { eligible } = await eligibleMembers(deps.db, members.customer_ids, campaign.channel);
  const split = drawHoldout(eligible, campaign.holdout_pct, campaign.seed);
  const at = deps.now();
  const launching = await transition(
    deps.db,
    campaign,
    {
      to: 'launching',
      actor,
      at,
      reason: `audience frozen: ${eligible.length} eligible of ${members.customer_ids.length} in ${members.segment_name}; ${split.holdout.length} held out`,
      set: { launched_by: actor.userId, launched_at: at.toISOString(), audience_size: eligible.length, holdout_size: split.holdout.length },
    },
    (trx) => writeAudienceAndOutbox(trx, campaign.id, split, at.toISOString()),
  );
  return deliverAndGoLive(deps, launching, onProgress, false, signal);
}

async function deliverAndGoLive(
  deps: CampaignDeps,
  campaign: Campaign,
  onProgress: ((update: ProgressUpdate) => void) | undefined,
  resumed: boolean,
  signal: AbortSignal,
): Promise<LaunchResult> {
  const deliverer = createDeliverer(deps.config, campaign.channel as Channel, deps.logger, deps.delivery);
  try {
    await deliverOutbox(deps, campaign, deliverer, onProgress, signal);
  } finally {
    await deliverer.close?.();
  }
  const outbox = await outboxCounts(deps.db, campaign.id);
  const fresh = await getCampaign(deps.db, campaign.id);
  const live =
    fresh.state === 'launching'
      ? await transition(deps.db, fresh, {
          to: 'live',
          actor: { userId: 'growthbot', platform: 'scheduler' },
          at: deps.now(),
          reason: `delivery finished: ${outbox.sent} sent, ${outbox.failed} failed${outbox.skipped ? `, ${outbox.skipped} skipped (consent withdrawn)` : ''}${resumed ? ' (resumed after an interruption)' : ''}`,
          set: { live_at: deps.now().toISOString() },
        })
      : fresh;
  return {
    campaign_id: campaign.id,
    audience: live.audience_size ?? 0,
    recipients: outbox.total,
    holdout: live.holdout_size ?? 0,
    outbox,
    state: live.state,
    resumed,
  };
}

/** Delivers to every recipient still pending and still consenting; each batch is marked attempted before and sent/failed after. */
export async function deliverOutbox(
  deps: CampaignDeps,
  campaign: Campaign,
  deliverer: Deliverer,
  onProgress?: (update: ProgressUpdate) => void,
  /** Aborts between batches (the launch lease was taken over: another instance delivers now). */
  signal?: AbortSignal,
): Promise<void> {
  const start = await outboxCounts(deps.db, campaign.id);
  let done = start.sent + start.failed + start.skipped;
  const stamp = () => deps.now().toISOString();
  for (;;) {
    signal?.throwIfAborted();
    done += await skipWithdrawn(deps.db, campaign.id, stamp());
    const batch = await owedRecipients(deps.db, campaign.id, deliverer.batchSize);
    if (batch.length === 0) {
      // whoever withdrew between the skip and the select is left out by the select; mark them too
      await skipWithdrawn(deps.db, campaign.id, stamp());
      break;
    }
    const exhausted = batch.filter((r) => r.attempts >= MAX_ATTEMPTS);
    for (const r of exhausted)
      await markFailed(deps.db, campaign.id, r.customer_id, `no answer after ${r.attempts} tries across restarts`, stamp());
    const owed = batch.filter((r) => r.attempts < MAX_ATTEMPTS);
    if (owed.length === 0) continue;
    await markAttempted(
      deps.db,
      campaign.id,
      owed.map((r) => r.customer_id),
      stamp(),
    );
    const results = await deliverer.deliver(campaign, owed);
    await markSent(
      deps.db,
      campaign.id,
      results.filter((r) => r.ok).map((r) => r.customer_id),
      stamp(),
    );
    for (const r of results) if (!r.ok) await markFailed(deps.db, campaign.id, r.customer_id, r.error ?? 'failed', stamp());
    done += batch.length;
    onProgress?.({
      fraction: start.total ? done / start.total : null,
      message: `delivered ${done} of ${start.total} (${campaign.channel})`,
    });
  }
}

/**
 * Finishes every launch a crash or a dead instance interrupted: delivers to everyone still owed (never
 * again to anyone marked sent) and moves the campaign live. A launch whose lease someone holds (this
 * process or another live instance) is left to them. Called at start and on every scheduler tick, so a
 * live instance picks up a dead one's launch once its lease expires.
 */
export async function resumeLaunches(deps: CampaignDeps): Promise<LaunchResult[]> {
  const stuck = await deps.db.selectFrom('campaigns').select('id').where('state', '=', 'launching').orderBy('id').execute();
  const results: LaunchResult[] = [];
  for (const { id } of stuck) {
    const campaignId = Number(id);
    if (await currentLease(deps.db, launchLeaseKey(campaignId))) continue;
    try {
      const outcome = await underLaunchLease(deps, campaignId, async (signal) => {
        const campaign = await getCampaign(deps.db, campaignId);
        if (campaign.state !== 'launching') return undefined;
        const owed = await outboxCounts(deps.db, campaign.id);
        deps.logger.info({ campaign_id: campaign.id, pending: owed.pending }, 'resuming an interrupted campaign launch');
        return deliverAndGoLive(deps, campaign, undefined, true, signal);
      });
      if (outcome.ran && outcome.value) results.push(outcome.value);
    } catch (error) {
      deps.logger.error({ err: error, campaign_id: campaignId }, 'could not resume the campaign launch; it stays launching');
    }
  }
  return results;
}
