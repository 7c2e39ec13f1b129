import type { Config } from '../config/config.ts';
import type { Notifier, Platform } from '../core/context.ts';
import { UserError } from '../core/errors.ts';
import { reply, type View } from '../core/reply.ts';
import { assertChannelReady } from './delivery/index.ts';
import { announceDueChange } from './due-changes.ts';
import type { CampaignDeps } from './launcher.ts';
import { previewAudience, type AudiencePreview } from './preview.ts';
import { SYSTEM_ACTOR, transition, type Actor, type Campaign } from './repository.ts';
import { assertTransition } from './states.ts';
import { approvalRequestView, resolvedRequestView } from './views.ts';

export interface ApprovalDeps extends CampaignDeps {
  notify: Notifier;
}

type Target = { platform: Platform; channelId: string };

/** Where the request goes: APPROVALS_CHANNEL, else the channel the campaign was created in; none in the console. */
export function requestTarget(config: Config, campaign: Campaign): Target | null {
  const platform = campaign.created_platform as Platform;
  if (platform !== 'slack' && platform !== 'discord') return null;
  const channelId = config.APPROVALS_CHANNEL ?? campaign.created_channel;
  return channelId ? { platform, channelId } : null;
}

function storedTarget(campaign: Campaign): Target | null {
  return campaign.request_platform && campaign.request_channel
    ? { platform: campaign.request_platform as Platform, channelId: campaign.request_channel }
    : null;
}

export interface Posting {
  /** posted: in the channel; inline: the reply itself is the request (console); failed: the adapter could not post. */
  status: 'posted' | 'inline' | 'failed';
  platform?: string;
  channel_id?: string;
  error?: string;
}

async function post(deps: ApprovalDeps, target: Target | null, view: View, data: unknown): Promise<Posting> {
  if (!target) return { status: 'inline' };
  try {
    await deps.notify(target, reply(data, view));
    return { status: 'posted', platform: target.platform, channel_id: target.channelId };
  } catch (error) {
    deps.logger.warn({ err: error, target }, 'could not post the campaign approval message');
    return {
      status: 'failed',
      platform: target.platform,
      channel_id: target.channelId,
      error: error instanceof Error ? error.message : String(error),
    };
  }
}

export async function submitCampaign(
  deps: ApprovalDeps,
  campaign: Campaign,
  actor: Actor,
): Promise<{ campaign: Campaign; preview: AudiencePreview; view: View; posting: Posting }> {
  assertTransition(campaign, 'pending_approval');
  assertChannelReady(deps.config, campaign.channel);
  const now = deps.now();
  const preview = await previewAudience(deps.db, campaign, now.toISOString().slice(0, 10));
  if (preview.audience === 0) {
    throw new UserError(
      'empty_audience',
      `Campaign #${campaign.id} would reach nobody: segment ${preview.segment_name} has no contactable members (consented, not unsubscribed${campaign.channel === 'email' ? ', with an email address' : ''}).`,
      {
        hint: `Pick another segment with /campaign edit ${campaign.id} segment=…`,
      },
    );
  }
  const target = requestTarget(deps.config, campaign);
  const expires = new Date(now.getTime() + deps.config.APPROVAL_EXPIRY_HOURS * 3_600_000);
  const pending = await transition(deps.db, campaign, {
    to: 'pending_approval',
    actor,
    at: now,
    reason: `audience ${preview.audience}, holdout ${preview.holdout}, estimated cost ${preview.estimated_cost_cents} cents`,
    set: {
      submitted_by: actor.userId,
      submitted_at: now.toISOString(),
      approval_expires_at: expires.toISOString(),
      request_platform: target?.platform ?? null,
      request_channel: target?.channelId ?? null,
      decided_by: null,
      decided_at: null,
      decision_reason: null,
    },
  });
  const view = approvalRequestView(pending, preview);
  const posting = await post(deps, target, view, { campaign_id: pending.id, approval_request: true });
  return { campaign: pending, preview, view, posting };
}

export function isExpired(campaign: Campaign, now: Date): boolean {
  return (
    campaign.state === 'pending_approval' && campaign.approval_expires_at !== null && campaign.approval_expires_at <= now.toISOString()
  );
}

/** A request past its expiry goes back to draft (recorded as the bot's move) and says so where it was posted. */
export async function expireRequest(deps: ApprovalDeps, campaign: Campaign): Promise<Campaign> {
  const draft = await transition(deps.db, campaign, {
    to: 'draft',
    actor: SYSTEM_ACTOR,
    at: deps.now(),
    reason: `approval request expired (${deps.config.APPROVAL_EXPIRY_HOURS} h without a decision)`,
  });
  await post(deps, storedTarget(campaign), resolvedRequestView(draft, 'expired'), { campaign_id: draft.id, outcome: 'expired' });
  return draft;
}

function assertFourEyes(campaign: Campaign, actor: Actor, verb: string): void {
  const own = actor.userId === campaign.created_by ? 'created' : actor.userId === campaign.submitted_by ? 'submitted' : null;
  if (own) {
    throw new UserError(
      'four_eyes',
      `You ${own} campaign #${campaign.id}, so you cannot ${verb} it: someone else with the approver role must decide.`,
      {
        hint: `Ask another approver; to withdraw it yourself use /campaign reopen ${campaign.id} or /campaign cancel ${campaign.id}.`,
      },
    );
  }
}

export async function decideCampaign(
  deps: ApprovalDeps,
  campaign: Campaign,
  actor: Actor,
  decision: 'approved' | 'rejected',
  reason?: string,
): Promise<{ campaign: Campaign; view: View; posting: Posting }> {
  assertTransition(campaign, decision);
  if (isExpired(campaign, deps.now())) {
    await expireRequest(deps, campaign);
    throw new UserError(
      'approval_expired',
      `The approval request for campaign #${campaign.id} expired at ${campaign.approval_expires_at!.slice(0, 16).replace('T', ' ')} UTC; it is a draft again.`,
      {
        hint: `Resubmit it with /campaign submit ${campaign.id}.`,
      },
    );
  }
  assertFourEyes(campaign, actor, decision === 'approved' ? 'approve' : 'reject');
  const now = deps.now();
  const decided = await transition(deps.db, campaign, {
    to: decision,
    actor,
    at: now,
    reason,
    set: { decided_by: actor.userId, decided_at: now.toISOString(), decision_reason: reason ?? null },
  });
  if (decided.state === 'approved' && decided.start_at) announceDueChange(deps.db);
  const view = resolvedRequestView(decided, decision);
  const target = storedTarget(decided);
  // the decision is posted where the request was; the decider's own reply is the same view
  const posting = target ? await post(deps, target, view, { campaign_id: decided.id, outcome: decision }) : { status: 'inline' as const };
  return { campaign: decided, view, posting };
}
