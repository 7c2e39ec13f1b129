import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Config } from '../config/config.ts';
import type { MessageUpdater, Notifier, Platform, PostedMessage, ProgressUpdate } from '../core/context.ts';
import { countOf, formatCount } from '../core/format.ts';
import { progressBar, throttleProgress } from '../core/progress.ts';
import { reply, type View } from '../core/reply.ts';
import { UserError } from '../core/errors.ts';
import { currentLease, instanceOwner, withLease, type WithLeaseResult } from '../store/locks.ts';
import type { Database } from '../store/schema.ts';
import { drawHoldout, eligibleMembers } from './audience.ts';
import { campaignMembers } from './campaign-members.ts';
import { createDeliverer, type Channel, type Deliverer, type DelivererOverrides, type Recipient } from './delivery/index.ts';
import { sendingPersonalizer, type Personalizer } from './merge/resolve.ts';
import { dayOf } from '../core/business-day.ts';
import { assertChannelReady } from './delivery/index.ts';
import { retryDelayMs, retryPolicy } from './delivery/retry.ts';
import {
  MAX_ATTEMPTS,
  hasDueRows,
  hasUnansweredRows,
  markAttempted,
  markFailed,
  markHeld,
  markSent,
  markWaiting,
  nextAttemptAt,
  outboxCounts,
  owedRecipients,
  recordProviderIds,
  skipWithdrawn,
  writeAudienceAndOutbox,
  type OutboxCounts,
} from './outbox.ts';
import { getCampaign, SYSTEM_ACTOR, transition, type Actor, type Campaign } from './repository.ts';
import { assertTransition, deliveryStatus, stateLabel, type DeliveryStatus } from './states.ts';
import { utc } from './views.ts';
import { withdrawSmsConsent } from './sms-replies.ts';

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
  /** Jitter of retry waits; default Math.random (tests: seeded). */
  random?: () => number;
  /** Where delivery progress and the final summary are posted (the bot's notifier); without it, nothing is posted. */
  notify?: Notifier;
  updatePosted?: MessageUpdater;
}

export interface LaunchResult {
  campaign_id: number;
  audience: number;
  recipients: number;
  holdout: number;
  outbox: OutboxCounts;
  state: string;
  /** sending, sent, sent with failures (or paused, cancelled). */
  delivery: DeliveryStatus | null;
  /** When the next waiting recipient is tried again (while sending). */
  next_attempt_at: string | null;
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
  // live -> launching is a retry of failed recipients, never a second launch
  if (campaign.state !== 'approved') {
    assertTransition(campaign, 'launching');
    throw new UserError('invalid_transition', `Campaign #${campaign.id} is *${stateLabel(campaign.state)}*: it was launched already.`, {
      hint: `Send the failed recipients again with /campaign retry ${campaign.id}; see it with /campaign show ${campaign.id}.`,
      context: { from: campaign.state, to: 'launching' },
    });
  }
  assertChannelReady(deps.config, campaign.channel);
  const members = await campaignMembers(deps.db, campaign);
  const { eligible } = await eligibleMembers(deps.db, members.customer_ids, campaign.channel);
  const split = drawHoldout(eligible, campaign.holdout_pct, campaign.seed);
  const at = deps.now();
  const target = deliveryTarget(campaign, actor);
  const launching = await transition(
    deps.db,
    campaign,
    {
      to: 'launching',
      actor,
      at,
      reason: `audience frozen: ${eligible.length} eligible of ${members.customer_ids.length} in ${members.segment_name}; ${split.holdout.length} held out`,
      set: {
        launched_by: actor.userId,
        launched_at: at.toISOString(),
        audience_size: eligible.length,
        holdout_size: split.holdout.length,
        delivery_platform: target?.platform ?? null,
        delivery_channel: target?.channelId ?? null,
      },
    },
    (trx) => writeAudienceAndOutbox(trx, campaign.id, split, at.toISOString()),
  );
  return deliverPass(deps, launching, onProgress, false, signal);
}

