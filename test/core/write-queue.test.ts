import path from 'node:path';
import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WriteQueue, type WriteGroup } from '../../src/core/write-queue.ts';
import { sqlitePath } from '../../src/store/database.ts';
import { createTestStore, testPostgresUrl, type TestStore } from '../helpers/store.ts';

let store: TestStore;
beforeAll(async () => {
  store = await createTestStore();
});
afterAll(async () => store.close());

const receipt = (signature: string) => async (trx: Parameters<Parameters<WriteQueue['enqueue']>[1]>[0]) => {
  await trx.insertInto('request_receipts').values({ signature, expires_at: 4_000_000_000_000 }).execute();
};
const stored = async (signatures: string[]) =>
  (await store.db.selectFrom('request_receipts').select('signature').where('signature', 'in', signatures).execute())
    .map((r) => r.signature)
    .sort();

describe('WriteQueue', () => {
  it('writes enqueued jobs in one batch after the delay; flush waits for them', async () => {
    const queue = new WriteQueue(store.db, pino({ level: 'silent' }), { delayMs: 10_000 });
    queue.enqueue('a', receipt('wq-a'));
    queue.enqueue('b', receipt('wq-b'));
    expect(queue.size).toBe(2);
    expect(await stored(['wq-a', 'wq-b'])).toEqual([]);
    await queue.flush();
    expect(await stored(['wq-a', 'wq-b'])).toEqual(['wq-a', 'wq-b']);
  });

  it('a failing job is logged and dropped; the rest of its batch is stored', async () => {
    const queue = new WriteQueue(store.db, pino({ level: 'silent' }));
    queue.enqueue('ok', receipt('wq-c'));
    queue.enqueue('duplicate', receipt('wq-a'));
    queue.enqueue('ok too', receipt('wq-d'));
    await queue.flush();
    expect(await stored(['wq-c', 'wq-d'])).toEqual(['wq-c', 'wq-d']);
    expect(queue.size).toBe(0);
  });

  it('writes the items of a group with one call per batch, in order, and hands each caller its own result', async () => {
    const calls: string[][] = [];
    const group: WriteGroup<string, boolean> = {
      label: 'test receipts',
      writeAll: async (trx, signatures) => {
        calls.push(signatures);
        const inserted = await trx
          .insertInto('request_receipts')
          .values(signatures.map((signature) => ({ signature, expires_at: 4_000_000_000_000 })))
          .onConflict((oc) => oc.column('signature').doNothing())
          .returning('signature')
          .execute();
        const fresh = new Set(inserted.map((row) => row.signature));
        return signatures.map((signature) => fresh.has(signature));
      },
    };
    const queue = new WriteQueue(store.db, pino({ level: 'silent' }), { delayMs: 10_000 });
    queue.enqueue('plain job', receipt('wq-g0'));
    const results = Promise.all([queue.writeInto(group, 'wq-g1'), queue.writeInto(group, 'wq-g0'), queue.writeInto(group, 'wq-g2')]);
    queue.enqueueInto(group, 'wq-g3');
    await queue.flush();
    expect(calls).toEqual([['wq-g1', 'wq-g0', 'wq-g2', 'wq-g3']]);
    expect(await results).toEqual([true, false, true]);
    expect(await stored(['wq-g0', 'wq-g1', 'wq-g2', 'wq-g3'])).toEqual(['wq-g0', 'wq-g1', 'wq-g2', 'wq-g3']);
  });

  it('a group whose batch fails is retried item by item: the bad item is rejected, the others stored', async () => {
    const group: WriteGroup<string> = {
      label: 'test strict receipts',
      writeAll: async (trx, signatures) => {
        await trx
          .insertInto('request_receipts')
          .values(signatures.map((signature) => ({ signature, expires_at: 4_000_000_000_000 })))
          .execute();
        return signatures.map(() => undefined);
      },
    };
    const queue = new WriteQueue(store.db, pino({ level: 'silent' }), { delayMs: 10_000 });
    const good = queue.writeInto(group, 'wq-s1');
    const bad = queue.writeInto(group, 'wq-a').then(
      () => 'stored',
      () => 'rejected',
    ); // already stored by the first test
    queue.enqueueInto(group, 'wq-s2');
    await queue.flush();
    await expect(good).resolves.toBeUndefined();
    expect(await bad).toBe('rejected');
    expect(await stored(['wq-s1', 'wq-s2'])).toEqual(['wq-s1', 'wq-s2']);
  });

  it.skipIf(Boolean(testPostgresUrl()))(
    'SQLite: while another connection holds the write lock, the event loop keeps turning and the batch is retried',
    async () => {
      const queue = new WriteQueue(store.db, pino({ level: 'silent' }), { delayMs: 5, busyTimeoutMs: 20, maxRetryDelayMs: 100 });
      const other = new SQLite(path.resolve(sqlitePath(store.url)));
      other.pragma('busy_timeout = 5000');
      other.exec('BEGIN IMMEDIATE');
      let longestGap = 0;
      let last = performance.now();
      const ticker = setInterval(() => {
        const now = performance.now();
        longestGap = Math.max(longestGap, now - last);
        last = now;
      }, 5);
      try {
        queue.enqueue('held', receipt('wq-held'));
        const flushed = queue.flush().then(() => true);
        await new Promise((resolve) => setTimeout(resolve, 600));
        expect(await Promise.race([flushed, Promise.resolve(false)])).toBe(false);
        other.exec('COMMIT');
        await flushed;
      } finally {
        clearInterval(ticker);
        other.close();
      }
      expect(await stored(['wq-held'])).toEqual(['wq-held']);
      expect(longestGap).toBeLessThan(250);
      // the connection's own settings are back
      const pragma = await sql<{ timeout: number }>`PRAGMA busy_timeout`.execute(store.db);
      expect(Number(pragma.rows[0]?.timeout)).toBe(10_000);
    },
  );
});
