import type { Notifier, Platform } from '../core/context.ts';
import type { Reply } from '../core/reply.ts';

export interface RetryOptions {
  attempts: number;
  /** Delay before the second attempt; doubles for each one after. */
  baseDelayMs: number;
}

export const DEFAULT_RETRY: RetryOptions = { attempts: 3, baseDelayMs: 2_000 };

export type Sleep = (ms: number) => Promise<void>;
export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export interface DeliveryResult {
  ok: boolean;
  attempts: number;
  /** The last failure's message. */
  error?: string;
  /** The channel refused for good (gone, archived, no access): trying again cannot help. */
  refused?: boolean;
}

/** Slack Web API errors that mean the channel will keep refusing until a person acts. */
const SLACK_REFUSALS = [
  'channel_not_found',
  'is_archived',
  'not_in_channel',
  'missing_scope',
  'restricted_action',
  'restricted_action_read_only_channel',
  'restricted_action_non_threadable_channel',
  'restricted_action_thread_only_channel',
  'cannot_dm_bot',
  'user_not_found',
  'account_inactive',
  'invalid_auth',
  'not_authed',
  'token_revoked',
  'token_expired',
  'no_permission',
  'team_access_not_granted',
  'ekm_access_denied',
  'access_denied',
];
/** The adapters' UserError codes for a Discord channel that refuses (Missing Access 50001, Unknown Channel 10003, …). */
const DISCORD_REFUSALS = ['discord_missing_access', 'discord_unknown_channel', 'discord_channel_unusable'];
/** Discord JSON error codes: Unknown Channel, Missing Access, Cannot send messages to this user, Missing Permissions. */
const DISCORD_REFUSAL_CODES = [10003, 50001, 50007, 50013];

const slackRefusal = new RegExp(`(^|[^a-z_])(${SLACK_REFUSALS.join('|')})($|[^a-z_])`);

/**
 * Whether a notifier's error means the channel refuses for good. Read from the error's shape only (src/ knows
 * no platform code): Slack's `data.error` code or message, the Discord adapter's UserError codes, Discord's
 * numeric codes. Anything else (network, timeouts, rate limits, 5xx, an adapter not running here) is transient.
 */
export function isRefusal(error: unknown): boolean {
  const e = error as { code?: unknown; data?: { error?: unknown }; message?: unknown } | null | undefined;
  if (!e || typeof e !== 'object') return false;
  if (typeof e.data?.error === 'string' && SLACK_REFUSALS.includes(e.data.error)) return true;
  if (typeof e.code === 'string' && DISCORD_REFUSALS.includes(e.code)) return true;
  if (typeof e.code === 'number' && DISCORD_REFUSAL_CODES.includes(e.code)) return true;
  return typeof e.message === 'string' && slackRefusal.test(e.message);
}

/** Posts through the platform's notifier, retrying transient failures with exponential backoff; a refusal stops at once; never throws. */
export async function deliverWithRetry(
  notify: Notifier,
  target: { platform: Platform; channelId: string },
  reply: Reply,
  retry: RetryOptions = DEFAULT_RETRY,
  sleep: Sleep = realSleep,
): Promise<DeliveryResult> {
  let error = '';
  for (let attempt = 1; attempt <= retry.attempts; attempt++) {
    try {
      await notify(target, reply);
      return { ok: true, attempts: attempt };
    } catch (cause) {
      error = cause instanceof Error ? cause.message : String(cause);
      if (isRefusal(cause)) return { ok: false, attempts: attempt, error, refused: true };
      if (attempt < retry.attempts) await sleep(retry.baseDelayMs * 2 ** (attempt - 1));
    }
  }
  return { ok: false, attempts: retry.attempts, error };
}