/** How a delivery pass was started: inside the /campaign command that waits for it, or in the background (clock, start). */
type PassKind = 'command' | 'background';

/**
 * One delivery pass: everyone owed and due now. Goes live when nobody is owed any more; rows waiting for a
 * retry leave it launching (shown as sending) for the clock's sweep. Keeps the progress message up to date.
 */
export async function deliverPass(
  deps: CampaignDeps,
  campaign: Campaign,
  onProgress: ((update: ProgressUpdate) => void) | undefined,
  resumed: boolean,
  signal: AbortSignal,
  kind: PassKind = onProgress ? 'command' : 'background',
): Promise<LaunchResult> {
  const deliverer = createDeliverer(deps.config, campaign.channel as Channel, deps.logger, deps.delivery);
  const progressMessage = kind === 'background' ? throttleProgress(() => void refreshProgress(deps, campaign.id), 2000) : undefined;
  try {
    await deliverOutbox(
      deps,
      campaign,
      deliverer,
      (update) => {
        onProgress?.(update);
        progressMessage?.(update);
      },
      signal,
    );
  } finally {
    await deliverer.close?.();
  }
  const outbox = await outboxCounts(deps.db, campaign.id);
  const fresh = await getCampaign(deps.db, campaign.id);
  const live =
    fresh.state === 'launching' && outbox.pending === 0
      ? await transition(deps.db, fresh, {
          to: 'live',
          actor: SYSTEM_ACTOR,
          at: deps.now(),
          reason: `delivery finished: ${outbox.sent} sent, ${outbox.failed} failed${outbox.skipped ? `, ${outbox.skipped} skipped (consent withdrawn)` : ''}${resumed ? ' (resumed after an interruption)' : ''}`,
          set: { live_at: fresh.live_at ?? deps.now().toISOString() },
        })
      : fresh;
  const next = outbox.pending ? await nextAttemptAt(deps.db, campaign.id) : undefined;
  await reportDelivery(deps, live, outbox, next, kind);
  return {
    campaign_id: campaign.id,
    audience: live.audience_size ?? 0,
    recipients: outbox.total,
    holdout: live.holdout_size ?? 0,
    outbox,
    state: live.state,
    delivery: deliveryStatus(live.state, outbox),
    next_attempt_at: next ?? null,
    resumed,
  };
}

/** Where a campaign's delivery messages go: the channel it was launched from, else its approval or creation channel. */
export function deliveryTarget(campaign: Campaign, actor?: Actor): { platform: Platform; channelId: string } | null {
  if (actor?.channelId && actor.platform !== 'scheduler') return { platform: actor.platform as Platform, channelId: actor.channelId };
  if (campaign.request_platform && campaign.request_channel)
    return { platform: campaign.request_platform as Platform, channelId: campaign.request_channel };
  if (campaign.created_channel && campaign.created_platform !== 'console')
    return { platform: campaign.created_platform as Platform, channelId: campaign.created_channel };
  return null;
}

function storedTarget(campaign: Campaign): { platform: Platform; channelId: string } | null {
  return campaign.delivery_platform && campaign.delivery_channel
    ? { platform: campaign.delivery_platform as Platform, channelId: campaign.delivery_channel }
    : null;
}

/** `12 sent · 30 waiting · 2 failed` (quiet hours, skipped and cancelled only when there are any). */
export function countsLine(o: OutboxCounts): string {
  return [
    `${formatCount(o.sent)} sent`,
    `${formatCount(o.pending)} waiting${o.quiet_hours ? ` (${formatCount(o.quiet_hours)} for their quiet hours to end)` : ''}`,
    `${formatCount(o.failed)} failed`,
    ...(o.skipped ? [`${formatCount(o.skipped)} skipped (consent withdrawn)`] : []),
    ...(o.cancelled ? [`${formatCount(o.cancelled)} not sent (cancelled)`] : []),
  ].join(' · ');
}

