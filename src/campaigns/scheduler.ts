import { addDays } from '../core/dates.ts';
import { expireRequest, isExpired, type ApprovalDeps } from './approvals.ts';
import { instanceOwner, withLease } from '../store/locks.ts';
import { launchIfFree, resumeLaunches, type LaunchResult } from './launcher.ts';
import { getCampaign, listCampaigns, SYSTEM_ACTOR, transition } from './repository.ts';

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
    if (isExpired(c, now)) await guard(c.id, async () => void result.expired.push((await expireRequest(deps, c)).id));
  }
  for (const c of await listCampaigns(deps.db, 'approved')) {
    if (c.start_at && c.start_at <= now.toISOString()) {
      await guard(c.id, async () => {
        // undefined: another instance is launching it (or just did)
        const launched = await launchIfFree(deps, c.id, SYSTEM_ACTOR);
        if (launched) result.launched.push(launched);
      });
    }
  }
  for (const c of await listCampaigns(deps.db, 'live')) {
    const end = addDays(c.launched_at!, c.window_days);
    if (end <= now.toISOString().slice(0, 10)) {
      await guard(c.id, async () => {
        const fresh = await getCampaign(deps.db, c.id);
        await transition(deps.db, fresh, {
          to: 'completed',
          actor: SYSTEM_ACTOR,
          at: now,
          reason: `attribution window of ${c.window_days} days ended ${end}`,
          set: { completed_at: now.toISOString() },
        });
        result.completed.push(c.id);
      });
    }
  }
  return result;
}

export const TICK_LEASE_KEY = 'campaign-tick';

/**
 * Every `intervalMs` (default a minute), one at a time: runs `campaignTick` under the `campaign-tick`
 * lease (the instance that loses the race skips this round quietly), then resumes launches whose
 * launcher died (their lease expired). Returns stop().
 */
export function startCampaignScheduler(deps: ApprovalDeps, intervalMs = 60_000): () => void {
  const owner = instanceOwner('campaign-tick');
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    (async () => {
      await withLease(deps.db, TICK_LEASE_KEY, owner, 2 * intervalMs, () => campaignTick(deps));
      await resumeLaunches(deps);
    })()
      .catch((error) => deps.logger.error({ err: error }, 'campaign tick failed'))
      .finally(() => {
        running = false;
      });
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
