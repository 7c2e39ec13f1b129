import { countsLine } from '../campaigns/launcher.ts';
import { stateLabel } from '../campaigns/states.ts';
import { utc } from '../campaigns/views.ts';
import { countOf, formatCount, formatPercent } from '../core/format.ts';
import { channelLink, mention } from '../core/mention.ts';
import { reply, type Button, type Field, type Reply, type Table } from '../core/reply.ts';
import { ROLE_DESCRIPTIONS } from '../core/roles.ts';
import { formatInZone } from '../core/time-zone.ts';
import { HOME_LIMITS, type HomeSummary, type OwnCampaign, type OwnDigest } from './summary.ts';
import { askAnAdmin } from './who-to-ask.ts';

/** Buttons one home shows at most; every one of them is also a typed command. */
const MAX_BUTTONS = 20;
/** Segments of the latest run offered as buttons. */
const SEGMENT_BUTTONS = 3;

function campaignDelivery(c: OwnCampaign): string {
  if (!c.delivery) return '—';
  return `${c.delivery.status ?? stateLabel(c.state)}: ${countsLine(c.delivery)}`;
}

function digestNext(d: OwnDigest): string {
  if (d.paused) return 'paused';
  return d.next_run ? formatInZone(new Date(d.next_run), d.time_zone) : 'never';
}

function digestChannel(d: OwnDigest): string {
  return d.platform === 'slack' || d.platform === 'discord' ? channelLink(d.channel_id) : `${d.platform}:${d.channel_id}`;
}

function summaryFields(s: HomeSummary): Field[] {
  const sending = s.campaigns.shown.filter((c) => c.delivery?.status === 'sending').length;
  const pending = s.campaigns.shown.filter((c) => c.state === 'pending_approval').length;
  const nextDigest = s.digests.shown.filter((d) => d.next_run).sort((a, b) => a.next_run!.localeCompare(b.next_run!))[0];
  const run = s.segment_run;
  return [
    {
      label: 'Waiting for your approval',
      value: s.approvals === null ? 'needs the approver role' : s.approvals.total ? formatCount(s.approvals.total) : 'nothing',
    },
    {
      label: 'Your campaigns',
      value: s.campaigns.total
        ? [formatCount(s.campaigns.total), sending && `${sending} sending`, pending && `${pending} awaiting approval`]
            .filter(Boolean)
            .join(' · ')
        : 'none yet',
    },
    {
      label: 'Your digests',
      value: s.digests.total ? `${formatCount(s.digests.total)}${nextDigest ? ` · next ${digestNext(nextDigest)}` : ''}` : 'none yet',
    },
    {
      label: 'Latest segment run',
      value: run
        ? `#${run.id}${run.name ? ` ${run.name}` : ''} (${run.method}) · ${countOf(run.customers, 'customer')} · as of ${run.as_of}`
        : 'none yet',
    },
  ];
}

function tables(s: HomeSummary): Table[] {
  const out: Table[] = [];
  if (s.approvals?.shown.length) {
    out.push({
      title: 'Waiting for your approval',
      columns: ['#', 'Campaign', 'Requested by', 'Audience', 'Channel', 'Expires'],
      numeric: [true, false, false, true, false, false],
      rows: s.approvals.shown.map((a) => [
        a.campaign_id,
        a.campaign,
        mention(a.requested_by),
        formatCount(a.audience),
        a.channel,
        utc(a.expires_at),
      ]),
    });
  }
  if (s.campaigns.shown.length) {
    out.push({
      title: 'Your campaigns',
      columns: ['#', 'Name', 'State', 'Delivery', 'Channel'],
      numeric: [true, false, false, false, false],
      rows: s.campaigns.shown.map((c) => [c.id, c.name, stateLabel(c.state), campaignDelivery(c), c.channel]),
    });
  }
  if (s.digests.shown.length) {
    out.push({
      title: 'Your digests',
      columns: ['#', 'Channel', 'Schedule', 'Next run', 'Last run'],
      numeric: [true, false, false, false, false],
      rows: s.digests.shown.map((d) => [d.id, digestChannel(d), `${d.cron} (${d.period})`, digestNext(d), d.last_status ?? '—']),
    });
  }
  const run = s.segment_run;
  if (run?.segments.length) {
    const shown = run.segments.slice(0, HOME_LIMITS.segments);
    out.push({
      title: `Latest segment run #${run.id}${run.name ? ` “${run.name}”` : ''} by ${mention(run.created_by)}, ${run.created_at.slice(0, 10)}`,
      columns: ['#', 'Segment', 'Customers', 'Share'],
      numeric: [true, false, true, true],
      rows: shown.map((seg) => [seg.id, seg.name, formatCount(seg.size), formatPercent(seg.share)]),
    });
  }
  return out;
}

