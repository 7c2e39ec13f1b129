import { dayOf, dayOfInstant } from '../core/business-day.ts';
import { addDays } from '../core/dates.ts';
import { onDueChange } from './due-changes.ts';
import { expireRequest, isExpired, type ApprovalDeps } from './approvals.ts';
import { instanceOwner, withLease } from '../store/locks.ts';
import { launchIfFree, resumeLaunches, type LaunchResult } from './launcher.ts';
import { nextAttemptAt } from './outbox.ts';
import { getCampaign, listCampaigns, SYSTEM_ACTOR, transition } from './repository.ts';
import { countOf } from '../core/format.ts';

export interface TickResult {
  expired: number[];
  launched: LaunchResult[];
  completed: number[];
  errors: { campaign_id: number; error: string }[];
}

/**
 * One pass of the campaign clock: expires approval requests past their time, launches approved
 * campaigns whose start has come, and completes live campaigns whose attribution window is over.
 */
export async function campaignTick(deps: ApprovalDeps): Promise<TickResult> {
  const now = deps.now();
  const result: TickResult = { expired: [], launched: [], completed: [], errors: [] };
  const guard = async (id: number, work: () => Promise<void>) => {
    try {
      await work();
    } catch (error) {
      deps.logger.error({ err: error, campaign_id: id }, 'campaign tick failed for a campaign');
      result.errors.push({ campaign_id: id, error: error instanceof Error ? error.message : String(error) });
    }
  };
  for (const c of await listCampaigns(deps.db, 'pending_approval')) {
    if (isExpired(c, now))
      await guard(c.id, async () => {
        result.expired.push((await expireRequest(deps, c)).id);
        deps.logger.info({ campaign_id: c.id }, `the approval request for campaign #${c.id} expired; it is a draft again`);
      });
  }
  for (const c of await listCampaigns(deps.db, 'approved')) {
    if (c.start_at && c.start_at <= now.toISOString()) {
      await guard(c.id, async () => {
        // undefined: another instance is launching it (or just did)
        const launched = await launchIfFree(deps, c.id, SYSTEM_ACTOR);
        if (!launched) return;
        result.launched.push(launched);
        deps.logger.info(
          { campaign_id: c.id, start_at: c.start_at, recipients: launched.recipients, state: launched.state },
          `campaign #${c.id} launched at its start time: ${launched.outbox.sent} sent, ${launched.outbox.failed} failed`,
        );
      });
    }
  }
  for (const c of await listCampaigns(deps.db, 'live')) {
    // the window is whole business days from the launch day, as /campaign report counts it
    const zone = deps.config.BUSINESS_TZ;
    const end = addDays(dayOf(c.launched_at!, zone), c.window_days);
    if (end <= dayOfInstant(now, zone)) {
      await guard(c.id, async () => {
        const fresh = await getCampaign(deps.db, c.id);
        await transition(deps.db, fresh, {
          to: 'completed',
          actor: SYSTEM_ACTOR,
          at: now,
          reason: `attribution window of ${countOf(c.window_days, 'day')} ended ${end}`,
          set: { completed_at: now.toISOString() },
        });
        result.completed.push(c.id);
        deps.logger.info({ campaign_id: c.id }, `campaign #${c.id} completed: its attribution window ended ${end}`);
      });
    }
  }
  return result;
}

export const TICK_LEASE_KEY = 'campaign-tick';

/** The earliest future start of an approved campaign, expiry of a pending request or retry of a delivery; undefined when none. */
export async function nextDueTime(deps: ApprovalDeps): Promise<Date | undefined> {
  const now = deps.now().toISOString();
  const times = [
    ...(await listCampaigns(deps.db, 'approved')).map((c) => c.start_at),
    ...(await listCampaigns(deps.db, 'pending_approval')).map((c) => c.approval_expires_at),
    // the next try of a recipient waiting after a temporary failure
    (await nextAttemptAt(deps.db)) ?? null,
  ].filter((t): t is string => t !== null && t > now);
  return times.length ? new Date(times.sort()[0]!) : undefined;
}

/**
 * The campaign clock: a round at start, then every `intervalMs` (default a minute), one at a time: runs
 * `campaignTick` under the `campaign-tick` lease (the instance that loses the race skips this round quietly),
 * then sweeps the campaigns that are sending (recipients due for a retry, launches whose launcher died and
 * whose lease expired). A start, expiry or retry due before the next
 * round gets a round of its own at that time, so "launches at 14:35" launches at 14:35:00; an approval in
 * this process re-plans at once. Returns stop(), which waits for a round under way.
 */
export function startCampaignScheduler(deps: ApprovalDeps, intervalMs = 60_000): () => Promise<void> {
  const owner = instanceOwner('campaign-tick');
  let running = false;
  let again = false;
  let stopped = false;
  let wake: NodeJS.Timeout | undefined;
  let current: Promise<void> = Promise.resolve();

  const planWake = (due: Date | undefined) => {
    clearTimeout(wake);
    wake = undefined;
    if (!due || stopped) return;
    const ms = due.getTime() - deps.now().getTime();
    if (ms >= intervalMs) return;
    // a few ms late rather than early: the round compares start_at <= now
    wake = setTimeout(round, Math.max(0, ms) + 5);
    wake.unref();
  };

  function round(): void {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = true;
    current = (async () => {
      await withLease(deps.db, TICK_LEASE_KEY, owner, 2 * intervalMs, () => campaignTick(deps));
      await resumeLaunches(deps);
      if (!stopped) planWake(await nextDueTime(deps));
    })()
      .catch((error) => deps.logger.error({ err: error }, 'campaign tick failed'))
      .finally(() => {
        running = false;
        if (again) {
          again = false;
          round();
        }
      });
  }

  const timer = setInterval(round, intervalMs);
  timer.unref();
  const first = setTimeout(round, 0);
  first.unref();
  const unsubscribe = onDueChange((db) => {
    if (db === deps.db) round();
  });
  return async () => {
    stopped = true;
    clearInterval(timer);
    clearTimeout(first);
    clearTimeout(wake);
    unsubscribe();
    await current;
  };
}
