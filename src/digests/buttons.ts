import type { Platform } from '../core/context.ts';
import type { Button } from '../core/reply.ts';

/**
 * The buttons of a digest posted to its channel. Each runs its typed command as the person who clicks,
 * so /digest pause and /digest edit still need the admin role and /digest show only read access. `sendDate`:
 * the post's day, so a later click shows the same period.
 */
export function scheduleButtons(id: number, sendDate: string): Button[] {
  return [
    { label: 'Pause', command: `/digest pause ${id}` },
    { label: 'Change schedule', command: `/digest edit ${id}` },
    { label: 'Send me this privately', command: `/digest show ${id} as_of=${sendDate}` },
  ];
}

/** The button of a digest sent to a subscriber by direct message. */
export function subscriberButtons(id: number): Button[] {
  return [{ label: 'Unsubscribe', command: `/digest unsubscribe ${id}` }];
}

/** Why a subscriber gets it, and how to stop (on Discord commands need a server: typed in a channel). */
export function subscriberNote(id: number, platform: Platform): string {
  const where = platform === 'discord' ? ' in a channel of the server' : '';
  return `You get digest #${id} by direct message because you subscribed to it. To stop: /digest unsubscribe ${id}${where}.`;
}
