import { countOf, formatCount, formatPercent, plural } from '../core/format.ts';
import type { Button, Field, View } from '../core/reply.ts';
import { formatMoney } from '../store/money.ts';
import type { AudiencePreview } from './preview.ts';
import type { Campaign } from './repository.ts';
import { shortHash, type ApprovalRequest, type RequestContent } from './requests.ts';
import { stateLabel } from './states.ts';
import { mention } from '../core/mention.ts';
import { segmentsText, type SegmentCount } from '../sms/segments.ts';
import { audienceText, storedDefinition } from './audience-definition.ts';
import { describePredicted, predictedLabel, type AudienceBasis } from './predicted-audience.ts';

export const utc = (iso: string | null | undefined) => (iso ? `${iso.slice(0, 16).replace('T', ' ')} UTC` : '—');

/** The campaign as `--json` shows it (snake_case, plain numbers). */
export function campaignData(c: Campaign) {
  return {
    id: c.id,
    name: c.name,
    state: c.state,
    segment: c.segment,
    channel: c.channel,
    message: c.message,
    subject: c.subject,
    budget_cents: c.budget_cents,
    cost_per_send_cents: c.cost_per_send_cents,
    currency: c.currency,
    holdout_pct: c.holdout_pct,
    window_days: c.window_days,
    start_at: c.start_at,
    seed: c.seed,
    created_by: c.created_by,
    created_at: c.created_at,
    submitted_by: c.submitted_by,
    submitted_at: c.submitted_at,
    approval_expires_at: c.approval_expires_at,
    decided_by: c.decided_by,
    decided_at: c.decided_at,
    decision_reason: c.decision_reason,
    launched_by: c.launched_by,
    launched_at: c.launched_at,
    audience_size: c.audience_size,
    holdout_size: c.holdout_size,
    live_at: c.live_at,
    completed_at: c.completed_at,
    audience: predictedData(c),
  };
}

/** A predicted audience as `--json` shows it; null for a campaign on a segment. */
function predictedData(c: Campaign) {
  const definition = storedDefinition(c.segment);
  if (!definition) return null;
  return {
    definition: audienceText(definition),
    description: describePredicted(c),
    as_of: c.audience_as_of,
    members: c.audience_members === null ? null : Number(c.audience_members),
    basis: c.audience_basis ? (JSON.parse(c.audience_basis) as AudienceBasis) : null,
  };
}

/** How lists and cards name who a campaign goes to: the segment, or `predicted churn-risk p_alive_below=50%`. */
export function targetName(segment: string): string {
  const definition = storedDefinition(segment);
  return definition ? predictedLabel(definition, null) : segment;
}

export function campaignFields(c: Campaign): Field[] {
  const money = (cents: number | null) => (cents === null ? '—' : formatMoney(cents, c.currency));
  return [
    { label: 'State', value: stateLabel(c.state) },
    storedDefinition(c.segment) ? { label: 'Predicted audience', value: describePredicted(c)! } : { label: 'Segment', value: c.segment },
    { label: 'Channel', value: c.channel },
    { label: 'Holdout', value: `${c.holdout_pct}%` },
    { label: 'Attribution window', value: countOf(c.window_days, 'day') },
    { label: 'Budget', value: money(c.budget_cents) },
    { label: 'Cost per send', value: money(c.cost_per_send_cents) },
    { label: 'Start', value: c.start_at ? utc(c.start_at) : 'when launched' },
    { label: 'Created by', value: `${mention(c.created_by)} ${utc(c.created_at)}` },
  ];
}