/** The progress message's view: a bar, the counts, and when the next try is. */
export function progressView(campaign: Campaign, o: OutboxCounts, next: string | undefined, retryHours: number): View {
  const status = deliveryStatus(campaign.state, o);
  const done = o.total - o.pending;
  return {
    title: `Campaign #${campaign.id} “${campaign.name}”: ${status ?? stateLabel(campaign.state)}`,
    text: `${progressBar(o.total ? done / o.total : 1, countsLine(o))}${
      status === 'sending' && next ? `\nNext try ${utc(next)}; temporary failures are retried for up to ${retryHours} h.` : ''
    }${status === 'paused' ? `\nPaused: continue with /campaign resume ${campaign.id}, or stop with /campaign cancel ${campaign.id}.` : ''}`,
  };
}

/** The one final summary once nobody is owed any more. */
export function summaryView(campaign: Campaign, o: OutboxCounts): View {
  const status = deliveryStatus(campaign.state, o);
  const icon = status === 'sent' ? '✅' : status === 'cancelled' ? '🛑' : '⚠️';
  return {
    title: `Campaign #${campaign.id} “${campaign.name}”: ${status ?? stateLabel(campaign.state)}`,
    text: `${icon} ${countsLine(o)} of ${countOf(o.total, 'recipient')}${campaign.channel === 'log' ? ' (log channel: recorded, nothing delivered)' : ''}.`,
    notes: [
      ...(o.failed
        ? [`Send the failed ones again with /campaign retry ${campaign.id} (or retry ${campaign.id} all, refusals included).`]
        : []),
      ...(campaign.state === 'live' ? [`Measure it with /campaign report ${campaign.id}.`] : []),
    ],
  };
}

/**
 * Keeps the delivery channel informed: one progress message, posted when the delivery goes on in the
 * background and updated in place after each pass, then one final summary. A launch that finishes inside
 * its own command posts nothing: the command's answer is the summary.
 */
async function reportDelivery(deps: CampaignDeps, campaign: Campaign, o: OutboxCounts, next: string | undefined, kind: PassKind) {
  const target = storedTarget(campaign);
  if (!target || !deps.notify) return;
  const finished = o.pending === 0 || campaign.state !== 'launching';
  const stored = campaign.delivery_message ? (JSON.parse(campaign.delivery_message) as PostedMessage) : undefined;
  const data = { campaign_id: campaign.id, state: campaign.state, delivery: deliveryStatus(campaign.state, o), outbox: o };
  try {
    if (stored && deps.updatePosted)
      await deps.updatePosted(stored, reply(data, progressView(campaign, o, next, deps.config.DELIVERY_RETRY_HOURS)));
    else if (!finished) {
      const posted = await deps.notify(target, reply(data, progressView(campaign, o, next, deps.config.DELIVERY_RETRY_HOURS)));
      if (posted)
        await deps.db
          .updateTable('campaigns')
          .set({ delivery_message: JSON.stringify(posted) })
          .where('id', '=', campaign.id)
          .execute();
    }
    if (finished && campaign.state === 'live' && (stored || kind === 'background'))
      await deps.notify(target, reply(data, summaryView(campaign, o)));
  } catch (error) {
    deps.logger.warn({ err: error, campaign_id: campaign.id }, 'could not post the campaign delivery progress');
  }
}

/** Updates the progress message (if one was posted) with the counts now. */
export async function refreshProgress(deps: CampaignDeps, campaignId: number): Promise<void> {
  const campaign = await getCampaign(deps.db, campaignId);
  if (!campaign.delivery_message || !deps.updatePosted) return;
  const o = await outboxCounts(deps.db, campaignId);
  try {
    await deps.updatePosted(
      JSON.parse(campaign.delivery_message) as PostedMessage,
      reply(
        { campaign_id: campaignId, state: campaign.state, outbox: o },
        progressView(campaign, o, await nextAttemptAt(deps.db, campaignId), deps.config.DELIVERY_RETRY_HOURS),
      ),
    );
  } catch (error) {
    deps.logger.warn({ err: error, campaign_id: campaignId }, 'could not update the campaign delivery progress');
  }
}

