import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { waitFor } from '../fakes/wait-for.ts';
import { spawnBot } from '../helpers/spawn-bot.ts';

export interface BotProcess {
  child: ChildProcessWithoutNullStreams;
  /** The working directory the bot runs in (no .env there). */
  cwd: string;
  stdout(): string;
  stderr(): string;
  /** Settles when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Waits until standard output (or error) matches. */
  waitForOutput(pattern: RegExp, stream?: 'stdout' | 'stderr', timeoutMs?: number): Promise<void>;
  send(line: string): void;
}

/**
 * The bot as `npm start` starts it (test/helpers/spawn-bot.ts: not through npm, in a temp working
 * directory, with only PATH, HOME and `env`), its standard input open for `send`.
 */
export function startBot(env: Record<string, string>, options: { cwd?: string; args?: string[] } = {}): BotProcess {
  const { DATABASE_URL, ...rest } = env;
  const bot = spawnBot({ databaseUrl: DATABASE_URL ?? '', env: { LOG_LEVEL: 'info', ...rest }, ...options, stdin: 'pipe' });
  const text = (stream: 'stdout' | 'stderr') => (stream === 'stdout' ? bot.stdout : bot.stderr);
  return {
    child: bot.child as ChildProcessWithoutNullStreams,
    cwd: bot.cwd,
    stdout: () => bot.stdout,
    stderr: () => bot.stderr,
    exited: bot.exited,
    waitForOutput: async (pattern, stream = 'stdout', timeoutMs = 60_000) => {
      await waitFor(() => pattern.test(text(stream)) || bot.exit !== undefined, timeoutMs);
      if (!pattern.test(text(stream))) throw new Error(`the bot exited before ${stream} matched ${pattern}\n${bot.describe()}`);
    },
    send: (line) => bot.write(`${line}\n`),
  };
}

/** Runs the bot to its end (standard input closed at once) and returns what it printed. */
export async function runBotToEnd(
  env: Record<string, string>,
  options: { cwd?: string; input?: string } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const bot = startBot(env, options);
  bot.child.stdin.end(options.input ?? '');
  const { code } = await bot.exited;
  return { code, stdout: bot.stdout(), stderr: bot.stderr() };
}

/** Lines that look like a stack trace. */
export const STACK_LINE = /^\s+at .+\(?.*:\d+:\d+\)?$/m;
