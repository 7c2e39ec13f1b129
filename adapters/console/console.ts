import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import type { Bot } from '../../src/core/bot.ts';
import type { Caller } from '../../src/core/context.ts';
import { progressBar } from '../../src/core/progress.ts';
import { renderText } from './render.ts';

export interface ConsoleOptions {
  json: boolean;
  userId: string;
  input: NodeJS.ReadableStream & { isTTY?: boolean };
  output: NodeJS.WritableStream;
  errors: NodeJS.WritableStream;
  historyFile?: string;
  /** Aborted at shutdown: no further line is read; the command running now finishes first. */
  stop?: AbortSignal;
}

/** A prompt on a terminal; otherwise (piped input, or --json) one command per line. */
export function isInteractive(input: { isTTY?: boolean }, json: boolean): boolean {
  return Boolean(input.isTTY) && !json;
}

/**
 * The default adapter. On a terminal: a prompt with history. Otherwise one command per line,
 * each finished before the next; the exit status is 0 only if every command succeeded.
 */
export async function startConsole(bot: Bot, options: ConsoleOptions): Promise<number> {
  const caller: Caller = { platform: 'console', userId: options.userId, channelId: 'console' };
  const interactive = isInteractive(options.input, options.json);
  const historyFile = options.historyFile ?? path.resolve('data', '.console_history');
  const rl = readline.createInterface({
    input: options.input,
    output: interactive ? options.output : undefined,
    terminal: interactive,
    history: interactive ? loadHistory(historyFile) : [],
    historySize: 500,
  });
  let failures = 0;
  const onStop = () => rl.close();
  options.stop?.addEventListener('abort', onStop, { once: true });

  const runLine = async (line: string) => {
    const reply = await bot.execute({
      caller,
      text: line,
      onProgress: (update) => options.errors.write(`${progressBar(update.fraction, update.message)}\n`),
    });
    if (!reply.ok) failures++;
    const text = renderText(reply);
    if (options.json) {
      options.output.write(`${JSON.stringify({ command: line, ok: reply.ok, text, data: reply.data })}\n`);
    } else {
      options.output.write(`${text}\n\n`);
    }
  };

  if (interactive) {
    options.output.write('growthbot console: type /help to start, /exit to leave.\n');
    rl.setPrompt('growthbot> ');
    rl.prompt();
  }
  for await (const raw of rl) {
    if (options.stop?.aborted) break;
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) {
      if (interactive) rl.prompt();
      continue;
    }
    if (interactive && (line === '/exit' || line === '/quit' || line === 'exit')) break;
    if (interactive) saveHistory(historyFile, line);
    await runLine(line);
    if (interactive) rl.prompt();
  }
  rl.close();
  options.stop?.removeEventListener('abort', onStop);
  return failures === 0 ? 0 : 1;
}

function loadHistory(file: string): string[] {
  try {
    return readFileSync(file, 'utf8').split('\n').filter(Boolean).reverse().slice(0, 500);
  } catch {
    return [];
  }
}

function saveHistory(file: string, line: string): void {
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    appendFileSync(file, `${line}\n`);
  } catch {
    // history is a convenience; a read-only disk must not stop the console
  }
}
