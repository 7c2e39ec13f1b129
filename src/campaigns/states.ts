import { UserError } from '../core/errors.ts';

export const CAMPAIGN_STATES = [
  'draft',
  'pending_approval',
  'approved',
  'rejected',
  'launching',
  'paused',
  'live',
  'completed',
  'cancelled',
] as const;
export type CampaignState = (typeof CAMPAIGN_STATES)[number];

/** The one transition table: every state change goes through `assertTransition`. */
export const TRANSITIONS: Record<CampaignState, readonly CampaignState[]> = {
  draft: ['pending_approval', 'cancelled'],
  // back to draft: the request expired or the marketer reopened it for edits
  pending_approval: ['approved', 'rejected', 'draft', 'cancelled'],
  approved: ['launching', 'draft', 'cancelled'],
  rejected: ['pending_approval', 'draft', 'cancelled'],
  // launching = sending: it goes live once no recipient is owed (sent, failed for good or skipped); it can
  // be paused (and resumed) or cancelled half way (who was not sent is reported)
  launching: ['live', 'paused', 'cancelled'],
  paused: ['launching', 'cancelled'],
  // back to sending: /campaign retry requeued failed recipients
  live: ['completed', 'launching'],
  completed: [],
  cancelled: [],
};

/** What makes each move, for refusal messages: the subcommand typed, or what happens by itself. */
const MOVE_COMMANDS: Record<CampaignState, string> = {
  draft: 'reopen',
  pending_approval: 'submit',
  approved: 'approve',
  rejected: 'reject',
  launching: 'launch',
  paused: 'pause',
  live: 'once delivery finishes',
  completed: 'once the attribution window is over',
  cancelled: 'cancel',
};

export function stateLabel(state: string): string {
  return state.replace('_', ' ');
}

export function canTransition(from: CampaignState, to: CampaignState): boolean {
  return TRANSITIONS[from].includes(to);
}

export function assertTransition(campaign: { id: number; state: string }, to: CampaignState): void {
  const from = campaign.state as CampaignState;
  if (canTransition(from, to)) return;
  const allowed = TRANSITIONS[from];
  throw new UserError('invalid_transition', `Campaign #${campaign.id} is *${stateLabel(from)}*; it cannot move to *${stateLabel(to)}*.`, {
    hint: allowed.length
      ? `From ${stateLabel(from)} it can move to: ${allowed.map((s) => `${stateLabel(s)} (${MOVE_COMMANDS[s]})`).join(', ')}.`
      : `${stateLabel(from)[0]!.toUpperCase()}${stateLabel(from).slice(1)} is final: no further moves.`,
    context: { from, to, allowed },
  });
}

/**
 * What a launched campaign's delivery says, from its state and its outbox: `sending` while anyone is owed
 * (not tried yet or waiting for a retry), `paused`, `cancelled`, then `sent` or `sent with failures`.
 * Null before launch.
 */
export type DeliveryStatus = 'sending' | 'paused' | 'cancelled' | 'sent' | 'sent with failures';

export function deliveryStatus(state: string, counts: { total: number; pending: number; failed: number } | null): DeliveryStatus | null {
  if (!counts || (counts.total === 0 && state !== 'launching' && state !== 'live' && state !== 'completed')) return null;
  if (state === 'paused') return 'paused';
  if (state === 'cancelled') return 'cancelled';
  if (counts.pending > 0) return 'sending';
  return counts.failed > 0 ? 'sent with failures' : 'sent';
}
