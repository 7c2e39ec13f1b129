import { randomInt } from 'node:crypto';
import { z } from 'zod';
import { dayOf, dayOfInstant, timeZoneOption, zoneFor } from '../src/core/business-day.ts';
import {
  decideCampaign,
  expireRequest,
  isExpired,
  moveCampaign,
  submitCampaign,
  type ApprovalDeps,
  type Posting,
} from '../src/campaigns/approvals.ts';
import { changesOf, describeChanges, diffContent, fieldLabel, recordChanges } from '../src/campaigns/changes.ts';
import { NO_TARGET_HINT, resolveTarget, type Target, type TargetOptions } from '../src/campaigns/campaign-target.ts';
import { clearPredicted, freezePredicted } from '../src/campaigns/predicted-audience.ts';
import { campaignMembers } from '../src/campaigns/campaign-members.ts';
import { checkTemplates } from '../src/campaigns/merge/template.ts';
import { emailPreview } from '../src/campaigns/email-preview.ts';
import { CHANNELS, missingChannelConfig } from '../src/campaigns/delivery/index.ts';
import { cancelDelivery, pauseDelivery, resumeDelivery, retryDelivery, type ControlResult } from '../src/campaigns/delivery-control.ts';
import { countsLine, launchCampaign } from '../src/campaigns/launcher.ts';
import { parseAmount, parseHoldout, parseStart, parseWindow } from '../src/campaigns/options.ts';
import { nextAttemptAt, outboxCounts, outboxCountsByCampaign, type OutboxCounts } from '../src/campaigns/outbox.ts';
import { campaignReport } from '../src/campaigns/report.ts';
import { actorOf, findCampaign, getCampaign, listCampaigns, transitionsOf, type Campaign } from '../src/campaigns/repository.ts';
import { pendingRequest, shortHash, type ApprovalRequest } from '../src/campaigns/requests.ts';
import { CAMPAIGN_STATES, deliveryStatus, stateLabel, TRANSITIONS } from '../src/campaigns/states.ts';
import { campaignData, campaignFields, targetName, utc } from '../src/campaigns/views.ts';
import { defineAction, defineCommand } from '../src/core/command.ts';
import type { CommandContext } from '../src/core/context.ts';
import { isoDate } from '../src/core/dates.ts';
import { UserError } from '../src/core/errors.ts';
import { nameKey } from '../src/core/names.ts';
import { countOf, formatCount } from '../src/core/format.ts';
import { reply, type View } from '../src/core/reply.ts';
import type { CampaignsTable, Database } from '../src/store/schema.ts';
import type { Transaction, Updateable } from 'kysely';
import { mention, channelLink } from '../src/core/mention.ts';

/** Which approval request a decision is about: buttons carry it, so an old card cannot decide a newer version. */
const requestRef = z
  .number()
  .int()
  .positive()
  .optional()
  .describe('the approval request number (buttons carry it; without it, the current request)');
const campaignRef = z.string().min(1).describe('the campaign: its id or name').meta({ autocomplete: 'campaign' });
const settings = {
  segment: z
    .string()
    .min(1)
    .optional()
    .describe('who it goes to: a segment name or id from /segment, or all (or give audience instead)')
    .meta({ autocomplete: 'segment' }),
  audience: z
    .string()
    .min(1)
    .max(40)
    .optional()
    .describe('or a predicted audience from the CLV model: churn-risk, top-clv:10% or likely-buyers')
    .meta({ hint: 'churn-risk' }),
  channel: z.enum(CHANNELS).describe('how it is delivered: email, sms, webhook, or log (dry run)'),
  message: z.string().max(5000).optional().describe('the message text').meta({ long: true }),
  subject: z.string().max(200).optional().describe('the email subject'),
  budget: z.number().min(0).optional().describe('budget in your currency, e.g. 500'),
  cost_per_send: z.number().min(0).optional().describe('cost of one send in your currency (SMS: of one segment), e.g. 0.02'),
  holdout: z.string().optional().describe('share of the audience held out to measure the effect, 0% to 50%').meta({ hint: '10%' }),
  window: z.string().optional().describe('attribution window after launch, e.g. 7d or 2w').meta({ hint: '7d' }),
  start: z.string().optional().describe('launch automatically at this UTC time once approved: 2026-12-01 or 2026-12-01T09:00'),
  p_alive_below: z
    .string()
    .optional()
    .describe('churn-risk: valuable customers whose P(alive) is below this (default 50%)')
    .meta({ hint: '30%' }),
  purchases_above: z
    .number()
    .positive()
    .optional()
    .describe('likely-buyers: customers expected to buy more than this many times in 30 days (default 0.5)'),
};