/**
 * Delivers to every recipient still pending, due now and still consenting; each batch is marked attempted
 * before and sent / waiting / failed after. A temporary failure waits (exponential backoff with jitter,
 * never less than Retry-After) until the retry window of the row is over; a refusal fails the row at once.
 * Stops between batches when the campaign is paused or cancelled.
 */
export async function deliverOutbox(
  deps: CampaignDeps,
  campaign: Campaign,
  deliverer: Deliverer,
  onProgress?: (update: ProgressUpdate) => void,
  /** Aborts between batches (the launch lease was taken over: another instance delivers now). */
  signal?: AbortSignal,
): Promise<void> {
  const policy = retryPolicy(deps.config, deps.random);
  const total = (await outboxCounts(deps.db, campaign.id)).total;
  // merge fields are read per batch at send time; the CLV model behind clv_band is the launch day's
  const zone = deps.config.BUSINESS_TZ;
  const personal = sendingPersonalizer(
    { db: deps.db, segment: campaign.segment, asOf: dayOf(campaign.launched_at ?? deps.now().toISOString(), zone), zone },
    campaign,
  );
  const report = async () => {
    if (!onProgress) return;
    const o = await outboxCounts(deps.db, campaign.id);
    onProgress({ fraction: total ? (total - o.pending) / total : null, message: `${countsLine(o)} (${campaign.channel})` });
  };
  for (;;) {
    signal?.throwIfAborted();
    const state = await deps.db.selectFrom('campaigns').select('state').where('id', '=', campaign.id).executeTakeFirst();
    if (state?.state !== 'launching') break; // paused or cancelled meanwhile
    const now = deps.now();
    const stamp = now.toISOString();
    await skipWithdrawn(deps.db, campaign.id, stamp, campaign.channel);
    const batch = await owedRecipients(deps.db, campaign.id, deliverer.batchSize, stamp, campaign.channel);
    if (batch.length === 0) {
      // whoever withdrew between the skip and the select is left out by the select; mark them too
      await skipWithdrawn(deps.db, campaign.id, stamp, campaign.channel);
      break;
    }
    const awake = await holdQuiet(deps, campaign.id, deliverer, batch, now);
    // begun again and again without ever an answer: a crash loop, not a receiver that is down
    const exhausted = awake.filter((r) => r.attempts >= MAX_ATTEMPTS && r.last_error === null);
    for (const r of exhausted)
      await markFailed(deps.db, campaign.id, r.customer_id, `no answer after ${r.attempts} tries across restarts`, stamp);
    const owed = awake.filter((r) => !(r.attempts >= MAX_ATTEMPTS && r.last_error === null));
    if (owed.length === 0) continue;
    const windowEnd = new Date(now.getTime() + policy.windowMs).toISOString();
    await markAttempted(
      deps.db,
      campaign.id,
      owed.map((r) => r.customer_id),
      stamp,
      windowEnd,
    );
    const results = await deliverer.deliver(campaign, personal ? await withFields(personal, owed) : owed);
    const after = deps.now();
    const at = after.toISOString();
    await recordProviderIds(deps.db, campaign.id, results);
    await markSent(
      deps.db,
      campaign.id,
      results.filter((r) => r.ok).map((r) => r.customer_id),
      at,
    );
    const rows = new Map(owed.map((r) => [r.customer_id, r]));
    for (const r of results) {
      if (r.ok) continue;
      const error = r.error ?? 'failed';
      if (!r.temporary) {
        await markFailed(deps.db, campaign.id, r.customer_id, error, at, 'permanent');
        if (r.optedOut) await withdrawSmsConsent(deps.db, r.customer_id, after, error);
        continue;
      }
      const row = rows.get(r.customer_id);
      const tries = (row?.attempts ?? 0) + 1;
      const nextAt = after.getTime() + retryDelayMs(policy, tries, r.retryAfterMs);
      const until = row?.retry_until ?? windowEnd;
      if (nextAt > Date.parse(until)) {
        await markFailed(
          deps.db,
          campaign.id,
          r.customer_id,
          `gave up after ${tries} tries over ${hoursText(policy.windowMs)}: ${error}`,
          at,
        );
      } else {
        await markWaiting(deps.db, campaign.id, [r.customer_id], error, at, new Date(nextAt).toISOString());
      }
    }
    await report();
  }
}

