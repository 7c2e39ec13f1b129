import { UserError } from '../core/errors.ts';

export const CAMPAIGN_STATES = [
  'draft',
  'pending_approval',
  'approved',
  'rejected',
  'launching',
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
  // a launch cannot be cancelled half way: it finishes (or resumes after a crash) and goes live
  launching: ['live'],
  live: ['completed'],
  completed: [],
  cancelled: [],
};

/** What the user typed to make each move, for refusal messages. */
const MOVE_COMMANDS: Record<CampaignState, string> = {
  draft: 'reopen',
  pending_approval: 'submit',
  approved: 'approve',
  rejected: 'reject',
  launching: 'launch',
  live: '(delivery finished)',
  completed: '(window over)',
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
