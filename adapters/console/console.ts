import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import type { Bot } from '../../src/core/bot.ts';
import type { Caller } from '../../src/core/context.ts';
import { parseCommandLine } from '../../src/core/parse.ts';
import { ProgressLine } from './progress-line.ts';
import { renderText } from './render.ts';

export interface ConsoleOptions {
  json: boolean;
  userId: string;
  input: NodeJS.ReadableStream & { isTTY?: boolean };
  output: NodeJS.WritableStream;
  errors: NodeJS.WritableStream & { isTTY?: boolean };
  historyFile?: string;
  /** Aborted at shutdown: no further line is read; the command running now finishes first. */
  stop?: AbortSignal;
}

/** A prompt on a terminal; otherwise (piped input, or --json) one command per line. */
export function isInteractive(input: { isTTY?: boolean }, json: boolean): boolean {
  return Boolean(input.isTTY) && !json;
}

const EXIT_WORDS = new Set(['/exit', '/quit', 'exit', 'quit']);

/** Whether the command on this line changes the store (then Ctrl-C asks before cancelling it). */
function writes(bot: Bot, line: string): { path: string; writes: boolean } | undefined {
  try {
    const parsed = parseCommandLine(bot.registry, line);
    return { path: parsed.path, writes: parsed.action.writes === true };
  } catch {
    return undefined;
  }
}

/**
 * The default adapter. On a terminal: a prompt naming the acting user, with history; Ctrl-C cancels the
 * command that is running (after asking, when it writes) instead of quitting. Otherwise one command per
 * line, each finished before the next; `/exit` ends the run; the exit status is 0 only if every command
 * succeeded.
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
  const lines: string[] = [];
  let closed = false;
  let wake: (() => void) | undefined;
  /** Set while a yes/no question is asked: the next line answers it. */
  let answer: ((text: string) => void) | undefined;
  let running: { line: string; controller: AbortController } | undefined;
  let lastIdleInterrupt = 0;

  const notify = () => {
    wake?.();
    wake = undefined;
  };
  rl.on('line', (raw) => {
    if (answer) {
      const reply = answer;
      answer = undefined;
      reply(raw);
      return;
    }
    lines.push(raw);
    notify();
  });
  rl.on('close', () => {
    closed = true;
    answer?.('');
    notify();
  });
  const onStop = () => rl.close();
  options.stop?.addEventListener('abort', onStop, { once: true });

  if (interactive) {
    rl.on('SIGINT', () => {
      if (answer) return;
      if (!running) {
        // at the prompt: a first Ctrl-C says how to leave, a second one within two seconds leaves
        const now = Date.now();
        if (now - lastIdleInterrupt < 2000) {
          rl.close();
          return;
        }
        lastIdleInterrupt = now;
        rl.write(null, { ctrl: true, name: 'u' });
        options.output.write('\n(To leave, type /exit, press Ctrl-D, or press Ctrl-C again.)\n');
        rl.prompt();
        return;
      }
      const current = running;
      const what = writes(bot, current.line);
      if (!what?.writes) {
        options.output.write('\nCancelling…\n');
        current.controller.abort();
        return;
      }
      options.output.write(`\nCancel /${what.path}? It changes data; what it has not finished is not saved. (y/N) `);
      answer = (text) => {
        if (/^\s*y(es)?\s*$/i.test(text)) {
          options.output.write('Cancelling…\n');
          current.controller.abort();
        } else options.output.write(`/${what.path} goes on.\n`);
      };
    });
  }

  const runLine = async (line: string) => {
    const controller = new AbortController();
    running = { line, controller };
    const progress = new ProgressLine(options.errors, interactive && Boolean(options.errors.isTTY));
    try {
      const reply = await bot.execute({ caller, text: line, signal: controller.signal, onProgress: (update) => progress.update(update) });
      progress.finish();
      if (!reply.ok) failures++;
      if (controller.signal.aborted && !reply.ok) {
        options.output.write('Cancelled.\n\n');
        return;
      }
      const text = renderText(reply) + (controller.signal.aborted ? '\n\n(It could not be stopped midway and finished.)' : '');
      if (options.json) {
        options.output.write(`${JSON.stringify({ command: line, ok: reply.ok, text, data: reply.data })}\n`);
      } else {
        options.output.write(`${text}\n\n`);
      }
    } finally {
      running = undefined;
      if (answer) {
        // the command finished while its cancellation was being asked about
        answer = undefined;
        options.output.write('(it finished meanwhile)\n');
      }
    }
  };

  if (interactive) {
    options.output.write(`growthbot console, acting as ${options.userId}: type /help to start, /exit to leave.\n`);
    rl.setPrompt(`growthbot (${options.userId})> `);
    rl.prompt();
  }
  for (;;) {
    if (lines.length === 0) {
      if (closed) break;
      await new Promise<void>((resolve) => (wake = resolve));
      continue;
    }
    if (options.stop?.aborted) break;
    const line = lines.shift()!.trim();
    if (line === '' || line.startsWith('#')) {
      if (interactive) rl.prompt();
      continue;
    }
    if (EXIT_WORDS.has(line)) break;
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
