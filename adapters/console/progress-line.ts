import type { ProgressUpdate } from '../../src/core/context.ts';
import { progressBar } from '../../src/core/progress.ts';

/**
 * A command's progress on the console. On a terminal the bar is redrawn in place and, once the command
 * finishes, one line stays; elsewhere (a pipe, a log) each update is its own line.
 */
export class ProgressLine {
  #last: string | undefined;

  constructor(
    private readonly out: NodeJS.WritableStream,
    private readonly inPlace: boolean,
  ) {}

  update(update: ProgressUpdate): void {
    const line = progressBar(update.fraction, update.message);
    if (line === this.#last) return;
    this.#last = line;
    this.out.write(this.inPlace ? `\r\x1b[2K${line}` : `${line}\n`);
  }

  /** Leaves the last state on its own line (a terminal), or nothing more (elsewhere). */
  finish(): void {
    if (this.inPlace && this.#last !== undefined) this.out.write('\n');
    this.#last = undefined;
  }
}
