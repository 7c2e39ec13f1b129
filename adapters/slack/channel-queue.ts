/**
 * Runs posts to one channel one after another, spaced by `intervalMs`, so a burst (a digest
 * run, many approvals) stays near Slack's one message a second a channel and none is lost.
 * Different channels do not wait for each other.
 */
export class ChannelQueue {
  readonly #tails = new Map<string, Promise<unknown>>();
  readonly #lastAt = new Map<string, number>();

  constructor(private readonly intervalMs: number) {}

  run<T>(channel: string, task: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(channel) ?? Promise.resolve();
    const next = previous
      .catch(() => undefined)
      .then(async () => {
        const wait = (this.#lastAt.get(channel) ?? -Infinity) + this.intervalMs - Date.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        try {
          return await task();
        } finally {
          this.#lastAt.set(channel, Date.now());
        }
      });
    this.#tails.set(channel, next);
    void next
      .catch(() => undefined)
      .then(() => {
        if (this.#tails.get(channel) === next) this.#tails.delete(channel);
      });
    return next;
  }
}
