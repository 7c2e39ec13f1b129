import type { ServerResponse } from 'node:http';
import { openForeground } from '../../src/jobs/foreground.ts';

/** Requests on the Slack paths not yet answered (background work in worker threads pauses for them: src/jobs/foreground.ts). */
export class AckGate {
  #open = 0;
  #waiting: (() => void)[] = [];

  get pending(): number {
    return this.#open;
  }

  /** Counts the request as open until its response is finished (or the connection closes). */
  enter(res: ServerResponse): void {
    this.#open++;
    const close = openForeground();
    let left = false;
    const leave = () => {
      if (left) return;
      left = true;
      this.#open--;
      close();
      if (this.#open === 0) for (const wake of this.#waiting.splice(0)) wake();
    };
    res.once('finish', leave);
    res.once('close', leave);
  }

  /** Calls `fn` once no request is open (at once when none is). */
  whenIdle(fn: () => void): void {
    if (this.#open === 0) fn();
    else this.#waiting.push(fn);
  }
}

/**
 * Work that follows an ack (dispatching an acknowledged command, running it, delivering its
 * answer), started FIFO, one job per event-loop turn, so requests that arrived meanwhile are
 * parsed and acknowledged in between. With a gate (HTTP mode), jobs also wait while requests are
 * open, up to `maxDeferMs` for the oldest.
 */
export class AfterAcks {
  readonly #queue: { job: () => void; at: number }[] = [];
  #draining = false;
  #tick = 0;

  constructor(
    private readonly gate?: Pick<AckGate, 'pending' | 'whenIdle'>,
    private readonly maxDeferMs = 250,
  ) {}

  run(job: () => void): void {
    this.#queue.push({ job, at: performance.now() });
    if (!this.#draining) {
      this.#draining = true;
      this.#wake((next) => setImmediate(next));
    }
  }

  /** Arms the next run; an earlier arming that has not fired yet is void. */
  #wake(arm: (next: () => void) => void): void {
    const tick = ++this.#tick;
    arm(() => {
      if (tick === this.#tick) this.#next();
    });
  }

  #next(): void {
    const head = this.#queue[0];
    if (!head) {
      this.#draining = false;
      return;
    }
    const gate = this.gate;
    const waited = performance.now() - head.at;
    if (gate && gate.pending > 0 && waited < this.maxDeferMs) {
      // whichever comes first: no request left to acknowledge, or the oldest job has waited long enough
      this.#wake((next) => {
        gate.whenIdle(() => setImmediate(next));
        setTimeout(next, this.maxDeferMs - waited + 1).unref();
      });
      return;
    }
    this.#queue.shift();
    head.job();
    if (this.#queue.length) this.#wake((next) => setImmediate(next));
    else this.#draining = false;
  }
}
