import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from '../fakes/wait-for.ts';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * `npm start` as package.json spells it (`node --import tsx src/main.ts`), runnable from any folder:
 * node is this node, paths in the project are made absolute, and what `--import` names is resolved from it.
 */
function startCommand(): { command: string; args: string[] } {
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: { start: string } };
  const [bin, ...words] = pkg.scripts.start.split(/\s+/);
  const command = bin === 'node' ? process.execPath : path.join(root, 'node_modules', '.bin', bin!);
  const args = words.map((word, i) => {
    if (words[i - 1] === '--import') return import.meta.resolve(word);
    return existsSync(path.join(root, word)) ? path.join(root, word) : word;
  });
  return { command, args };
}

export interface Program {
  child: ChildProcessWithoutNullStreams;
  stdout(): string;
  stderr(): string;
  /** The JSON log records on standard error so far. */
  logs(): Record<string, any>[];
  /** Resolves once standard output matches `pattern` (rejects after `timeoutMs` or when the program exits first). */
  waitForStdout(pattern: RegExp, timeoutMs: number): Promise<void>;
  /** Resolves with the first log record `match` accepts (rejects after `timeoutMs` or when the program exits first). */
  waitForLog(match: (record: Record<string, any>) => boolean, timeoutMs: number): Promise<Record<string, any>>;
  /** Exit code (or signal name) once it has exited. */
  exited: Promise<number | string>;
}

/**
 * The program as a user starts it: `npm start`'s command line, with `env` as its whole environment
 * (plus PATH and a temp HOME), in an empty temp folder so no `.env` is read; `stdin` is written, then
 * closed unless `keepStdinOpen` (the test writes more commands later, like a script feeding the console).
 */
export function startProgram(options: { args?: string[]; env: Record<string, string>; stdin?: string; keepStdinOpen?: boolean }): Program {
  const { command, args } = startCommand();
  const cwd = mkdtempSync(path.join(os.tmpdir(), 'growthbot-cwd-'));
  const child = spawn(command, [...args, ...(options.args ?? [])], {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: cwd, ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<number | string>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      rmSync(cwd, { recursive: true, force: true });
      resolve(code ?? signal ?? 'unknown');
    });
  });
  if (options.keepStdinOpen) child.stdin.write(options.stdin ?? '');
  else child.stdin.end(options.stdin ?? '');
  const untilExit = <T>(what: string, wait: Promise<T>) =>
    Promise.race([
      wait,
      exited.then((code): T => {
        throw new Error(`the program exited (${code}) before ${what}; stderr:\n${stderr}`);
      }),
    ]);
  const logs = () =>
    stderr
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .flatMap((line) => {
        try {
          return [JSON.parse(line) as Record<string, any>];
        } catch {
          return [];
        }
      });
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    logs,
    waitForStdout: async (pattern, timeoutMs) => {
      await untilExit(
        `printing ${pattern}`,
        waitFor(() => pattern.test(stdout), timeoutMs, 50),
      );
    },
    waitForLog: (match, timeoutMs) =>
      untilExit(
        'the expected log line',
        waitFor(() => logs().find(match), timeoutMs, 50),
      ),
    exited,
  };
}
