import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from '../fakes/wait-for.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * package.json's `start` script as npm would run it from the project root, made to work from
 * another working directory: `node` is this Node, a package named after `--import` is resolved
 * from the project, a file path is made absolute.
 */
function startCommand(): { command: string; args: string[] } {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } };
  const [program, ...rest] = pkg.scripts.start.split(/\s+/);
  const args = rest.map((arg, i) => {
    if (rest[i - 1] === '--import') return import.meta.resolve(arg);
    return /\.[cm]?[jt]s$/.test(arg) ? path.join(ROOT, arg) : arg;
  });
  return { command: program === 'node' ? process.execPath : path.join(ROOT, 'node_modules/.bin', program!), args };
}

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
 * Starts the bot as `npm start` does (not through npm, which does not pass SIGTERM on) in a temp
 * working directory, with only PATH, HOME and `env` in its environment.
 */
export function startBot(env: Record<string, string>, options: { cwd?: string; args?: string[] } = {}): BotProcess {
  const cwd = options.cwd ?? mkdtempSync(path.join(os.tmpdir(), 'growthbot-run-'));
  const { command, args } = startCommand();
  const child = spawn(command, [...args, ...(options.args ?? [])], {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: cwd, LOG_LEVEL: 'info', ...env },
    stdio: 'pipe',
  });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    cwd,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitForOutput: async (pattern, stream = 'stdout', timeoutMs = 60_000) => {
      await waitFor(() => pattern.test(stream === 'stdout' ? out : err) || child.exitCode !== null, timeoutMs);
      if (!pattern.test(stream === 'stdout' ? out : err))
        throw new Error(`the bot exited (${child.exitCode}) before ${stream} matched ${pattern}:\n${out}\n${err}`);
    },
    send: (line) => child.stdin.write(`${line}\n`),
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
