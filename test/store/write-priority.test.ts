import path from 'node:path';
import { sql } from 'kysely';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WriteQueue } from '../../src/core/write-queue.ts';
import { WorkerPool } from '../../src/jobs/worker-pool.ts';
import { sqlitePath } from '../../src/store/database.ts';
import { createTestStore, testPostgresUrl, type TestStore } from '../helpers/store.ts';
import type { BulkInput } from './bulk-writer-task.ts';

let store: TestStore;
beforeAll(async () => {
  store = await createTestStore();
  await sql`create table priority_log (id integer primary key, who text not null)`.execute(store.db);
});
afterAll(async () => store.close());

describe.skipIf(Boolean(testPostgresUrl()))("SQLite write priority: the bot's small writes before a worker's bulk chunks", () => {
  it('a write queued while a bulk chunk holds the lock is not tried until the chunk ends, and goes before the next chunk', async () => {
    const pool = new WorkerPool({ niceness: 0 });
    const queue = new WriteQueue(store.db, pino({ level: 'silent' }), { delayMs: 5 });
    try {
      let queued = false;
      const bulk = pool.run<BulkInput, { paused: number[] }>(
        new URL('./bulk-writer-task.ts', import.meta.url),
        { file: path.resolve(sqlitePath(store.url)), chunks: 3, holdMs: 100 },
        (update) => {
          if (update.message !== 'chunk 1 holds the lock' || queued) return;
          queued = true;
          queue.enqueue('small write', async (trx) => {
            await sql`insert into priority_log (who) values ('bot')`.execute(trx);
          });
        },
      );
      const { paused } = await bulk;
      await queue.flush();
      const order = (await sql<{ who: string }>`select who from priority_log order by id`.execute(store.db)).rows.map((r) => r.who);
      expect(order).toEqual(['bulk 1', 'bot', 'bulk 2', 'bulk 3']);
      expect(paused).toEqual([2]);
    } finally {
      await pool.close();
    }
  });
});
