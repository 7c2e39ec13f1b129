import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestStore, type TestStore } from '../helpers/store.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dir = mkdtempSync(path.join(os.tmpdir(), 'growthbot-console-'));
const stores: TestStore[] = [];
afterAll(async () => {
  for (const store of stores) await store.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The console as a user runs it: a child process fed commands on standard input. */
/** The console on a fresh store of the pass (a temp SQLite file, or a PostgreSQL schema in the PG pass). */
async function runConsole(lines: string[], args: string[]): Promise<Run> {
  const store = await createTestStore();
  stores.push(store);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], {
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
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(`${lines.join('\n')}\n`);
  });
}

describe('console adapter as a child process', () => {
  it('--json: imports the examples, one JSON line per command on stdout, progress on stderr, exit 0', async () => {
    const commands = ['customers', 'orders', 'spend', 'events'].map((kind) => `/import ${kind} examples/${kind}.csv`);
    const result = await runConsole([...commands, '/import orders examples/orders.csv'], ['--json']);
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines).toHaveLength(5);
    const replies = lines.map((line) => JSON.parse(line));
    for (const [i, reply] of replies.entries()) {
      expect(Object.keys(reply)).toEqual(['command', 'ok', 'text', 'data']);
      expect(reply.ok).toBe(true);
      expect(reply.command).toBe([...commands, '/import orders examples/orders.csv'][i]);
      expect(Object.keys(reply.data).slice(0, 7)).toEqual([
        'read',
        'inserted',
        'updated',
        'unchanged',
        'rejected',
        'rejections_file',
        'seconds',
      ]);
    }
    expect(replies[0].data).toMatchObject({ read: 5000, inserted: 5000, rejected: 0, rejections_file: null });
    expect(replies[1].data.rejected).toBe(0);
    expect(replies[1].data.inserted).toBeGreaterThan(20000);
    expect(replies[1].data.customers_created).toBe(0);
    expect(replies[4].data).toMatchObject({ inserted: 0, updated: 0, unchanged: replies[1].data.inserted });
    expect(replies[4].text).toMatch(/Nothing new/);
    expect(result.stderr).toMatch(/% · /);
  }, 120_000);

  it('batch mode: plain text replies in order, exit 1 when a command fails', async () => {
    const result = await runConsole(['/import customers examples/customers.csv', '/import orders does-not-exist.csv'], []);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/5,000 rows read: 5,000 customers inserted/);
    expect(result.stdout).toMatch(/Cannot read `does-not-exist.csv`: no such file \(paths are relative to the bot's working directory/);
    expect(result.stdout.indexOf('5,000 rows read')).toBeLessThan(result.stdout.indexOf('Cannot read'));
  }, 120_000);
});
