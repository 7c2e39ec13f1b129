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
}

/** Posts through the platform's notifier, retrying with exponential backoff; never throws. */
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
      if (attempt < retry.attempts) await sleep(retry.baseDelayMs * 2 ** (attempt - 1));
    }
  }
  return { ok: false, attempts: retry.attempts, error };
}
