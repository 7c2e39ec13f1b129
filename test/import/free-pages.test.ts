import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bot } from '../../src/core/bot.ts';
import { createDatabase } from '../../src/store/database.ts';
import { ensureIncrementalVacuum, freePageShare } from '../../src/store/free-pages.ts';
import { migrateToLatest } from '../../src/store/migrate.ts';
import { createLogger } from '../../src/logger.ts';
import { createTestBot, run } from '../helpers/bot.ts';
import { createTestStore, testPostgresUrl, type TestStore } from '../helpers/store.ts';

// An import stages every row before its merge; the staging rows' pages must not stay in the file.
const sqliteOnly = Boolean(testPostgresUrl());
if (sqliteOnly) console.log('free-pages.test.ts: SQLite file pages only; skipped in the PostgreSQL pass');

let store: TestStore;
let bot: Bot;

async function importOk(line: string): Promise<void> {
  const reply = await run(bot, line);
  expect(reply.data.error, reply.view.text).toBeUndefined();
}

function ordersFile(name: string, rows: number, changed: (i: number) => boolean): string {
  const lines = ['order_id,customer_id,order_date,amount,currency,channel'];
  for (let i = 1; i <= rows; i++) {
    const day = String(1 + (i % 28)).padStart(2, '0');
    lines.push(`O${i},C${i % 9_000},2026-10-${day},${changed(i) ? '99.99' : (10 + (i % 50)).toFixed(2)},USD,email`);
  }
  const file = path.join(store.dir, name);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

beforeAll(async () => {
  if (sqliteOnly) return;
  store = await createTestStore();
  bot = await createTestBot(store.db, store.dir, { env: { DATABASE_URL: store.url } });
});
afterAll(async () => store?.close());

describe.skipIf(sqliteOnly)('no bloat: the SQLite file after imports', () => {
  it('has under 5% free pages after a first import, a re-import with changes and a failed strict import', async () => {
    await importOk(`/import orders ${ordersFile('first.csv', 40_000, () => false)}`);
    expect(await freePageShare(store.db)).toBeLessThan(0.05);
    await importOk(`/import orders ${ordersFile('second.csv', 40_000, (i) => i % 100 === 0)}`);
    expect(await freePageShare(store.db)).toBeLessThan(0.05);
    const bad = ordersFile('bad.csv', 20_000, () => false);
    writeFileSync(bad, 'X1,C1,not a date,1,USD,email\n', { flag: 'a' });
    const refused = await run(bot, `/import orders ${bad} strict=true`);
    expect(refused.view.text).toContain('Nothing was imported');
    expect(await freePageShare(store.db)).toBeLessThan(0.05);
  });

  it('converts a small file made before incremental vacuum at start', async () => {
    const file = path.join(store.dir, 'old.db');
    const old = createDatabase(`sqlite:${file}`);
    await old.destroy();
    // an old file: made without auto_vacuum, then filled and emptied
    const { default: SQLite } = await import('better-sqlite3');
    const raw = new SQLite(file);
    raw.pragma('auto_vacuum = NONE');
    raw.exec('VACUUM');
    raw.exec('CREATE TABLE filler (x TEXT)');
    const insert = raw.prepare('INSERT INTO filler VALUES (?)');
    for (let i = 0; i < 5_000; i++) insert.run('x'.repeat(500));
    raw.exec('DELETE FROM filler');
    expect(raw.pragma('auto_vacuum', { simple: true })).toBe(0);
    raw.close();
    const db = createDatabase(`sqlite:${file}`);
    try {
      await migrateToLatest(db);
      await ensureIncrementalVacuum(db, file, createLogger('silent'));
      expect(await freePageShare(db)).toBeLessThan(0.05);
      const { rows } = await (await import('kysely')).sql<{ auto_vacuum: number }>`PRAGMA auto_vacuum`.execute(db);
      expect(rows[0]!.auto_vacuum).toBe(2);
    } finally {
      await db.destroy();
    }
  });
});
