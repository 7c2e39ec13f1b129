import type { Config } from '../config/config.ts';
import { busyError } from '../jobs/worker-pool.ts';
import type { Caller } from './context.ts';
import { UserError } from './errors.ts';
import { countOf } from './format.ts';

const MINUTE_MS = 60_000;

/**
 * Fair use of the heavy commands (the `long` ones: imports, segmentations, CLV, digests, launches):
 * at most WORKERS + JOB_QUEUE of them in flight in this process, past that a new one is refused
 * as busy before any of its work starts; and at most RATE_LIMIT_PER_MIN started by one chat user
 * in any minute (0: no limit). The console, one trusted operator running scripts, has no rate limit.
 */
export class FairUse {
  #inFlight = 0;
  readonly #starts = new Map<string, number[]>();

  constructor(
    private readonly config: Pick<Config, 'WORKERS' | 'JOB_QUEUE' | 'RATE_LIMIT_PER_MIN'>,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Heavy commands running or waiting for a worker now. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Before the ack: refuses a command over the caller's rate or when the bot is full; else counts it toward the rate. */
  accept(caller: Caller): void {
    const key = `${caller.platform}:${caller.userId}`;
    const limit = caller.platform === 'console' ? 0 : this.config.RATE_LIMIT_PER_MIN;
    const now = this.clock();
    const recent = (this.#starts.get(key) ?? []).filter((at) => now - at < MINUTE_MS);
    if (limit > 0 && recent.length >= limit) {
      const seconds = Math.max(1, Math.ceil((recent[0]! + MINUTE_MS - now) / 1000));
      throw new UserError(
        'rate_limited',
        `You have started ${recent.length} heavy commands in the last minute, the most allowed; try again in ${countOf(seconds, 'second')}.`,
        {
          hint: `Imports, segmentations, CLV, ROI and digests count toward a limit of ${limit} a minute per person (RATE_LIMIT_PER_MIN).`,
          context: { limit, retry_after_seconds: seconds },
        },
      );
    }
    this.#refuseWhenFull();
    if (limit > 0) {
      recent.push(now);
      this.#starts.set(key, recent);
    }
    if (this.#starts.size > 10_000) this.#forgetIdle(now);
  }

  /** When the command runs: takes a place (refused as busy if none is left meanwhile); call the result when it ends. */
  admit(): () => void {
    this.#refuseWhenFull();
    this.#inFlight++;
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      this.#inFlight--;
    };
  }

  #refuseWhenFull(): void {
    if (this.#inFlight >= this.config.WORKERS + this.config.JOB_QUEUE) throw busyError(this.#inFlight);
  }

  #forgetIdle(now: number): void {
    for (const [key, starts] of this.#starts) if (!starts.some((at) => now - at < MINUTE_MS)) this.#starts.delete(key);
  }
}
