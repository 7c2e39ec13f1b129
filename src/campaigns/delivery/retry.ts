/** How temporary delivery failures are retried: exponential backoff with jitter, within a window. */
export interface RetryPolicy {
  /** Wait after the first failure; doubled after each further one. */
  baseMs: number;
  /** The longest single wait. */
  maxMs: number;
  /** Temporary failures are retried for this long after the row's first attempt. */
  windowMs: number;
  /** Jitter source in [0, 1): Math.random in production, seeded in tests. */
  random: () => number;
}

export const MAX_RETRY_WAIT_MS = 3_600_000;

/** From the configuration (the defaults, 30 s and 24 h, when it has none). */
export function retryPolicy(
  config: Partial<{ DELIVERY_RETRY_HOURS: number; DELIVERY_RETRY_BASE_SECONDS: number }> | undefined,
  random: () => number = Math.random,
): RetryPolicy {
  const baseMs = (config?.DELIVERY_RETRY_BASE_SECONDS ?? 30) * 1000;
  return { baseMs, maxMs: Math.max(baseMs, MAX_RETRY_WAIT_MS), windowMs: (config?.DELIVERY_RETRY_HOURS ?? 24) * 3_600_000, random };
}

/**
 * The wait before the next try after `failures` temporary failures (1 = the first): base·2^(n−1), at most
 * maxMs, with "equal jitter" (between half and all of it) so many recipients do not come back at once;
 * never shorter than what the receiver asked for (Retry-After).
 */
export function retryDelayMs(policy: RetryPolicy, failures: number, retryAfterMs?: number): number {
  const exponential = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(30, Math.max(0, failures - 1)));
  const jittered = exponential / 2 + policy.random() * (exponential / 2);
  return Math.round(Math.max(jittered, retryAfterMs ?? 0));
}

/** `Retry-After: 120` or an HTTP date, in ms from `now`; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now: Date): number | undefined {
  if (!value) return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now.getTime());
}

/** A small seeded generator (mulberry32) for deterministic jitter in tests. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
