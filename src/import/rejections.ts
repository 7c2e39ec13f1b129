import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import path from 'node:path';
import { csvCell } from '../core/csv.ts';
import { redactUrls } from '../privacy/redact-url.ts';
import { maskEmailsIn } from './reply.ts';
import type { Rejection } from './rows.ts';

export { csvCell, neutralizeFormula } from '../core/csv.ts';

/**
 * Collects rejections: counts by reason, keeps the first few for the reply and streams all of
 * them to a CSV file, opened on the first rejection.
 */
export class RejectionLog {
  readonly first: Rejection[] = [];
  readonly reasons: Record<string, number> = {};
  count = 0;
  #stream: WriteStream | null = null;
  #file: string | null = null;

  readonly #maskEmails: boolean;
  readonly #keep: number;

  /** maskEmails: for a file posted where others read it (the line number still finds the row in your file). */
  constructor(
    private readonly dir: string,
    private readonly fileName: string,
    { maskEmails = true, keep = 10 }: { maskEmails?: boolean; keep?: number } = {},
  ) {
    this.#maskEmails = maskEmails;
    this.#keep = keep;
  }

  add(found: Rejection): void {
    const rejection = { ...found, value: redactUrls(found.value) };
    const written = this.#maskEmails ? maskEmailsIn(rejection.value) : rejection.value;
    this.count++;
    this.reasons[rejection.reason] = (this.reasons[rejection.reason] ?? 0) + 1;
    if (this.first.length < this.#keep) this.first.push(rejection);
    if (!this.#stream) {
      mkdirSync(this.dir, { recursive: true });
      this.#file = path.join(this.dir, this.fileName);
      this.#stream = createWriteStream(this.#file);
      this.#stream.write('line,column,reason,value\n');
    }
    this.#stream.write(`${rejection.line},${csvCell(rejection.column)},${csvCell(rejection.reason)},${csvCell(written)}\n`);
  }

  /** Flushes the file; returns its path, or null when nothing was rejected. */
  async close(): Promise<string | null> {
    const stream = this.#stream;
    if (!stream) return null;
    await new Promise<void>((resolve, reject) => stream.end((error?: Error | null) => (error ? reject(error) : resolve())));
    return this.#file;
  }
}