export function previewFields(c: Campaign, p: AudiencePreview): Field[] {
  const money = (cents: number) => formatMoney(Math.round(cents), c.currency);
  const ex = p.excluded;
  const excluded = [
    ex.no_consent && `${formatCount(ex.no_consent)} without ${c.channel === 'sms' ? 'SMS consent' : 'consent'}`,
    ex.unsubscribed && `${formatCount(ex.unsubscribed)} unsubscribed`,
    ex.no_email && `${formatCount(ex.no_email)} without an email address`,
    ex.no_phone && `${formatCount(ex.no_phone)} without a phone number`,
    ex.unknown && `${formatCount(ex.unknown)} unknown`,
  ].filter(Boolean);
  const f = p.forecast;
  const forecastText =
    f.method === 'clv'
      ? `${money(f.expected_revenue_cents)} expected from the ${countOf(f.members, 'recipient')} over ${countOf(f.window_days, 'day')} (predicted CLV, ${money(f.revenue_per_member_cents)} each)`
      : `The CLV model can't be fitted yet: ${f.clv_unavailable_reason}. Historical average instead: the recipients spent ${money(f.revenue_per_member_cents)} each in the ${countOf(f.window_days, 'day')} to ${f.as_of}, ${money(f.expected_revenue_cents)} in all`;
  return [
    {
      label: 'Audience',
      value: `${formatCount(p.audience)} of ${formatCount(p.segment_members)} in ${p.segment_name}${excluded.length ? ` (excluded: ${excluded.join(', ')})` : ''}`,
    },
    { label: 'Holdout', value: `${formatCount(p.holdout)} (${c.holdout_pct}%), not contacted; ${countOf(p.recipients, 'recipient')}` },
    {
      label: 'Estimated cost',
      value: `${money(p.estimated_cost_cents)}${p.sms ? ` (${countOf(p.recipients, 'message')} × ${countOf(p.sms.segments, 'segment')} at ${money(c.cost_per_send_cents)} per segment)` : ''}${c.budget_cents !== null ? ` of a ${money(c.budget_cents)} budget${p.over_budget ? ' ⚠️ over budget' : ''}` : ''}`,
    },
    ...(p.sms ? [{ label: 'SMS', value: smsSizeText(p.sms) }] : []),
    { label: 'Baseline forecast (without the campaign)', value: forecastText },
    { label: 'Expected incremental revenue', value: incrementalText(c, p, money) },
  ];
}

function incrementalText(c: Campaign, p: AudiencePreview, money: (cents: number) => string): string {
  const inc = p.incremental;
  if (inc.expected_cents !== null) {
    const ids = inc.from_campaigns.map((id) => `#${id}`).join(', ');
    return `${money(inc.expected_cents)} (${money(inc.per_recipient_cents!)} per recipient, from the holdout results of ${plural(inc.from_campaigns.length, 'campaign')} ${ids} on ${p.segment_name})${inc.roi === null ? '' : `; incremental ROI ${formatPercent(inc.roi)}`}`;
  }
  const cost =
    c.channel === 'log'
      ? 'a log dry run costs nothing'
      : inc.break_even_lift !== null
        ? `it pays for itself if it lifts the recipients' revenue by at least ${formatPercent(inc.break_even_lift)} (break-even lift: ${money(p.estimated_cost_cents)} cost / ${money(p.forecast.expected_revenue_cents)} baseline)`
        : p.estimated_cost_cents > 0
          ? 'no baseline revenue to compare the cost with'
          : 'no cost set (cost_per_send)';
  return `unknown: no earlier campaign on ${p.segment_name} has a measurable holdout result yet; ${cost}`;
}

/** Both ask for confirmation; Reject then asks for the reason in a form. The typed commands do the same without asking. */
export function approvalButtons(c: Campaign, request: ApprovalRequest): Button[] {
  const { audience } = JSON.parse(request.content) as RequestContent;
  const recipients = `${formatCount(audience)} ${audience === 1 ? 'person' : 'people'}`;
  return [
    {
      label: 'Approve',
      command: `/campaign approve ${c.id} request=${request.id}`,
      style: 'primary',
      confirm: {
        title: 'Approve this campaign?',
        text: `Approve campaign #${c.id} “${c.name}” (request #${request.id}, ${recipients})? It can then be launched.`,
        confirm: 'Approve',
        deny: 'Cancel',
      },
    },
    {
      label: 'Reject',
      command: `/campaign reject ${c.id} request=${request.id}`,
      style: 'danger',
      confirm: {
        title: 'Reject this campaign?',
        text: `Reject campaign #${c.id} “${c.name}” (request #${request.id})? Next you can say why; the requester is told.`,
        confirm: 'Reject',
        deny: 'Cancel',
      },
      asks: ['reason'],
    },
  ];
}

function requestField(request: ApprovalRequest): Field {
  return { label: 'Request', value: `#${request.id}, content ${shortHash(request.content_hash)}` };
}

function excludedText(excluded: Map<string, string>): string {
  return [...excluded].map(([user, why]) => `${mention(user)} (${why})`).join(', ');
}

export function approvalRequestView(c: Campaign, p: AudiencePreview, request: ApprovalRequest, excluded: Map<string, string>): View {
  return {
    title: `Approval requested: campaign #${c.id} “${c.name}”`,
    text: `${mention(request.requested_by)} asks for approval. Anyone with the approver role may decide except whoever created, submitted or changed it since its last approval: ${excludedText(excluded)}. The request expires ${utc(request.expires_at)}.${c.message ? `\nMessage: ${c.message}` : ''}`,
    fields: [...campaignFields(c).filter((f) => f.label !== 'State'), ...previewFields(c, p), requestField(request)],
    buttons: approvalButtons(c, request),
    notes: [
      `Forecast and cost cover the ${c.window_days}-day attribution window from launch.`,
      `Approval is for exactly this content: any edit withdraws this request.`,
      `Or type /campaign approve ${c.id} or /campaign reject ${c.id} reason=…`,
    ],
  };
}

