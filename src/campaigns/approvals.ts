import type { Transaction } from 'kysely';
import { dayOfInstant } from '../core/business-day.ts';
import { mention } from '../core/mention.ts';
import type { Config } from '../config/config.ts';
import type { MessageUpdater, Notifier, Platform, PostedMessage } from '../core/context.ts';
import { UserError } from '../core/errors.ts';
import { reply, type View } from '../core/reply.ts';
import { formatMoney } from '../store/money.ts';
import type { Database } from '../store/schema.ts';
import { editorsAfter, lastChangeId, recordChanges, type FieldChanges } from './changes.ts';
import { assertChannelReady } from './delivery/index.ts';
import { assertSmsMessage } from './delivery/sms.ts';
import { announceDueChange } from './due-changes.ts';
import type { CampaignDeps } from './launcher.ts';
import { previewAudience, type AudiencePreview } from './preview.ts';
import { repredict } from './predicted-audience.ts';
import { checkTemplates } from './merge/template.ts';
import { storedDefinition } from './audience-definition.ts';
import type { ProgressFn } from '../metrics/clv-model.ts';
import { getCampaign, SYSTEM_ACTOR, transition, type Actor, type Campaign, type TransitionInput } from './repository.ts';
import {
  cardOf,
  closeRequest,
  contentDifferences,
  findRequest,
  latestRequest,
  pendingRequest,
  requestContent,
  saveCard,
  type ApprovalRequest,
  type RequestContent,
} from './requests.ts';
import { assertTransition, stateLabel } from './states.ts';
import { approvalRequestView, requesterNoticeView, resolvedRequestView, utc, type RequestOutcome } from './views.ts';

export interface ApprovalDeps extends CampaignDeps {
  notify: Notifier;
  updatePosted: MessageUpdater;
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
  /**
   * posted: in the channel; updated: the request's card was changed in place; inline: the reply itself is
   * the request (console); failed: the adapter could not post.
   */
  status: 'posted' | 'updated' | 'inline' | 'failed';
  platform?: string;
  channel_id?: string;
  error?: string;
}

