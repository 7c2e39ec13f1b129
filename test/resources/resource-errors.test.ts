import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRegistry } from '../../commands/index.ts';
import { loadConfig } from '../../src/config/config.ts';
import { Bot } from '../../src/core/bot.ts';
import { UserError } from '../../src/core/errors.ts';
import { storeProblem } from '../../src/lifecycle/start-up-errors.ts';
import { freeMegabytes, resourceError } from '../../src/store/resource-errors.ts';
import { createTestStore, type TestStore } from '../helpers/store.ts';

// Each resource failure gets its own sentence naming the resource and the fix (#20.4).
let dir: string;
let store: TestStore;
const PG = 'postgres://growth:s3cret@db.internal:6543/growth';

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'growthbot-resource-'));
  store = await createTestStore();
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await store.close();
});

const sqliteUrl = () => `sqlite:${path.join(dir, 'bot.db')}`;
const coded = (code: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(`failed: ${code}`), { code, ...extra });

/** A real SQLITE_FULL: a connection whose file may not grow past its current pages (PRAGMA max_page_count). */
function realSqliteFull(): unknown {
  const sqlite = new SQLite(path.join(dir, 'bot.db'));
  try {
    sqlite.exec('CREATE TABLE IF NOT EXISTS filler (v TEXT)');
    sqlite.pragma(`max_page_count = ${Number(sqlite.pragma('page_count', { simple: true })) + 2}`);
    const insert = sqlite.prepare('INSERT INTO filler VALUES (?)');
    for (let i = 0; i < 1000; i++) insert.run('x'.repeat(4000));
    return undefined;
  } catch (error) {
    return error;
  } finally {
    sqlite.close();
  }
}

describe('resource errors name the resource and the fix', () => {
  it('SQLite full (a real SQLITE_FULL): the database folder, its free MB, and DATABASE_URL', () => {
    const error = realSqliteFull();
    expect((error as { code?: string }).code).toBe('SQLITE_FULL');
    const mapped = resourceError(error, { databaseUrl: sqliteUrl() });
    expect(mapped).toBeInstanceOf(UserError);
    expect(mapped!.code).toBe('disk_full');
    expect(mapped!.message).toMatch(new RegExp(`^The disk holding the database folder ${dir} is full \\(\\d+ MB free\\)\\.$`));
    expect(mapped!.hint).toMatch(/Free some space or move DATABASE_URL to a bigger disk/);
    expect(freeMegabytes(dir)).toBeGreaterThan(0);
  });

  it('a command that hits it answers the sentence, not "something went wrong"', async () => {
    const config = loadConfig({ DATABASE_URL: sqliteUrl(), OUT_DIR: path.join(dir, 'out') });
    const bot = new Bot({
      db: store.db,
      config,
      logger: pino({ level: 'silent' }),
      registry: await loadRegistry(),
      outDir: path.join(dir, 'out'),
    });
    const reply = bot.errorReply(realSqliteFull(), 'import customers');
    expect(reply.ok).toBe(false);
    expect(reply.data.error.code).toBe('disk_full');
    expect(reply.view.text).toMatch(/^⚠️ The disk holding the database folder .* is full \(\d+ MB free\)\.\nFree some space/);
    expect(reply.view.text).not.toMatch(/something went wrong/);
    // anything else is still an apology with an id
    expect(bot.errorReply(new Error('boom'), 'x').data.error.code).toBe('internal_error');
  });

  it('a file size limit (SQLITE_IOERR_WRITE, EFBIG) says the disk refused a write', () => {
    const mapped = resourceError(coded('SQLITE_IOERR_WRITE'), { databaseUrl: sqliteUrl() })!;
    expect(mapped.code).toBe('disk_full');
    expect(mapped.message).toMatch(/refused a write: it is full, or the database file reached a size limit \(\d+ MB free\)/);
  });

  it('ENOSPC writing a chart or file under OUT_DIR names OUT_DIR', () => {
    const outDir = path.join(dir, 'out');
    const error = coded('ENOSPC', { errno: -28, syscall: 'write', path: path.join(outDir, 'chart.png') });
    const mapped = resourceError(error, { databaseUrl: PG, outDir })!;
    expect(mapped.code).toBe('disk_full');
    expect(mapped.message).toMatch(new RegExp(`^The disk holding OUT_DIR \\(${outDir}\\) is full \\(\\d+ MB free\\)\\.$`));
    expect(mapped.hint).toMatch(/set OUT_DIR to a folder on a bigger disk/);
  });

  it('SQLite locked past the busy timeout', () => {
    const mapped = resourceError(coded('SQLITE_BUSY'), { databaseUrl: sqliteUrl() })!;
    expect(mapped.code).toBe('database_busy');
    expect(mapped.message).toContain('stayed locked by another writer for more than 10 seconds');
  });

  it('a read-only database file (SQLITE_READONLY, EACCES/EROFS on its folder)', () => {
    for (const error of [coded('SQLITE_READONLY'), coded('EROFS', { path: path.join(dir, 'bot.db-wal') })]) {
      const mapped = resourceError(error, { databaseUrl: sqliteUrl(), outDir: path.join(dir, 'out') })!;
      expect(mapped.code).toBe('read_only');
      expect(mapped.message).toBe(`The database file ${path.join(dir, 'bot.db')} is read-only for the bot.`);
    }
  });

  it('PostgreSQL: disk full (53100), too many connections (53300), refusing, read-only: host:port, never the password', () => {
    const cases: [unknown, string, RegExp][] = [
      [coded('53100'), 'disk_full', /^The disk of the database server \(PostgreSQL at db\.internal:6543\) is full\.$/],
      [coded('53300'), 'too_many_connections', /^PostgreSQL at db\.internal:6543 has no free connections/],
      [
        coded('ECONNREFUSED', { address: '10.0.0.5', port: 6543 }),
        'database_unreachable',
        /^PostgreSQL at db\.internal:6543 is not answering\.$/,
      ],
      [new Error('Connection terminated unexpectedly'), 'database_unreachable', /is not answering/],
      [coded('57P01'), 'database_unreachable', /is not answering/],
      [coded('25006'), 'read_only', /^PostgreSQL at db\.internal:6543 accepts no writes/],
    ];
    for (const [error, code, message] of cases) {
      const mapped = resourceError(error, { databaseUrl: PG })!;
      expect(mapped.code).toBe(code);
      expect(mapped.message).toMatch(message);
      expect(mapped.text).not.toContain('s3cret');
    }
    // a refused connection to something else (a webhook, an API) is not the database's
    expect(resourceError(coded('ECONNREFUSED', { address: '10.0.0.9', port: 8080 }), { databaseUrl: PG })).toBeUndefined();
    expect(resourceError(new Error('boom'), { databaseUrl: PG })).toBeUndefined();
  });

  it('at start-up, PostgreSQL refusing is the same sentence, after DATABASE_URL without its password', () => {
    const url = 'postgres://growth:s3cret@127.0.0.1:1/growth';
    const problem = storeProblem(coded('ECONNREFUSED', { address: '127.0.0.1', port: 1 }), url);
    expect(problem.message).toBe(
      'The database DATABASE_URL=postgres://growth:***@127.0.0.1:1/growth could not be opened: PostgreSQL at 127.0.0.1:1 is not answering; start it or fix DATABASE_URL.',
    );
  });
});