function buttons(s: HomeSummary): Button[] {
  const out: Button[] = [];
  for (const a of s.approvals?.shown ?? []) {
    out.push({
      label: `Approve #${a.campaign_id}`,
      command: `/campaign approve ${a.campaign_id} request=${a.request_id}`,
      style: 'primary',
      // as on the approval card: Approve asks first
      confirm: {
        title: 'Approve this campaign?',
        text: `Approve campaign #${a.campaign_id} “${a.campaign}” (request #${a.request_id}, ${formatCount(a.audience)} ${a.audience === 1 ? 'person' : 'people'})? It can then be launched.`,
        confirm: 'Approve',
        deny: 'Cancel',
      },
    });
    out.push({ label: `Show #${a.campaign_id}`, command: `/campaign show ${a.campaign_id}` });
  }
  for (const c of s.campaigns.shown) out.push({ label: `Campaign #${c.id}`, command: `/campaign show ${c.id}` });
  for (const d of s.digests.shown) out.push({ label: `Digest #${d.id} runs`, command: `/digest runs ${d.id}` });
  for (const seg of s.segment_run?.segments.slice(0, SEGMENT_BUTTONS) ?? [])
    out.push({ label: `Segment ${seg.name}`, command: `/segment show ${seg.id}` });
  const lists: Button[] = [
    { label: 'All campaigns', command: '/campaign list' },
    { label: 'All digests', command: '/digest list' },
    { label: 'All segment runs', command: '/segment list' },
  ];
  // the list buttons always fit: the per-item ones give way
  return [...out.slice(0, MAX_BUTTONS - lists.length), ...lists];
}

function notes(s: HomeSummary, admins: string[]): string[] {
  const out: string[] = [];
  if (s.approvals === null) out.push(`Approving campaigns needs the *approver* role: ${askAnAdmin(admins)}.`);
  else if (s.approvals.total > s.approvals.shown.length || !s.approvals.scanned_all)
    out.push(`Showing the ${s.approvals.shown.length} oldest requests waiting for you: /campaign list pending_approval lists them all.`);
  if (s.campaigns.total > s.campaigns.shown.length)
    out.push(`Showing ${s.campaigns.shown.length} of your ${countOf(s.campaigns.total, 'campaign')}: /campaign list lists them all.`);
  if (s.digests.total > s.digests.shown.length)
    out.push(`Showing ${s.digests.shown.length} of your ${formatCount(s.digests.total)} digests: /digest list lists them all.`);
  if (!s.campaigns.total) out.push('Start a campaign with /campaign create, or a digest with /digest schedule.');
  out.push('Every button runs the typed command it names; type /home to see this again.');
  return out;
}

/** The home: what waits for the user, what they own and the latest segmentation, with buttons to the typed commands. */
export function homeReply(s: HomeSummary, admins: string[]): Reply<HomeSummary> {
  return reply(s, {
    title: 'Your growthbot home',
    text: `Hello ${mention(s.user_id)}: your role is *${s.role}* (${ROLE_DESCRIPTIONS[s.role]}).`,
    fields: summaryFields(s),
    tables: tables(s),
    buttons: buttons(s),
    notes: notes(s, admins),
  });
}