async function post(deps: ApprovalDeps, target: Target | null, view: View, data: unknown): Promise<Posting & { posted?: PostedMessage }> {
  if (!target) return { status: 'inline' };
  try {
    const posted = await deps.notify(target, reply(data, view));
    return { status: 'posted', platform: target.platform, channel_id: target.channelId, ...(posted ? { posted } : {}) };
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

/** The request's card shows the outcome in place (buttons gone); when it cannot be updated, the outcome is posted instead. */
async function updateCard(deps: ApprovalDeps, campaign: Campaign, request: ApprovalRequest, view: View, data: unknown): Promise<Posting> {
  const card = cardOf(request);
  if (card) {
    try {
      await deps.updatePosted(card, reply(data, view));
      return { status: 'updated', platform: card.platform, channel_id: card.channelId };
    } catch (error) {
      deps.logger.warn(
        { err: error, channel: card.channelId, request: request.id },
        'could not update the approval card; posting the outcome',
      );
    }
  }
  const { posted: _, ...posting } = await post(deps, storedTarget(campaign), view, data);
  return posting;
}

/**
 * The requester hears of the outcome in the card's thread (Slack) or in a reply to the card (Discord), with a
 * mention; not when they closed it themselves. Best effort: the card already shows the outcome.
 */
async function notifyRequester(deps: ApprovalDeps, campaign: Campaign, request: ApprovalRequest, outcome: RequestOutcome): Promise<void> {
  const card = cardOf(request);
  if (!card || request.decided_by === request.requested_by) return;
  try {
    await deps.notify(
      { platform: card.platform, channelId: card.channelId, thread: card.messageIds[0] },
      reply(
        { campaign_id: campaign.id, request_id: request.id, outcome, requester: request.requested_by },
        requesterNoticeView(campaign, outcome, request),
      ),
    );
  } catch (error) {
    deps.logger.warn({ err: error, channel: card.channelId, request: request.id }, 'could not tell the requester about the outcome');
  }
}

function contentOf(request: ApprovalRequest): RequestContent {
  return JSON.parse(request.content) as RequestContent;
}

/** Who may not decide: the creator, the submitter, and everyone who changed the campaign since its last approval. */
export async function excludedDeciders(
  deps: Pick<ApprovalDeps, 'db'>,
  campaign: Campaign,
  request: ApprovalRequest,
): Promise<Map<string, string>> {
  const lastApproved = await latestRequest(deps.db, campaign.id, 'approved');
  const editors = await editorsAfter(deps.db, campaign.id, lastApproved && lastApproved.id < request.id ? lastApproved.changes_through : 0);
  const excluded = new Map<string, string>();
  for (const editor of editors) excluded.set(editor, 'changed');
  excluded.set(request.requested_by, 'submitted');
  excluded.set(campaign.created_by, 'created');
  return excluded;
}

export async function submitCampaign(
  deps: ApprovalDeps,
  campaign: Campaign,
  actor: Actor,
  progress?: ProgressFn,
): Promise<{ campaign: Campaign; preview: AudiencePreview; view: View; posting: Posting; request: ApprovalRequest }> {
  assertTransition(campaign, 'pending_approval');
  assertChannelReady(deps.config, campaign.channel);
  if (campaign.channel === 'sms') assertSmsMessage(campaign);
  checkTemplates(campaign);
  const now = deps.now();
  const zone = deps.config.BUSINESS_TZ;
  const today = dayOfInstant(now, zone);
  campaign = await repredict(deps.db, campaign, today, zone, progress);
  const preview = await previewAudience(deps.db, campaign, today, zone);
  if (preview.audience === 0) {
    const predicted = storedDefinition(campaign.segment) !== null;
    throw new UserError(
      'empty_audience',
      `Campaign #${campaign.id} would reach nobody: ${predicted ? 'the' : 'segment'} ${preview.segment_name}${predicted ? ' audience' : ''} has no contactable members (${campaign.channel === 'sms' ? 'with SMS consent and a phone number, not unsubscribed' : `consented, not unsubscribed${campaign.channel === 'email' ? ', with an email address' : ''}`}).`,
      {
        hint: predicted
          ? `Loosen its threshold or pick a segment with /campaign edit ${campaign.id} (p_alive_below=…, purchases_above=…, audience=top-clv:…% or segment=…).`
          : `Pick another segment with /campaign edit ${campaign.id} segment=…`,
      },
    );
  }
  const { content, hash } = await requestContent(deps.db, campaign);
  const target = requestTarget(deps.config, campaign);
  const expires = new Date(now.getTime() + deps.config.APPROVAL_EXPIRY_HOURS * 3_600_000);
  let requestId = 0;
  const pending = await transition(
    deps.db,
    campaign,
    {
      to: 'pending_approval',
      actor,
      at: now,
      reason: `audience ${preview.audience}, holdout ${preview.holdout}, estimated cost ${formatMoney(preview.estimated_cost_cents, campaign.currency)}`,
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
    },
    async (trx) => {
      const inserted = await trx
        .insertInto('campaign_approval_requests')
        .values({
          campaign_id: campaign.id,
          content_hash: hash,
          content: JSON.stringify(content),
          changes_through: await lastChangeId(trx, campaign.id),
          status: 'pending',
          requested_by: actor.userId,
          requested_at: now.toISOString(),
          expires_at: expires.toISOString(),
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      requestId = Number(inserted.id);
    },
  );
  const request = (await findRequest(deps.db, requestId))!;
  const view = approvalRequestView(pending, preview, request, await excludedDeciders(deps, pending, request));
  const { posted, ...posting } = await post(deps, target, view, {
    campaign_id: pending.id,
    request_id: request.id,
    approval_request: true,
  });
  if (posted) await saveCard(deps.db, request.id, posted);
  return { campaign: pending, preview, view, posting, request: (await findRequest(deps.db, request.id))! };
}

export function isExpired(campaign: Campaign, now: Date): boolean {
  return (
    campaign.state === 'pending_approval' && campaign.approval_expires_at !== null && campaign.approval_expires_at <= now.toISOString()
  );
}

export interface MoveOptions {
  /** Content changes made in the same transaction (an edit of a pending campaign), recorded in the change log. */
  changes?: FieldChanges;
  /** Why the pending request closes, for its card. */
  withdrawReason?: string;
  /** How the pending request closes: withdrawn (default) or expired. */
  requestStatus?: 'withdrawn' | 'expired';
  /** More writes of the same move (an edit's new predicted audience). */
  also?: (trx: Transaction<Database>) => Promise<void>;
}

/**
 * Every move out of pending approval other than a decision (expiry, reopen, an edit, cancel) closes the
 * request in the same transaction, so it can no longer be approved, and its card says so.
 */
export async function moveCampaign(
  deps: ApprovalDeps,
  campaign: Campaign,
  input: TransitionInput,
  options: MoveOptions = {},
): Promise<Campaign> {
  const request = campaign.state === 'pending_approval' ? await pendingRequest(deps.db, campaign.id) : undefined;
  const status = options.requestStatus ?? 'withdrawn';
  const reason = options.withdrawReason ?? input.reason ?? null;
  const moved = await transition(deps.db, campaign, input, async (trx) => {
    if (request) await closeRequest(trx, request.id, status, input.actor.userId, input.at, reason);
    if (options.changes) await recordChanges(trx, campaign.id, input.actor, input.at, options.changes);
    if (options.also) await options.also(trx);
  });
  if (request) {
    const closed = (await findRequest(deps.db, request.id))!;
    const view = resolvedRequestView(moved, status, closed);
    await updateCard(deps, moved, closed, view, { campaign_id: moved.id, request_id: closed.id, outcome: status });
    await notifyRequester(deps, moved, closed, status);
  }
  return moved;
}

/** A request past its expiry goes back to draft (recorded as the bot's move) and its card says so. */
export async function expireRequest(deps: ApprovalDeps, campaign: Campaign): Promise<Campaign> {
  return moveCampaign(
    deps,
    campaign,
    {
      to: 'draft',
      actor: SYSTEM_ACTOR,
      at: deps.now(),
      reason: `approval request expired (${deps.config.APPROVAL_EXPIRY_HOURS} h without a decision)`,
    },
    { requestStatus: 'expired' },
  );
}

function alreadyDecided(campaign: Campaign, request: ApprovalRequest): UserError {
  const verb = request.status === 'withdrawn' ? 'withdrawn' : request.status;
  const by = request.decided_by === SYSTEM_ACTOR.userId || !request.decided_by ? '' : ` by ${mention(request.decided_by)}`;
  const why = request.status === 'withdrawn' || request.status === 'expired' ? (request.reason ? ` (${request.reason})` : '') : '';
  let hint = `Campaign #${campaign.id} is *${stateLabel(campaign.state)}* now; look at it with /campaign show ${campaign.id}.`;
  if (campaign.state === 'pending_approval')
    hint = `A newer request is pending: type /campaign approve ${campaign.id} to decide on the current content.`;
  else {
    try {
      assertTransition(campaign, campaign.state === 'approved' ? 'approved' : 'rejected');
    } catch (error) {
      if (error instanceof UserError && error.hint) hint = `It is *${stateLabel(campaign.state)}*. ${error.hint}`;
    }
  }
  return new UserError(
    request.status === 'approved' || request.status === 'rejected' ? 'already_decided' : 'request_closed',
    `Approval request #${request.id} for campaign #${campaign.id} was already ${verb}${by} at ${utc(request.decided_at)}${why}; ${request.status === 'approved' || request.status === 'rejected' ? 'nothing was changed' : 'it can no longer be approved or rejected'}.`,
    { hint },
  );
}

/** The request a decision is about: the one the button names, else the campaign's pending request. */
async function requestToDecide(deps: ApprovalDeps, campaign: Campaign, requestId?: number): Promise<ApprovalRequest> {
  if (requestId !== undefined) {
    const named = await findRequest(deps.db, requestId);
    if (!named || named.campaign_id !== campaign.id) {
      throw new UserError('unknown_request', `Campaign #${campaign.id} has no approval request #${requestId}.`, {
        hint: `Type /campaign approve ${campaign.id} to decide on its current request.`,
      });
    }
    if (named.status !== 'pending') throw alreadyDecided(campaign, named);
    return named;
  }
  const pending = await pendingRequest(deps.db, campaign.id);
  if (pending) return pending;
  const latest = await latestRequest(deps.db, campaign.id);
  if (latest && (campaign.state === 'approved' || campaign.state === 'rejected') && latest.status === campaign.state) {
    throw alreadyDecided(campaign, latest);
  }
  if (campaign.state === 'pending_approval') {
    throw new UserError(
      'no_request',
      `Campaign #${campaign.id} has no approval request bound to its content (it was submitted before requests were).`,
      {
        hint: `Reopen it with /campaign reopen ${campaign.id} and submit it again.`,
      },
    );
  }
  assertTransition(campaign, 'approved');
  throw new Error('unreachable: a campaign not pending approval cannot be approved');
}

async function assertFourEyes(deps: ApprovalDeps, campaign: Campaign, request: ApprovalRequest, actor: Actor, verb: string): Promise<void> {
  const own = (await excludedDeciders(deps, campaign, request)).get(actor.userId);
  if (own) {
    throw new UserError(
      'four_eyes',
      `You ${own} campaign #${campaign.id}${own === 'changed' ? ' since its last approval' : ''}, so you cannot ${verb} it: someone else with the approver role, who neither created, submitted nor changed it, must decide.`,
      {
        hint: `Ask another approver; to withdraw it yourself use /campaign reopen ${campaign.id} or /campaign cancel ${campaign.id}.`,
      },
    );
  }
}

class RequestRaced extends Error {}

export async function decideCampaign(
  deps: ApprovalDeps,
  campaign: Campaign,
  actor: Actor,
  decision: 'approved' | 'rejected',
  reason?: string,
  requestId?: number,
): Promise<{ campaign: Campaign; view: View; posting: Posting; request: ApprovalRequest }> {
  const request = await requestToDecide(deps, campaign, requestId);
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
  await assertFourEyes(deps, campaign, request, actor, decision === 'approved' ? 'approve' : 'reject');
  if (decision === 'approved') {
    const now = await requestContent(deps.db, campaign);
    if (now.hash !== request.content_hash) {
      const differences = contentDifferences(contentOf(request), now.content).join(', ');
      await moveCampaign(deps, campaign, {
        to: 'draft',
        actor,
        at: deps.now(),
        reason: `approval request #${request.id} withdrawn: the content changed since it was requested (${differences})`,
      });
      throw new UserError(
        'request_stale',
        `Approval request #${request.id} for campaign #${campaign.id} is out of date: ${differences} changed since it was requested. It was withdrawn and the campaign is a draft again; nothing was approved.`,
        { hint: `Resubmit it with /campaign submit ${campaign.id} so the current content can be approved.` },
      );
    }
  }
  const at = deps.now();
  let decided: Campaign;
  try {
    decided = await transition(
      deps.db,
      campaign,
      {
        to: decision,
        actor,
        at,
        reason: `${reason ?? ''}${reason ? ' ' : ''}(request #${request.id})`,
        set: { decided_by: actor.userId, decided_at: at.toISOString(), decision_reason: reason ?? null },
      },
      async (trx) => {
        if (!(await closeRequest(trx, request.id, decision, actor.userId, at, reason ?? null))) throw new RequestRaced();
      },
    );
  } catch (error) {
    if (!(error instanceof RequestRaced) && !(error instanceof UserError && error.code === 'campaign_changed')) throw error;
    const closed = await findRequest(deps.db, request.id);
    if (closed && closed.status !== 'pending') {
      throw alreadyDecided(await getCampaign(deps.db, campaign.id), closed);
    }
    throw error;
  }
  if (decided.state === 'approved' && decided.start_at) announceDueChange(deps.db);
  const closed = (await findRequest(deps.db, request.id))!;
  const view = resolvedRequestView(decided, decision, closed);
  const posting = await updateCard(deps, decided, closed, view, { campaign_id: decided.id, request_id: closed.id, outcome: decision });
  await notifyRequester(deps, decided, closed, decision);
  return { campaign: decided, view, posting, request: closed };
}