export type RequestOutcome = 'approved' | 'rejected' | 'expired' | 'withdrawn';

/** What a request asked approval for, as stored with it (the card keeps showing it once decided). */
function contentFields(request: ApprovalRequest): Field[] {
  const content = JSON.parse(request.content) as RequestContent;
  return [
    {
      label: 'Audience',
      value: `${formatCount(content.audience)} in ${targetName(content.segment)}${content.segment_id.startsWith('predicted:') ? ` (CLV model as of ${content.segment_id.slice('predicted:'.length)})` : ''}`,
    },
    { label: 'Channel', value: content.channel },
    { label: 'Holdout', value: `${content.holdout_pct}%` },
    { label: 'Start', value: content.start_at ? utc(content.start_at) : 'when launched' },
    ...(content.subject ? [{ label: 'Subject', value: content.subject }] : []),
    { label: 'Message', value: content.message ?? '—' },
    requestField(request),
  ];
}

/** The request once closed: who decided what and when (or why it was withdrawn); no buttons. */
export function resolvedRequestView(c: Campaign, outcome: RequestOutcome, request: ApprovalRequest): View {
  const headline =
    outcome === 'approved'
      ? `✅ Approved by ${mention(request.decided_by)} at ${utc(request.decided_at)}.`
      : outcome === 'rejected'
        ? `❌ Rejected by ${mention(request.decided_by)} at ${utc(request.decided_at)}${request.reason ? `: ${request.reason}` : ''}.`
        : outcome === 'expired'
          ? `⌛ The approval request expired at ${utc(request.expires_at)} without a decision; it is a draft again and must be resubmitted (/campaign submit ${c.id}).`
          : `🚫 Withdrawn at ${utc(request.decided_at)}${request.decided_by ? ` by ${mention(request.decided_by)}` : ''}${request.reason ? `: ${request.reason}` : ''}. This request can no longer be approved; the campaign is *${stateLabel(c.state)}*.`;
  return {
    title: `Campaign #${c.id} “${c.name}”: ${outcome}`,
    text: `${headline}\nRequested by ${mention(request.requested_by)} at ${utc(request.requested_at)}.`,
    fields: contentFields(request),
    notes:
      outcome === 'approved'
        ? [
            c.start_at
              ? `Launches automatically at ${utc(c.start_at)}, or now with /campaign launch ${c.id}.`
              : `Launch it with /campaign launch ${c.id}.`,
          ]
        : undefined,
  };
}

/** What the requester is told in the card's thread once their request is closed by someone else (or expires). */
export function requesterNoticeView(c: Campaign, outcome: RequestOutcome, request: ApprovalRequest): View {
  const subject = `${mention(request.requested_by)} your approval request #${request.id} for campaign #${c.id} “${c.name}”`;
  const by = request.decided_by ? ` by ${mention(request.decided_by)}` : '';
  const why = request.reason ? `: ${request.reason}` : '';
  const text =
    outcome === 'approved'
      ? `✅ ${subject} was approved${by}. ${c.start_at ? `It launches automatically at ${utc(c.start_at)}, or now with /campaign launch ${c.id}.` : `Launch it with /campaign launch ${c.id}.`}`
      : outcome === 'rejected'
        ? `❌ ${subject} was rejected${by}${why || ' (no reason given)'}. To change it and ask again: /campaign reopen ${c.id}, then /campaign submit ${c.id}.`
        : outcome === 'expired'
          ? `⌛ ${subject} expired at ${utc(request.expires_at)} without a decision; it is a draft again. Resubmit it with /campaign submit ${c.id}.`
          : `🚫 ${subject} was withdrawn${by}${why}; the campaign is *${stateLabel(c.state)}*.`;
  return { text };
}

/** `2 segments (GSM-7, 170 characters): 153 per segment once over 160` */
export function smsSizeText(count: SegmentCount): string {
  const rule =
    count.segments > 1
      ? `${count.partLimit} ${count.encoding === 'GSM-7' ? 'septets' : 'units'} per segment once over ${count.singleLimit}`
      : `up to ${count.singleLimit} in one`;
  const why = count.encoding === 'UCS-2' ? '; a character outside GSM-7 (an emoji, ç…) makes it UCS-2' : '';
  return `${segmentsText(count)}: ${rule}${why}, the opt-out line included`;
}