function deps(ctx: CommandContext): ApprovalDeps {
  return { db: ctx.db, config: ctx.config, logger: ctx.logger, now: ctx.now, notify: ctx.notify, updatePosted: ctx.updatePosted };
}

/** A pending request past its expiry is moved back to draft before anyone looks at it. */
async function load(ctx: CommandContext, ref: string): Promise<Campaign> {
  const campaign = await getCampaign(ctx.db, ref);
  return isExpired(campaign, ctx.now()) ? expireRequest(deps(ctx), campaign) : campaign;
}

function postingNote(posting: Posting): string | undefined {
  if (posting.status === 'updated')
    return `The request's card in ${posting.platform === 'slack' ? `<#${posting.channel_id}>` : `channel ${posting.channel_id}`} now shows it.`;
  if (posting.status === 'posted')
    return `Posted in ${posting.platform === 'slack' ? channelLink(posting.channel_id) : `channel ${posting.channel_id}`}.`;
  if (posting.status === 'failed')
    return `Could not post it in channel ${posting.channel_id} (${posting.error}); it is shown here instead.`;
  return undefined;
}

function withNote(view: View, note: string | undefined): View {
  return note ? { ...view, notes: [...(view.notes ?? []), note] } : view;
}

async function assertUniqueName(ctx: CommandContext, name: string, except?: number): Promise<void> {
  const existing = await findCampaign(ctx.db, name);
  if (existing && existing.id !== except && nameKey(existing.name) === nameKey(name)) {
    throw new UserError(
      'duplicate_campaign',
      `A campaign named “${name}” exists already (#${existing.id}, ${stateLabel(existing.state)}).`,
      { hint: 'Pick another name.', context: { field: 'name' } },
    );
  }
  if (/^#?\d+$/.test(name))
    throw new UserError('bad_name', 'A campaign name cannot be only digits (they read as an id).', {
      hint: 'e.g. name="Winter winback"',
      context: { field: 'name' },
    });
}

/** Where a predicted audience is drawn from: the CLV model as of today in the business time zone. */
function targetAt(ctx: CommandContext) {
  const zone = ctx.config.BUSINESS_TZ;
  return { asOf: dayOfInstant(ctx.now(), zone), zone, progress: ctx.progress };
}

/** A create needs a target; an edit may leave it as it is. */
async function targetOf(ctx: CommandContext, options: TargetOptions, current?: Campaign): Promise<Target | undefined> {
  const target = await resolveTarget(ctx.db, options, targetAt(ctx), current);
  if (!target && !current)
    throw new UserError('no_target', 'Who should the campaign go to?', { hint: NO_TARGET_HINT, context: { field: 'segment' } });
  return target;
}

function settingsColumns(options: Partial<Record<keyof typeof settings, unknown>>): Updateable<CampaignsTable> {
  const set: Updateable<CampaignsTable> = {};
  checkTemplates({
    message: options.message as string | undefined,
    subject: options.subject as string | undefined,
    channel: options.channel as string | undefined,
  });
  if (options.channel !== undefined) set.channel = String(options.channel);
  if (options.message !== undefined) set.message = String(options.message);
  if (options.subject !== undefined) set.subject = String(options.subject);
  if (options.budget !== undefined) set.budget_cents = parseAmount('budget', options.budget as number);
  if (options.cost_per_send !== undefined) set.cost_per_send_cents = parseAmount('cost_per_send', options.cost_per_send as number);
  if (options.holdout !== undefined) set.holdout_pct = parseHoldout(options.holdout as string);
  if (options.window !== undefined) set.window_days = parseWindow(options.window as string);
  if (options.start !== undefined) set.start_at = parseStart(String(options.start));
  return set;
}

/** A predicted audience that picked nobody today can still be saved (tomorrow's model may differ); it says so. */
function emptyAudienceNote(c: Campaign): string | undefined {
  return c.audience_members === 0
    ? `⚠️ Nobody matches this audience in the CLV model as of ${c.audience_as_of}: loosen its threshold, or it cannot be submitted.`
    : undefined;
}

function channelNote(ctx: CommandContext, channel: string): string | undefined {
  const missing = missingChannelConfig(ctx.config, channel);
  return missing.length ? `⚠️ The ${channel} channel needs ${missing.join(', ')} before it can be submitted.` : undefined;
}

/** `sending: 12 sent · 30 waiting · 2 failed (next try 14:02 UTC)`, `sent`, `sent with failures: …` */
function deliveryText(c: Campaign, o: OutboxCounts, next?: string): string {
  const status = deliveryStatus(c.state, o) ?? stateLabel(c.state);
  return `${status}: ${countsLine(o)}${status === 'sending' && next ? ` (next try ${utc(next)})` : ''}`;
}

function deliveryData(c: Campaign, o: OutboxCounts, next?: string) {
  return { status: deliveryStatus(c.state, o), ...o, waiting: o.pending, next_attempt_at: next ?? null };
}

/** The answer of pause, resume, retry and cancel: the campaign, its sends now, and what was done. */
async function controlReply(ctx: CommandContext, result: ControlResult, text: string, extra: Record<string, unknown> = {}) {
  const c = result.campaign;
  const next = await nextAttemptAt(ctx.db, c.id);
  return reply(
    { campaign: campaignData(c), delivery: deliveryData(c, result.outbox, next), ...extra },
    detailView(c, {
      text,
      fields: [...campaignFields(c), { label: 'Delivery', value: deliveryText(c, result.outbox, next) }],
    }),
  );
}

function detailView(c: Campaign, extra: Partial<View> = {}): View {
  return { title: `Campaign #${c.id} “${c.name}”`, fields: campaignFields(c), ...extra };
}

export default defineCommand({
  name: 'campaign',
  description: 'Campaigns: create, approve by a second person, launch exactly once, measure against a holdout.',
  subcommands: [
    defineAction({
      name: 'create',
      description: 'Creates a draft campaign for a segment or a predicted audience (churn-risk, top-clv:N%, likely-buyers).',
      options: z.object({
        name: z.string().min(1).max(80).describe('a name for the campaign'),
        ...settings,
        channel: settings.channel.default('log'),
      }),
      role: 'marketer',
      visibility: 'public',
      examples: [
        '/campaign create name="Winter winback" segment=at-risk channel=email subject="We miss you" message="20% off this week" cost_per_send=0.01 holdout=10% window=14d',
        '/campaign create name="Spring sale" segment=champions budget=500 cost_per_send=0.02',
        '/campaign create name="Lapsed VIPs" audience=churn-risk p_alive_below=30% message="We saved you a seat"',
        '/campaign create name="Best customers" audience=top-clv:10%',
      ],
      formPreview: async (ctx, options) => {
        const name = options.name.trim();
        await assertUniqueName(ctx, name);
        settingsColumns(options);
        const target = (await targetOf(ctx, options))!;
        return emailPreview(
          ctx.db,
          ctx.config,
          {
            name,
            subject: options.subject ?? null,
            message: options.message ?? null,
            channel: options.channel,
            segment: target.segment,
            segmentName: target.label,
          },
          target.members,
          { asOf: targetAt(ctx).asOf },
        );
      },
      handler: async (ctx, options) => {
        const name = options.name.trim();
        await assertUniqueName(ctx, name);
        const set = settingsColumns(options);
        const target = (await targetOf(ctx, options))!;
        const now = ctx.now();
        const at = now.toISOString();
        const values = {
          name,
          segment: target.segment,
          channel: options.channel,
          message: set.message ?? null,
          subject: set.subject ?? null,
          budget_cents: set.budget_cents ?? null,
          cost_per_send_cents: (set.cost_per_send_cents as number | undefined) ?? 0,
          currency: ctx.config.DEFAULT_CURRENCY,
          holdout_pct: (set.holdout_pct as number | undefined) ?? 10,
          window_days: (set.window_days as number | undefined) ?? 7,
          start_at: set.start_at ?? null,
          seed: randomInt(1, 2 ** 31 - 1),
          state: 'draft',
          created_by: ctx.caller.userId,
          created_platform: ctx.caller.platform,
          created_channel: ctx.caller.channelId ?? null,
          created_at: at,
          updated_at: at,
        };
        const id = await ctx.db.transaction().execute(async (trx) => {
          const inserted = await trx.insertInto('campaigns').values(values).returning('id').executeTakeFirstOrThrow();
          await recordChanges(trx, Number(inserted.id), actorOf(ctx.caller), now, diffContent(null, values));
          if (target.predicted) await freezePredicted(trx, Number(inserted.id), target.predicted);
          return Number(inserted.id);
        });
        const campaign = await getCampaign(ctx.db, id);
        return reply(
          { campaign: campaignData(campaign) },
          detailView(campaign, {
            text: `📝 Draft created. Submit it for approval with /campaign submit ${campaign.id}.`,
            notes: [channelNote(ctx, campaign.channel), emptyAudienceNote(campaign)].filter((n): n is string => Boolean(n)),
          }),
        );
      },
    }),
    defineAction({
      name: 'list',
      description: 'Lists campaigns, newest first.',
      options: z.object({ state: z.enum(CAMPAIGN_STATES).optional().describe('only campaigns in this state') }),
      positional: ['state'],
      role: 'viewer',
      visibility: 'public',
      examples: ['/campaign list', '/campaign list draft'],
      handler: async (ctx, { state }) => {
        const campaigns = await listCampaigns(ctx.db, state);
        const counts = await outboxCountsByCampaign(
          ctx.db,
          campaigns.filter((c) => c.launched_at).map((c) => c.id),
        );
        const delivery = (c: Campaign) => {
          const o = counts.get(c.id);
          return c.launched_at && o ? deliveryStatus(c.state, o) : null;
        };
        return reply(
          { campaigns: campaigns.map((c) => ({ ...campaignData(c), delivery: delivery(c) })) },
          {
            title: 'Campaigns',
            text: campaigns.length
              ? undefined
              : state
                ? `No ${stateLabel(state)} campaigns.`
                : 'No campaigns yet: create one with /campaign create.',
            tables: campaigns.length
              ? [
                  {
                    columns: ['#', 'Name', 'State', 'Channel', 'Audience', 'Created by', 'Created'],
                    rows: campaigns.map((c) => [
                      c.id,
                      c.name,
                      delivery(c) && delivery(c) !== stateLabel(c.state) ? `${stateLabel(c.state)} · ${delivery(c)}` : stateLabel(c.state),
                      c.channel,
                      targetName(c.segment),
                      mention(c.created_by),
                      c.created_at.slice(0, 10),
                    ]),
                    numeric: [true, false, false, false, false, false, false],
                  },
                ]
              : undefined,
          },
        );
      },
    }),
    defineAction({
      name: 'show',
      description: 'Shows a campaign, its history and its sends.',
      options: z.object({ campaign: campaignRef }),
      positional: ['campaign'],
      role: 'viewer',
      visibility: 'public',
      examples: ['/campaign show "Winter winback"', '/campaign show 2'],
      handler: async (ctx, { campaign: ref }) => {
        const c = await load(ctx, ref);
        const history = await transitionsOf(ctx.db, c.id);
        const changes = await changesOf(ctx.db, c.id);
        const request = c.state === 'pending_approval' ? await pendingRequest(ctx.db, c.id) : undefined;
        const outbox = c.launched_at ? await outboxCounts(ctx.db, c.id) : null;
        const next = outbox?.pending ? await nextAttemptAt(ctx.db, c.id) : undefined;
        const moves = TRANSITIONS[c.state as keyof typeof TRANSITIONS];
        return reply(
          {
            campaign: campaignData(c),
            transitions: history.map((t) => ({ ...t, id: Number(t.id), campaign_id: Number(t.campaign_id) })),
            changes,
            approval_request: request ? { id: request.id, content_hash: request.content_hash, requested_by: request.requested_by } : null,
            outbox,
            delivery: outbox ? deliveryData(c, outbox, next) : null,
            allowed_moves: moves,
          },
          detailView(c, {
            text: c.message ? `Message: ${c.message}` : undefined,
            fields: [
              ...campaignFields(c),
              ...(c.state === 'pending_approval'
                ? [
                    {
                      label: 'Approval request',
                      value: `${request ? `#${request.id} (content ${shortHash(request.content_hash)}) ` : ''}by ${mention(c.submitted_by)} ${utc(c.submitted_at)}, expires ${utc(c.approval_expires_at)}`,
                    },
                  ]
                : []),
              ...(c.decided_by
                ? [
                    {
                      label: 'Decision',
                      value: `${c.decision_reason ? `${c.decision_reason} — ` : ''}${mention(c.decided_by)} ${utc(c.decided_at)}`,
                    },
                  ]
                : []),
              ...(outbox
                ? [
                    { label: 'Delivery', value: deliveryText(c, outbox, next) },
                    {
                      label: 'Sends',
                      value: `${formatCount(outbox.sent)} sent, ${formatCount(outbox.failed)} failed, ${outbox.skipped ? `${formatCount(outbox.skipped)} skipped (consent withdrawn), ` : ''}${outbox.cancelled ? `${formatCount(outbox.cancelled)} not sent (cancelled), ` : ''}${formatCount(outbox.pending)} owed; ${formatCount(c.holdout_size ?? 0)} held out`,
                    },
                  ]
                : []),
            ],
            tables: [
              ...(history.length
                ? [
                    {
                      title: 'History',
                      columns: ['When (UTC)', 'From', 'To', 'Who', 'Why'],
                      rows: history.map((t) => [
                        t.at.slice(0, 16).replace('T', ' '),
                        stateLabel(t.from_state),
                        stateLabel(t.to_state),
                        mention(t.actor),
                        t.reason ?? '',
                      ]),
                    },
                  ]
                : []),
              ...(changes.length
                ? [
                    {
                      title: 'Changes',
                      columns: ['When (UTC)', 'Who', 'What'],
                      rows: changes.map((e) => [
                        e.at.slice(0, 16).replace('T', ' '),
                        mention(e.user_id),
                        describeChanges(e.changes, c.currency),
                      ]),
                    },
                  ]
                : []),
            ],
            notes: [moves.length ? `Next moves: ${moves.map(stateLabel).join(', ')}.` : 'No further moves.'],
          }),
        );
      },
    }),
    defineAction({
      name: 'preview',
      description: 'Shows the email one customer would get: merge fields filled in from their data, fallbacks named. Only you see it.',
      options: z.object({
        campaign: campaignRef,
        customer: z.string().min(1).max(100).optional().describe('whose email to show (default: a member of the audience with a name)'),
      }),
      positional: ['campaign'],
      role: 'marketer',
      visibility: 'private',
      examples: ['/campaign preview "Spring sale"'],
      handler: async (ctx, { campaign: ref, customer }) => {
        const c = await load(ctx, ref);
        const members = await campaignMembers(ctx.db, c);
        const zone = ctx.config.BUSINESS_TZ;
        const view = await emailPreview(
          ctx.db,
          ctx.config,
          { ...c, segmentName: members.segment_name },
          members.customer_ids,
          // clv_band as it was (or will be) sent: the launch day's model
          { asOf: c.launched_at ? dayOf(c.launched_at, zone) : dayOfInstant(ctx.now(), zone), customerId: customer?.trim(), saved: true },
        );
        return reply({ campaign: campaignData(c), preview: { text: view.text } }, view);
      },
    }),
    defineAction({
      name: 'edit',
      description: 'Changes a draft, or a campaign awaiting approval (its request is then withdrawn).',
      options: z.object({ campaign: campaignRef, name: z.string().min(1).max(80).optional().describe('a new name'), ...partial(settings) }),
      positional: ['campaign'],
      role: 'marketer',
      visibility: 'public',
      examples: ['/campaign edit spring-sale holdout=20% window=14d'],
      handler: async (ctx, { campaign: ref, name, ...options }) => {
        const c = await load(ctx, ref);
        if (c.state !== 'draft' && c.state !== 'pending_approval') {
          throw new UserError(
            'not_draft',
            `Campaign #${c.id} is *${stateLabel(c.state)}*: only drafts (and campaigns awaiting approval) can be edited.`,
            {
              hint: ['approved', 'rejected'].includes(c.state)
                ? `Reopen it as a draft with /campaign reopen ${c.id} (it then needs approval again).`
                : 'Create a new campaign instead.',
            },
          );
        }
        const set = settingsColumns(options);
        if (name !== undefined) {
          await assertUniqueName(ctx, name.trim(), c.id);
          set.name = name.trim();
        }
        const target = await targetOf(ctx, options, c);
        if (target) set.segment = target.segment;
        if (Object.keys(set).length === 0)
          throw new UserError('nothing_to_edit', 'Say what to change, e.g. holdout=20% or message="…".', { hint: '/help campaign' });
        const changes = diffContent(c, set);
        const changed = Object.keys(changes);
        const fields = changed.map(fieldLabel);
        if (fields.length === 0) {
          return reply(
            { campaign: campaignData(c), changed, request_withdrawn: false },
            detailView(c, { text: 'Nothing changed: those are its current values.' }),
          );
        }
        const actor = actorOf(ctx.caller);
        const now = ctx.now();
        // a new target replaces the frozen predicted audience (or drops it for a segment) with the same write
        const audience = async (trx: Transaction<Database>) => {
          if (!changes.segment) return;
          if (target?.predicted) await freezePredicted(trx, c.id, target.predicted);
          else await clearPredicted(trx, c.id);
        };
        let withdrawn = false;
        if (c.state === 'pending_approval') {
          // the pending request asked about other content: it is withdrawn and its card says so
          await moveCampaign(
            deps(ctx),
            c,
            { to: 'draft', actor, at: now, reason: `edited (${fields.join(', ')}): approval request withdrawn`, set },
            { changes, withdrawReason: `@${actor.userId} changed ${fields.join(', ')}`, also: audience },
          );
          withdrawn = true;
        } else {
          await ctx.db.transaction().execute(async (trx) => {
            const result = await trx
              .updateTable('campaigns')
              .set({ ...set, updated_at: now.toISOString() })
              .where('id', '=', c.id)
              .where('state', '=', 'draft')
              .executeTakeFirst();
            if (Number(result.numUpdatedRows) !== 1) {
              throw new UserError('campaign_changed', `Campaign #${c.id} changed meanwhile: it is no longer a draft.`, {
                hint: `Look at it again with /campaign show ${c.id}.`,
              });
            }
            await recordChanges(trx, c.id, actor, now, changes);
            await audience(trx);
          });
        }
        const updated = await getCampaign(ctx.db, c.id);
        return reply(
          { campaign: campaignData(updated), changed, request_withdrawn: withdrawn },
          detailView(updated, {
            text: `✏️ Updated ${fields.join(', ')}.${withdrawn ? ` Its approval request was withdrawn (approval is for exact content): submit it again with /campaign submit ${c.id}.` : ''}`,
            notes: [channelNote(ctx, updated.channel)].filter((n): n is string => Boolean(n)),
          }),
        );
      },
    }),
    defineAction({
      name: 'submit',
      description: 'Asks for approval: posts the audience, holdout, cost and forecast with Approve/Reject buttons.',
      options: z.object({ campaign: campaignRef }),
      positional: ['campaign'],
      role: 'marketer',
      visibility: 'public',
      examples: ['/campaign submit 2', '/campaign submit "spring sale"'],
      long: true,
      writes: true,
      handler: async (ctx, { campaign: ref }) => {
        const c = await load(ctx, ref);
        ctx.progress({ fraction: null, message: 'sizing the audience and forecasting revenue' });
        const { campaign, preview, view, posting, request } = await submitCampaign(deps(ctx), c, actorOf(ctx.caller), ctx.progress);
        const data = { campaign: campaignData(campaign), preview, request: requestData(request), posting };
        if (posting.status === 'posted') {
          return reply(data, {
            text: `📨 Campaign #${campaign.id} submitted for approval. ${postingNote(posting)} It expires ${utc(campaign.approval_expires_at)}.`,
            ephemeral: true,
          });
        }
        return reply(data, withNote(view, postingNote(posting)));
      },
    }),
    defineAction({
      name: 'approve',
      description: 'Approves the content of a campaign awaiting approval (never one you created, submitted or changed).',
      options: z.object({
        campaign: campaignRef,
        request: requestRef,
      }),
      positional: ['campaign'],
      role: 'approver',
      visibility: 'public',
      examples: ['/campaign approve 2'],
      handler: async (ctx, { campaign: ref, request: requestId }) => {
        const c = await getCampaign(ctx.db, ref);
        const { campaign, view, posting, request } = await decideCampaign(
          deps(ctx),
          c,
          actorOf(ctx.caller),
          'approved',
          undefined,
          requestId,
        );
        return reply({ campaign: campaignData(campaign), request: requestData(request), posting }, withNote(view, postingNote(posting)));
      },
    }),
    defineAction({
      name: 'reject',
      description: 'Rejects a campaign awaiting approval, saying why (never one you created, submitted or changed).',
      options: z.object({
        campaign: campaignRef,
        reason: z.string().trim().min(1).max(500).describe('why you reject it, so the marketer knows what to change'),
        request: requestRef,
      }),
      positional: ['campaign', 'reason'],
      role: 'approver',
      visibility: 'public',
      examples: ['/campaign reject 2 reason="holdout too small"'],
      handler: async (ctx, { campaign: ref, reason, request: requestId }) => {
        const c = await getCampaign(ctx.db, ref);
        const { campaign, view, posting, request } = await decideCampaign(deps(ctx), c, actorOf(ctx.caller), 'rejected', reason, requestId);
        return reply({ campaign: campaignData(campaign), request: requestData(request), posting }, withNote(view, postingNote(posting)));
      },
    }),
    defineAction({
      name: 'reopen',
      description: 'Turns a pending, approved or rejected campaign back into a draft to edit (it needs approval again).',
      options: z.object({ campaign: campaignRef }),
      positional: ['campaign'],
      role: 'marketer',
      visibility: 'public',
      examples: ['/campaign reopen 2'],
      handler: async (ctx, { campaign: ref }) => {
        const c = await load(ctx, ref);
        const draft = await moveCampaign(deps(ctx), c, {
          to: 'draft',
          actor: actorOf(ctx.caller),
          at: ctx.now(),
          reason: 'reopened for edits',
        });
        return reply(
          { campaign: campaignData(draft) },
          detailView(draft, { text: `↩️ Campaign #${draft.id} is a draft again. Edit it, then /campaign submit ${draft.id}.` }),
        );
      },
    }),
    defineAction({
      name: 'cancel',
      description: 'Cancels a campaign before launch, or stops one that is sending or paused and says who was not sent.',
      options: z.object({ campaign: campaignRef, reason: z.string().max(500).optional().describe('why') }),
      positional: ['campaign'],
      role: 'marketer',
      visibility: 'public',
      examples: ['/campaign cancel 1 reason="replaced by the spring sale"'],
      handler: async (ctx, { campaign: ref, reason }) => {
        const c = await load(ctx, ref);
        if (c.state === 'launching' || c.state === 'paused') {
          const result = await cancelDelivery(deps(ctx), c, actorOf(ctx.caller), reason);
          const first = result.first_not_sent;
          return controlReply(
            ctx,
            result,
            `🛑 Campaign #${c.id} stopped: ${formatCount(result.not_sent)} recipient${result.not_sent === 1 ? ' was' : 's were'} not sent${
              first.length ? ` (first: ${first.join(', ')}${result.not_sent > first.length ? ', …' : ''})` : ''
            }; ${formatCount(result.outbox.sent)} had been sent. A batch already in flight finishes and counts as sent.`,
            { not_sent: result.not_sent, first_not_sent: first },
          );
        }
        const cancelled = await moveCampaign(deps(ctx), c, { to: 'cancelled', actor: actorOf(ctx.caller), at: ctx.now(), reason });
        return reply({ campaign: campaignData(cancelled) }, detailView(cancelled, { text: `🛑 Campaign #${cancelled.id} cancelled.` }));
      },
    }),
    defineAction({
      name: 'launch',
      description: 'Launches an approved campaign now: freezes the audience, draws the holdout, delivers exactly once.',
      options: z.object({ campaign: campaignRef }),
      positional: ['campaign'],
      role: 'marketer',
      visibility: 'public',
      examples: ['/campaign launch 2'],
      long: true,
      writes: true,
      handler: async (ctx, { campaign: ref }) => {
        const c = await load(ctx, ref);
        const result = await launchCampaign(deps(ctx), c, actorOf(ctx.caller), ctx.progress);
        const launched = await getCampaign(ctx.db, c.id);
        const o = result.outbox;
        if (result.delivery === 'sending' || result.delivery === 'paused') {
          return reply(
            { campaign: campaignData(launched), launch: result },
            detailView(launched, {
              text: `📤 Campaign #${c.id} is *${result.delivery}*: ${countsLine(o)} of ${countOf(o.total, 'recipient')}${
                result.next_attempt_at ? `; next try ${utc(result.next_attempt_at)}` : ''
              }. Temporary failures are retried for up to ${ctx.config.DELIVERY_RETRY_HOURS} h; the progress is kept up to date in this channel.`,
              notes: [`Pause with /campaign pause ${c.id}, stop with /campaign cancel ${c.id}.`],
            }),
          );
        }
        return reply(
          { campaign: campaignData(launched), launch: result },
          detailView(launched, {
            text: `🚀 Campaign #${c.id} is *${stateLabel(launched.state)}* (${result.delivery ?? 'sent'}): ${formatCount(o.sent)} of ${countOf(o.total, 'recipient')} sent${launched.channel === 'log' ? ' (log channel: recorded, nothing delivered)' : ''}${o.failed ? `, ${formatCount(o.failed)} failed` : ''}${o.skipped ? `, ${formatCount(o.skipped)} skipped (consent withdrawn since launch)` : ''}; ${formatCount(result.holdout)} held out of an audience of ${formatCount(result.audience)}.`,
            notes: [
              ...(o.failed ? [`Send the failed ones again with /campaign retry ${c.id}.`] : []),
              `Measure it with /campaign report ${c.id} (attribution window ${countOf(launched.window_days, 'day')} from ${dayOf(launched.launched_at!, ctx.config.BUSINESS_TZ)}).`,
            ],
          }),
        );
      },
    }),
    defineAction({
      name: 'pause',
      description: 'Pauses a campaign that is sending, after the batch in flight; resume or cancel it later.',
      options: z.object({ campaign: campaignRef }),
      positional: ['campaign'],
      role: 'marketer',
      visibility: 'public',
      handler: async (ctx, { campaign: ref }) => {
        const result = await pauseDelivery(deps(ctx), await load(ctx, ref), actorOf(ctx.caller));
        const id = result.campaign.id;
        return controlReply(
          ctx,
          result,
          `⏸️ Campaign #${id} paused: ${formatCount(result.outbox.pending)} still owed. Continue with /campaign resume ${id}, or stop with /campaign cancel ${id}.`,
        );
      },
    }),
    defineAction({
      name: 'resume',
      description: 'Continues a paused campaign: sends to everyone still owed, never twice to anyone.',
      options: z.object({ campaign: campaignRef }),
      positional: ['campaign'],
      role: 'marketer',
      visibility: 'public',
      long: true,
      writes: true,
      handler: async (ctx, { campaign: ref }) => {
        const result = await resumeDelivery(deps(ctx), await load(ctx, ref), actorOf(ctx.caller), ctx.progress);
        return controlReply(ctx, result, `▶️ Campaign #${result.campaign.id} resumed: ${deliveryText(result.campaign, result.outbox)}.`);
      },
    }),
    defineAction({
      name: 'retry',
      description: 'Sends again to the recipients that failed (same keys, so never twice to anyone): failed, or all to include refusals.',
      options: z.object({
        campaign: campaignRef,
        which: z
          .enum(['failed', 'all'])
          .default('failed')
          .describe('failed: those that gave up on temporary errors (default); all: refusals (HTTP 400, invalid address) too'),
      }),
      positional: ['campaign', 'which'],
      role: 'marketer',
      visibility: 'public',
      long: true,
      writes: true,
      examples: ['/campaign retry 2', '/campaign retry 2 all'],
      handler: async (ctx, { campaign: ref, which }) => {
        const result = await retryDelivery(deps(ctx), await load(ctx, ref), which, actorOf(ctx.caller), ctx.progress);
        return controlReply(
          ctx,
          result,
          result.requeued === 0
            ? `✅ Nothing to send again: no recipient of campaign #${result.campaign.id} failed (${deliveryText(result.campaign, result.outbox)}).`
            : `🔁 ${countOf(result.requeued, 'failed recipient')} of campaign #${result.campaign.id} requeued: ${deliveryText(result.campaign, result.outbox)}.`,
          { requeued: result.requeued },
        );
      },
    }),
    defineAction({
      name: 'report',
      description:
        'What the campaign earned: rates, revenue of recipients vs holdout, incremental revenue, lift and ROI with 95% intervals.',
      options: z.object({
        campaign: campaignRef,
        as_of: isoDate.optional().describe('measure up to the end of this day (default today)'),
        tz: timeZoneOption,
      }),
      positional: ['campaign'],
      role: 'viewer',
      visibility: 'public',
      examples: ['/campaign report 2', '/campaign report 2 as_of=2026-12-31'],
      handler: async (ctx, { campaign: ref, as_of, tz }) => {
        const c = await getCampaign(ctx.db, ref);
        const zone = zoneFor(ctx.config, tz);
        const report = await campaignReport(ctx.db, c.id, as_of ?? dayOfInstant(ctx.now(), zone), zone, { outDir: ctx.outDir });
        return reply(report.data, report.view);
      },
    }),
  ],
});

function requestData(request: ApprovalRequest) {
  return {
    id: request.id,
    status: request.status,
    content_hash: request.content_hash,
    content: JSON.parse(request.content) as unknown,
    requested_by: request.requested_by,
    requested_at: request.requested_at,
    decided_by: request.decided_by,
    decided_at: request.decided_at,
  };
}

function partial<T extends Record<string, z.ZodType>>(shape: T): { [K in keyof T]: z.ZodOptional<T[K]> } {
  return Object.fromEntries(Object.entries(shape).map(([key, schema]) => [key, schema.optional()])) as {
    [K in keyof T]: z.ZodOptional<T[K]>;
  };
}
