import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../../src/store/database.ts';
import { migrateToLatest } from '../../src/store/migrate.ts';
import { killAllBots, SPAWN_TEST_TIMEOUT_MS, spawnBot, type SpawnedBot } from '../helpers/spawn-bot.ts';
import { createTestStore, type TestStore } from '../helpers/store.ts';

// A full disk, for real, in the bot as deployed (npm start, console): its writes to the SQLite
// file fail midway through a 100,000-row import. The answer names the disk and the fix, the
// import leaves no staging rows, the store passes PRAGMA integrity_check, and the bot carries on.
// PostgreSQL's own disk cannot be filled here (a shared server): its 53100 is covered in resource-errors.test.ts.
const ROWS = 100_000;
let dir: string;
let csv: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'growthbot-disk-full-'));
  csv = path.join(dir, 'big.csv');
  writeFileSync(csv, bigCustomers(ROWS));
});

afterAll(async () => {
  await killAllBots();
  rmSync(dir, { recursive: true, force: true });
});

/** A customers CSV of `rows` rows with two attributes each. */
function bigCustomers(rows: number): string {
  const lines = ['customer_id,email,name,country,signup_date,consent,plan,age'];
  for (let i = 1; i <= rows; i++)
    lines.push(
      `DF-${i},df${i}@example.com,Customer Number ${i},DE,2026-01-${String((i % 28) + 1).padStart(2, '0')},yes,gold-${i % 7},${20 + (i % 50)}`,
    );
  return `${lines.join('\n')}\n`;
}

interface JsonReply {
  command: string;
  ok: boolean;
  text: string;
  data: { error?: { code: string; message: string; hint?: string } };
}

/** Runs the import, then a command that reads the store, in the console; returns both replies. */
async function importThenList(bot: SpawnedBot): Promise<JsonReply[]> {
  bot.endInput([`/import customers ${csv}`, '/segment list', ''].join('\n'));
  const exit = await bot.waitForExit(SPAWN_TEST_TIMEOUT_MS - 20_000);
  // a command failed: the console's exit status says so
  expect(exit, bot.describe()).toEqual({ code: 1, signal: null });
  const replies = bot.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as JsonReply);
  expect(
    replies.map((reply) => [reply.command.split(' ')[0], reply.ok]),
    bot.describe(),
  ).toEqual([
    ['/import', false],
    ['/segment', true],
  ]);
  expect(replies[0]!.text).not.toMatch(/something went wrong/);
  return replies;
}

/** Staging rows left, customers stored, and PRAGMA integrity_check, read after the bot exited. */
function afterwards(file: string): { staged: number; attributes: number; customers: number; integrity: string } {
  const sqlite = new SQLite(file);
  try {
    const count = (table: string) => (sqlite.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    return {
      staged: count('import_staging_customers'),
      attributes: count('import_staging_attributes'),
      customers: count('customers'),
      integrity: String(sqlite.pragma('integrity_check', { simple: true })),
    };
  } finally {
    sqlite.close();
  }
}

describe.skipIf(!!process.env.TEST_DATABASE_URL)('SQLite disk full during an import (the bot as deployed)', () => {
  let store: TestStore;
  beforeAll(async () => {
    store = await createTestStore();
    await store.db.destroy();
  });
  afterAll(() => rmSync(store.dir, { recursive: true, force: true }));

  it(
    'under a file size limit (ulimit -f): names the database folder and the fix, no staging rows left, integrity ok',
    async () => {
      const file = store.url.replace(/^sqlite:/, '');
      // room for all the staging rows (the failure comes at the merge, with 100,000 rows staged), not for the merge too
      const limitKb = Math.ceil(statSync(file).size / 1024) + 20_000;
      const bot = spawnBot({ databaseUrl: store.url, args: ['--json'], stdin: 'pipe', fileSizeLimitKb: limitKb });
      const [failed] = await importThenList(bot);
      expect(failed!.data.error!.code).toBe('disk_full');
      expect(failed!.data.error!.message).toMatch(
        new RegExp(
          `^The disk holding the database folder ${store.dir} refused a write: it is full, or the database file reached a size limit \\(\\d+ MB free\\)\\.$`,
        ),
      );
      expect(failed!.data.error!.hint).toMatch(/move DATABASE_URL to a bigger disk/);
      expect(bot.logs().some((line) => line.level === 'error' && line.code === 'disk_full')).toBe(true);
      expect(afterwards(file)).toEqual({ staged: 0, attributes: 0, customers: 0, integrity: 'ok' });
    },
    SPAWN_TEST_TIMEOUT_MS,
  );
});

/** A small tmpfs, when this process may mount one (root in a container that allows it); else undefined. */
function mountTmpfs(at: string, megabytes: number): boolean {
  try {
    mkdirSync(at, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${megabytes}m`, 'tmpfs', at], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const tmpfsAt = path.join(os.tmpdir(), `growthbot-tmpfs-${process.pid}`);
const mounted = !process.env.TEST_DATABASE_URL && mountTmpfs(tmpfsAt, 12);

describe.skipIf(!mounted)('SQLite on a full disk (a 12 MB tmpfs: ENOSPC, SQLITE_FULL)', () => {
  afterAll(() => {
    try {
      execFileSync('umount', [tmpfsAt], { stdio: 'ignore' });
    } finally {
      rmSync(tmpfsAt, { recursive: true, force: true });
    }
  });

  it(
    'names the database folder, its free MB and the fix; no staging rows left, integrity ok',
    async () => {
      const file = path.join(tmpfsAt, 'bot.db');
      const db = createDatabase(`sqlite:${file}`);
      await migrateToLatest(db);
      await db.destroy();
      const bot = spawnBot({ databaseUrl: `sqlite:${file}`, args: ['--json'], stdin: 'pipe' });
      const [failed] = await importThenList(bot);
      expect(failed!.data.error!.code).toBe('disk_full');
      expect(failed!.data.error!.message).toMatch(
        new RegExp(`^The disk holding the database folder ${tmpfsAt} is full \\(\\d+ MB free\\)\\.$`),
      );
      expect(failed!.data.error!.hint).toBe(
        'Free some space or move DATABASE_URL to a bigger disk, then try again. What failed was not saved.',
      );
      expect(afterwards(file)).toEqual({ staged: 0, attributes: 0, customers: 0, integrity: 'ok' });
    },
    SPAWN_TEST_TIMEOUT_MS,
  );
});
