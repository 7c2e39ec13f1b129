/**
 * Runs the real program as it is deployed: the command `npm start` runs (package.json
 * `scripts.start`, `node scripts/start.mjs`: the compiled build in dist/), started directly as a Dockerfile's CMD would start it
 * (npm does not pass SIGTERM on to its child), with environment variables only.
 *
 * The child gets PATH, HOME, DATABASE_URL and exactly the variables the test passes: nothing else
 * of the test's own environment. It runs in a fresh temp directory (OUT_DIR, data/ and any relative
 * path land there; no `.env` is there for main.ts to load), unless `cwd` is given.
 *
 *   const bot = spawnBot({ databaseUrl: store.url, env: { SLACK_BOT_TOKEN: '…', … } });
 *   await bot.ready();                        // the "growthbot is running" log line
 *   …drive it through the fake platform…
 *   expect(await bot.stop()).toEqual({ code: 0, signal: null });   // SIGTERM, then wait for the exit
 *   afterAll(() => killAllBots());            // in every test file: no process is left behind
 *
 * Logs are pino JSON lines on standard error: `logs()` parses them, `waitForLog()` waits for one.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (where package.json is). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The log message main.ts writes once every adapter is up. */
export const READY_MESSAGE = 'growthbot is running';

/** How long start-up may take: CI machines are shared (seen: 30 s under load when tsx compiled at start). */
export const READY_TIMEOUT_MS = 60_000;

/** A test timeout for tests that wait on a spawned bot (`it(name, fn, SPAWN_TEST_TIMEOUT_MS)`). */
export const SPAWN_TEST_TIMEOUT_MS = 120_000;

/** How long a stop may take: the bot's shutdown deadline (SHUTDOWN_GRACE_S, default 20 s) plus a margin. */
export const SHUTDOWN_DEADLINE_MS = 25_000;

export interface SpawnBotOptions {
  /** The bot's DATABASE_URL: a TestStore's `url` (a temp SQLite file, or the test file's PostgreSQL schema). */
  databaseUrl: string;
  /** Every other variable the bot sees (LOG_LEVEL, SLACK_…, DISCORD_…, PORT, …). */
  env?: Record<string, string>;
  /** Arguments after the start command (e.g. `['--json']`). */
  args?: string[];
  /** Working directory; default a fresh temp directory, removed when the bot has exited. */
  cwd?: string;
  /** Files to write into the working directory first, by relative name. */
  files?: Record<string, string | Buffer>;
  /** 'pipe' keeps standard input open for `write()`/`endInput()` (the console reads it); default 'ignore' (/dev/null, as in a container). */
  stdin?: 'pipe' | 'ignore';
  /**
   * A file size limit (`ulimit -f`, in KiB) for the bot: a write past it fails with EFBIG (SIGXFSZ
   * is ignored, so the process is not killed), as a full disk would make it fail.
   */
  fileSizeLimitKb?: number;
}

export interface BotExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** One pino log line, parsed. */
export type LogLine = Record<string, unknown> & { level?: string; msg?: string };

