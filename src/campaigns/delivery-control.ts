import type { ProgressUpdate } from '../core/context.ts';
import { UserError } from '../core/errors.ts';
import { announceDueChange } from './due-changes.ts';
import { deliverNowIfFree, refreshProgress, type CampaignDeps, type LaunchResult } from './launcher.ts';
import { cancelPending, outboxCounts, requeueFailed, type OutboxCounts } from './outbox.ts';
import { getCampaign, transition, type Actor, type Campaign } from './repository.ts';
import { stateLabel } from './states.ts';

/** Pause, resume, retry and cancel of a campaign that is sending: each keeps every recipient sent at most once. */

export interface ControlResult {
  campaign: Campaign;
  outbox: OutboxCounts;
  /** The delivery pass run at once (resume, retry); undefined when another pass holds the lease (the clock continues). */
  pass?: LaunchResult;
}

function refuse(c: Campaign, what: string, hint: string): never {
  throw new UserError('not_sending', `Campaign #${c.id} is *${stateLabel(c.state)}*: ${what}.`, { hint });
}

/** Stops a sending campaign after the batch in flight; recipients owed stay owed. */
export async function pauseDelivery(deps: CampaignDeps, c: Campaign, actor: Actor): Promise<ControlResult> {
  if (c.state === 'paused') refuse(c, 'it is paused already', `Continue with /campaign resume ${c.id}.`);
  if (c.state !== 'launching') refuse(c, 'only a campaign that is sending can be paused', `See it with /campaign show ${c.id}.`);
  const before = await outboxCounts(deps.db, c.id);
  const paused = await transition(deps.db, c, {
    to: 'paused',
    actor,
    at: deps.now(),
    reason: `paused with ${before.sent} sent, ${before.pending} owed, ${before.failed} failed`,
  });
  await refreshProgress(deps, c.id);
  return { campaign: paused, outbox: await outboxCounts(deps.db, c.id) };
}

/** Continues a paused campaign: delivers to whoever is due now, the rest at their next try. */
export async function resumeDelivery(
  deps: CampaignDeps,
  c: Campaign,
  actor: Actor,
  onProgress?: (update: ProgressUpdate) => void,
): Promise<ControlResult> {
  if (c.state !== 'paused') refuse(c, 'only a paused campaign can be resumed', `See it with /campaign show ${c.id}.`);
  const counts = await outboxCounts(deps.db, c.id);
  const at = deps.now();
  // a person asked for it now: whoever waits for a retry is due now (their retry window stays)
  await transition(deps.db, c, { to: 'launching', actor, at, reason: `resumed with ${counts.pending} owed` }, async (trx) => {
    await trx
      .updateTable('campaign_outbox')
      .set({ next_attempt_at: null, updated_at: at.toISOString() })
      .where('campaign_id', '=', c.id)
      .where('status', '=', 'pending')
      .execute();
  });
  return runNow(deps, c.id, onProgress);
}

/**
 * Requeues failed recipients (`failed`: those that gave up on temporary errors; `all`: refusals too) with
 * their same idempotency keys and a fresh retry window; a campaign that had finished sending is sending again.
 */
export async function retryDelivery(
  deps: CampaignDeps,
  c: Campaign,
  which: 'failed' | 'all',
  actor: Actor,
  onProgress?: (update: ProgressUpdate) => void,
): Promise<ControlResult & { requeued: number }> {
  if (!['launching', 'paused', 'live'].includes(c.state))
    refuse(
      c,
      'only a campaign that is sending, paused or live (attribution window running) can be retried',
      `See it with /campaign show ${c.id}.`,
    );
  // nothing failed at all: the answer says so (an error only when failures remain that `which` leaves out)
  const before = await outboxCounts(deps.db, c.id);
  if (before.failed === 0) return { campaign: c, outbox: before, requeued: 0 };
  const at = deps.now();
  const nothing = () =>
    new UserError('nothing_to_retry', `Campaign #${c.id} has no ${which === 'all' ? '' : 'temporarily '}failed recipients to send again.`, {
      hint:
        which === 'failed'
          ? `Recipients refused for good (HTTP 400, invalid address…) are retried only with /campaign retry ${c.id} all.`
          : `See its sends with /campaign show ${c.id}.`,
    });
  let requeued = 0;
  if (c.state === 'live') {
    await transition(deps.db, c, { to: 'launching', actor, at, reason: `retry (${which})` }, async (trx) => {
      requeued = await requeueFailed(trx, c.id, which, at.toISOString());
      if (requeued === 0) throw nothing();
    });
  } else {
    requeued = await requeueFailed(deps.db, c.id, which, at.toISOString());
    if (requeued === 0) throw nothing();
  }
  deps.logger.info({ campaign_id: c.id, requeued, which }, 'failed campaign recipients requeued');
  const fresh = await getCampaign(deps.db, c.id);
  if (fresh.state !== 'launching') return { campaign: fresh, outbox: await outboxCounts(deps.db, c.id), requeued };
  return { ...(await runNow(deps, c.id, onProgress)), requeued };
}

/** Stops a sending or paused campaign for good; whoever was still owed is never sent. */
export async function cancelDelivery(
  deps: CampaignDeps,
  c: Campaign,
  actor: Actor,
  reason: string | undefined,
): Promise<ControlResult & { not_sent: number; first_not_sent: string[] }> {
  if (c.state !== 'launching' && c.state !== 'paused')
    refuse(c, 'only a campaign that is sending or paused can be stopped', `See it with /campaign show ${c.id}.`);
  let notSent = { count: 0, first: [] as string[] };
  const at = deps.now();
  const cancelled = await transition(
    deps.db,
    c,
    { to: 'cancelled', actor, at, reason: reason ? `cancelled while sending: ${reason}` : 'cancelled while sending' },
    async (trx) => {
      notSent = await cancelPending(trx, c.id, at.toISOString());
    },
  );
  await refreshProgress(deps, c.id);
  return { campaign: cancelled, outbox: await outboxCounts(deps.db, c.id), not_sent: notSent.count, first_not_sent: notSent.first };
}

async function runNow(deps: CampaignDeps, id: number, onProgress?: (update: ProgressUpdate) => void): Promise<ControlResult> {
  const pass = await deliverNowIfFree(deps, id, onProgress);
  // the lease is held (a pass finishing its last batch): the clock picks it up at its next round
  if (!pass) announceDueChange(deps.db);
  return { campaign: await getCampaign(deps.db, id), outbox: await outboxCounts(deps.db, id), pass };
}
