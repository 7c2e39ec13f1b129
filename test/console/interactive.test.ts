import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStore, type TestStore } from '../helpers/store.ts';

// The console as a person uses it: `npm start` on a terminal (a pseudo-terminal made by util-linux `script`),
// keys typed one by one, Ctrl-C included.
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dir = mkdtempSync(path.join(os.tmpdir(), 'growthbot-tty-'));
let store: TestStore;
const bigFile = path.join(dir, 'many-customers.csv');

beforeAll(async () => {
  store = await createTestStore();
  const out = createWriteStream(bigFile);
  out.write('customer_id,email,signup_date,country\n');
  for (let i = 0; i < 600_000; i++) out.write(`C${i},person${i}@example.com,2024-01-${String((i % 28) + 1).padStart(2, '0')},DE\n`);
  await new Promise<void>((resolve) => out.end(resolve));
});
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

class Terminal {
  output = '';
  readonly child: ChildProcessWithoutNullStreams;
  readonly exited: Promise<number | null>;

  constructor(env: Record<string, string>) {
    // script gives the bot a terminal; its own output is the terminal's screen
    this.child = spawn('script', ['-qfec', 'npm start --silent -- --user ana', '/dev/null'], {
      cwd: root,
      env: { ...process.env, ...env, TERM: 'dumb' },
    });
    this.child.stdout.on('data', (chunk: Buffer) => (this.output += chunk.toString('utf8')));
    this.child.stderr.on('data', (chunk: Buffer) => (this.output += chunk.toString('utf8')));
    this.exited = new Promise((resolve) => this.child.on('close', (code) => resolve(code)));
  }

  type(text: string): void {
    this.child.stdin.write(text);
  }

  async waitFor(pattern: RegExp, from = 0, timeoutMs = 45_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = pattern.exec(this.output.slice(from));
      if (match) return from + match.index + match[0].length;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}; screen so far:\n${this.output}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

describe('interactive console (a real terminal)', () => {
  it('shows who acts, keeps logs off the screen, Ctrl-C cancels a running import after asking and keeps the bot', async () => {
    const logFile = path.join(dir, 'bot.log');
    const term = new Terminal({
      DATABASE_URL: store.url,
      OUT_DIR: path.join(dir, 'out'),
      LOG_LEVEL: 'info',
      LOG_FILE: logFile,
      SLACK_BOT_TOKEN: '',
      DISCORD_TOKEN: '',
      DISCORD_APP_ID: '',
      BOT_ADMINS: 'console:ana',
      HOME: dir,
    });
    try {
      let at = await term.waitFor(/growthbot \(ana\)> /);
      // logs go to the file, not between the prompts
      expect(term.output).not.toMatch(/"level"/);

      term.type('\x03');
      at = await term.waitFor(/To leave, type \/exit/, at);

      term.type(`/import customers ${bigFile}\r`);
      at = await term.waitFor(/\d+%|⏳/, at);
      term.type('\x03');
      at = await term.waitFor(/Cancel \/import customers\? It changes data/, at);
      term.type('y\r');
      at = await term.waitFor(/Cancelled\./, at);
      at = await term.waitFor(/growthbot \(ana\)> /, at);

      // the bot still answers
      term.type('/help\r');
      at = await term.waitFor(/\/import/, at);
      term.type('/exit\r');
      await term.exited;
      if (process.env.SHOW_SCREEN) console.log(term.output);
    } finally {
      term.child.kill();
    }
    const { rows } = await import('kysely').then(({ sql }) => sql<{ n: number }>`select count(*) as n from customers`.execute(store.db));
    expect(Number(rows[0]!.n)).toBe(0);
    expect(readFileSync(logFile, 'utf8')).toMatch(/growthbot is running/);
  }, 120_000);
});

describe('batch console', () => {
  it('/exit ends the run without an error; the lines after it are not run', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: root,
      env: {
        ...process.env,
        DATABASE_URL: store.url,
        OUT_DIR: path.join(dir, 'out'),
        LOG_LEVEL: 'warn',
        SLACK_BOT_TOKEN: '',
        DISCORD_TOKEN: '',
        DISCORD_APP_ID: '',
      },
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stdin.end('/help\n/exit\n/no-such-command\n');
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(0);
    expect(stdout).toMatch(/Growthbot commands/);
    expect(stdout).not.toMatch(/no-such-command/);
  });
});