/** Recipients the channel may not contact now (SMS quiet hours) wait until it may; returns the others. */
async function holdQuiet<R extends Recipient>(
  deps: CampaignDeps,
  campaignId: number,
  deliverer: Deliverer,
  batch: R[],
  now: Date,
): Promise<R[]> {
  if (!deliverer.holdUntil) return batch;
  const held = new Map<string, string[]>();
  const awake: R[] = [];
  for (const r of batch) {
    const until = deliverer.holdUntil(r, now);
    if (until) held.set(until.toISOString(), [...(held.get(until.toISOString()) ?? []), r.customer_id]);
    else awake.push(r);
  }
  for (const [until, ids] of held) await markHeld(deps.db, campaignId, ids, until, now.toISOString());
  return awake;
}

/** The recipients with the values of the merge fields their message uses. */
async function withFields<R extends Recipient>(personal: Personalizer, recipients: R[]): Promise<R[]> {
  const values = await personal.values(recipients);
  return recipients.map((r) => ({ ...r, fields: values.get(r.customer_id) }));
}

function hoursText(ms: number): string {
  const hours = ms / 3_600_000;
  return hours >= 1 ? `${Number(hours.toFixed(1))} h` : `${Math.round(ms / 1000)} s`;
}

/**
 * The sweep: delivers to everyone owed and due in every campaign that is sending, and finishes launches a
 * crash or a dead instance interrupted (never again to anyone marked sent). A campaign whose lease someone
 * holds (this process or another live instance) is left to them; one whose owed rows all wait for a later
 * try is left for then. Called at start and on every round of the campaign clock (which wakes up when the
 * next try is due), so waiting rows survive restarts and a live instance picks up a dead one's work.
 */
export async function resumeLaunches(deps: CampaignDeps): Promise<LaunchResult[]> {
  const stuck = await deps.db.selectFrom('campaigns').select('id').where('state', '=', 'launching').orderBy('id').execute();
  const results: LaunchResult[] = [];
  for (const { id } of stuck) {
    const campaignId = Number(id);
    if (await currentLease(deps.db, launchLeaseKey(campaignId))) continue;
    const counts = await outboxCounts(deps.db, campaignId);
    if (counts.pending > 0 && !(await hasDueRows(deps.db, campaignId, deps.now().toISOString()))) continue;
    try {
      const outcome = await underLaunchLease(deps, campaignId, async (signal) => {
        const campaign = await getCampaign(deps.db, campaignId);
        if (campaign.state !== 'launching') return undefined;
        const owed = await outboxCounts(deps.db, campaign.id);
        // recipients owed without a recorded failure: a launcher stopped before finishing (crash, dead instance)
        const interrupted = await hasUnansweredRows(deps.db, campaign.id);
        deps.logger.info(
          { campaign_id: campaign.id, pending: owed.pending },
          interrupted ? 'resuming an interrupted campaign launch' : 'retrying the campaign recipients due now',
        );
        return deliverPass(deps, campaign, undefined, interrupted, signal);
      });
      if (outcome.ran && outcome.value) results.push(outcome.value);
    } catch (error) {
      deps.logger.error({ err: error, campaign_id: campaignId }, 'could not deliver the campaign; it stays sending');
    }
  }
  return results;
}

/** Runs a delivery pass now if nobody else delivers this campaign; undefined when the lease is taken (the clock continues it). */
export async function deliverNowIfFree(
  deps: CampaignDeps,
  campaignId: number,
  onProgress?: (update: ProgressUpdate) => void,
): Promise<LaunchResult | undefined> {
  const outcome = await underLaunchLease(deps, campaignId, async (signal) => {
    const campaign = await getCampaign(deps.db, campaignId);
    if (campaign.state !== 'launching') return undefined;
    return deliverPass(deps, campaign, onProgress, false, signal);
  });
  return outcome.ran ? outcome.value : undefined;
}