/** `scripts.start` of package.json as argv, its binary resolved from node_modules/.bin and relative files made absolute. */
export function startCommand(): { command: string; args: string[] } {
  const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
  const script = pkg.scripts?.start;
  if (!script) throw new Error('package.json has no scripts.start');
  if (/[|&;<>()$`"'\\]/.test(script)) throw new Error(`spawn-bot only runs a plain "binary args…" start script, not: ${script}`);
  const [bin, ...rest] = script.trim().split(/\s+/);
  const local = path.join(repoRoot, 'node_modules', '.bin', bin!);
  const command = existsSync(local) ? local : bin === 'node' ? process.execPath : bin!;
  const args = rest.map((arg, i) => {
    // `node --import tsx …` runs from a temp folder: resolve what --import names from the repository.
    if (rest[i - 1] === '--import') return import.meta.resolve(arg);
    return !arg.startsWith('-') && existsSync(path.join(repoRoot, arg)) ? path.join(repoRoot, arg) : arg;
  });
  return { command, args };
}

const running = new Set<SpawnedBot>();

export class SpawnedBot {
  readonly child: ChildProcess;
  readonly cwd: string;
  /** Everything the bot wrote so far. */
  stdout = '';
  stderr = '';
  /** Resolves when the start command's process has exited. */
  readonly exited: Promise<BotExit>;
  #exit?: BotExit;
  readonly #ownCwd: boolean;

  constructor(options: SpawnBotOptions) {
    this.#ownCwd = !options.cwd;
    this.cwd = options.cwd ?? mkdtempSync(path.join(os.tmpdir(), 'growthbot-spawn-'));
    for (const [name, content] of Object.entries(options.files ?? {})) writeFileSync(path.join(this.cwd, name), content);
    const { command, args } = startCommand();
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? os.homedir(),
      // tsx reads tsconfig.json from the working directory; outside the repository point it there
      ...(this.cwd !== repoRoot ? { TSX_TSCONFIG_PATH: path.join(repoRoot, 'tsconfig.json') } : {}),
      ...options.env,
      ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}),
    };
    const argv = [...args, ...(options.args ?? [])];
    const limited =
      options.fileSizeLimitKb === undefined
        ? { command, argv }
        : {
            command: 'bash',
            argv: ['-c', `trap '' XFSZ; ulimit -f ${Math.floor(options.fileSizeLimitKb)} && exec "$0" "$@"`, command, ...argv],
          };
    this.child = spawn(limited.command, limited.argv, {
      cwd: this.cwd,
      env,
      stdio: [options.stdin ?? 'ignore', 'pipe', 'pipe'],
      // its own process group: kill() reaches the process the start command starts in turn (tsx runs node)
      detached: true,
    });
    running.add(this);
    this.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (this.stdout += chunk));
    this.child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    this.exited = new Promise((resolve) => {
      const done = (exit: BotExit) => {
        this.#exit ??= exit;
        running.delete(this);
        this.#cleanUp();
        resolve(this.#exit);
      };
      this.child.once('exit', (code, signal) => done({ code, signal }));
      this.child.once('error', (error) => {
        this.stderr += `\nspawn failed: ${error.message}\n`;
        done({ code: null, signal: null });
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** The exit, once it happened. */
  get exit(): BotExit | undefined {
    return this.#exit;
  }

  /** Standard error's pino JSON lines, parsed (other lines skipped). */
  logs(): LogLine[] {
    const out: LogLine[] = [];
    for (const line of this.stderr.split('\n')) {
      if (!line.startsWith('{')) continue;
      try {
        out.push(JSON.parse(line) as LogLine);
      } catch {
        // a line still being written
      }
    }
    return out;
  }

  /** Waits for a log line whose msg is `match` (a string: exactly; a RegExp: matching) or that satisfies it; rejects if the bot exits first. */
  async waitForLog(match: string | RegExp | ((line: LogLine) => boolean), timeoutMs = READY_TIMEOUT_MS): Promise<LogLine> {
    const test =
      typeof match === 'function'
        ? match
        : (line: LogLine) => (typeof match === 'string' ? line.msg === match : typeof line.msg === 'string' && match.test(line.msg));
    const what = typeof match === 'function' ? 'the awaited log line' : `the log line ${String(match)}`;
    return this.#poll(() => this.logs().find(test), what, timeoutMs);
  }

  /** Waits for the ready log line ("growthbot is running"). */
  ready(timeoutMs = READY_TIMEOUT_MS): Promise<LogLine> {
    return this.waitForLog(READY_MESSAGE, timeoutMs);
  }

  /** Waits until standard output contains `text`; rejects if the bot exits first. */
  waitForOutput(text: string | RegExp, timeoutMs = READY_TIMEOUT_MS): Promise<true> {
    return this.#poll(
      () => (typeof text === 'string' ? this.stdout.includes(text) : text.test(this.stdout)) || undefined,
      `${String(text)} on standard output`,
      timeoutMs,
    );
  }

  /** Writes to standard input (spawned with `stdin: 'pipe'`). */
  write(text: string): void {
    if (!this.child.stdin) throw new Error('spawnBot: pass stdin: "pipe" to write to the bot');
    this.child.stdin.write(text);
  }

  /** Closes standard input (end of the console's batch). */
  endInput(text?: string): void {
    if (!this.child.stdin) throw new Error('spawnBot: pass stdin: "pipe" to write to the bot');
    this.child.stdin.end(text);
  }

  /** Sends `signal` to the start command's process only, as a container runtime does. */
  signal(signal: NodeJS.Signals = 'SIGTERM'): void {
    if (!this.#exit) this.child.kill(signal);
  }

  /** Waits for the exit; rejects (leaving the process to kill()) when it takes longer than `timeoutMs`. */
  async waitForExit(timeoutMs = SHUTDOWN_DEADLINE_MS): Promise<BotExit> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the bot did not exit within ${timeoutMs} ms\n${this.describe()}`)), timeoutMs);
    });
    try {
      return await Promise.race([this.exited, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** SIGTERM (or `signal`), then the exit within `timeoutMs`. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = SHUTDOWN_DEADLINE_MS): Promise<BotExit> {
    this.signal(signal);
    return this.waitForExit(timeoutMs);
  }

  /** SIGKILL to the whole process group (the start command and what it started); waits for the exit. */
  async kill(): Promise<BotExit> {
    this.#killGroup();
    const exit = await this.exited;
    this.#killGroup(); // the process the start command started may outlive it
    return exit;
  }

  /** The tail of what the bot wrote, for assertion messages. */
  describe(chars = 4000): string {
    return `--- stdout (tail) ---\n${this.stdout.slice(-chars)}\n--- stderr (tail) ---\n${this.stderr.slice(-chars)}`;
  }

  #killGroup(): void {
    if (!this.child.pid) return;
    try {
      process.kill(-this.child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }

  #cleanUp(): void {
    if (this.#ownCwd) rmSync(this.cwd, { recursive: true, force: true });
  }

  async #poll<T>(find: () => T | undefined, what: string, timeoutMs: number): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = find();
      if (found !== undefined) return found;
      if (this.#exit) {
        throw new Error(`the bot exited (code ${this.#exit.code}, signal ${this.#exit.signal}) before ${what}\n${this.describe()}`);
      }
      if (Date.now() >= deadline) throw new Error(`no ${what} within ${timeoutMs} ms\n${this.describe()}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}

/** Starts the bot as `npm start` would. Call `killAllBots()` in afterAll (or afterEach) of every file that uses it. */
export function spawnBot(options: SpawnBotOptions): SpawnedBot {
  return new SpawnedBot(options);
}

/** SIGKILLs every bot still running (and what it started); for afterAll/afterEach. */
export async function killAllBots(): Promise<void> {
  await Promise.all([...running].map((bot) => bot.kill()));
}

// A test process that ends without its afterAll (a crash, a timeout) still takes its bots with it.
process.once('exit', () => {
  for (const bot of running) {
    if (bot.pid) {
      try {
        process.kill(-bot.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
});

/** A free TCP port on 127.0.0.1 (for the bot's PORT). */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export interface SlackHttpBotOptions {
  databaseUrl: string;
  /** The fake Slack's Web API base (`FakeSlack.apiUrl`). */
  apiUrl: string;
  botToken: string;
  signingSecret: string;
  /** Further settings (BOT_ADMINS, LOG_LEVEL, …). */
  env?: Record<string, string>;
}

/** `npm start` with Slack in HTTP mode against a fake Slack, on a free port; `baseUrl` is where to post Slack's requests. */
export async function spawnSlackHttpBot(options: SlackHttpBotOptions): Promise<{ bot: SpawnedBot; baseUrl: string }> {
  const port = await freePort();
  const bot = spawnBot({
    databaseUrl: options.databaseUrl,
    env: {
      SLACK_BOT_TOKEN: options.botToken,
      SLACK_SIGNING_SECRET: options.signingSecret,
      SLACK_API_URL: options.apiUrl,
      PORT: String(port),
      ...options.env,
    },
  });
  return { bot, baseUrl: `http://127.0.0.1:${port}` };
}
