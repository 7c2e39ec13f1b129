import path from 'node:path';
import SQLite from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlitePath } from '../../src/store/database.ts';
import { withLease } from '../../src/store/locks.ts';
import { createTestStore, testPostgresUrl, type TestStore } from '../helpers/store.ts';

let store: TestStore;
beforeAll(async () => {
  store = await createTestStore();
});
afterAll(async () => store.close());

/** Holds SQLite's write lock from another connection (as a worker merging a big import does) until released. */
function holdWriteLock(): { release(): void } {
  const other = new SQLite(path.resolve(sqlitePath(store.url)));
  other.exec('BEGIN IMMEDIATE');
  return {
    release: () => {
      other.exec('COMMIT');
      other.close();
    },
  };
}

/** Counts the turns of a 20 ms timer while `run` runs: a stalled event loop counts none. */
async function countTurns<T>(run: () => Promise<T>): Promise<{ value: T; turns: number }> {
  let turns = 0;
  const ticker = setInterval(() => turns++, 20);
  try {
    return { value: await run(), turns };
  } finally {
    clearInterval(ticker);
  }
}

describe.skipIf(Boolean(testPostgresUrl()))('leases on SQLite while another connection holds the write lock', () => {
  it('taking a lease waits in short tries (the event loop keeps turning), then runs the work', async () => {
    const lock = holdWriteLock();
    const events: string[] = [];
    setTimeout(() => {
      events.push('lock released');
      lock.release();
    }, 600);
    // blocking on the lock would hold this thread (and the timer that releases it) for the connection's 10 s busy_timeout
    const { value, turns } = await countTurns(() =>
      withLease(store.db, 'wait-acquire', 'owner-a', 60_000, async () => events.push('work ran')),
    );
    expect(value.ran).toBe(true);
    expect(events).toEqual(['lock released', 'work ran']);
    expect(turns).toBeGreaterThan(3);
  });

  it('renewals skip while the lock is held; the running work keeps its lease in this process even after the row expires', async () => {
    let second: Awaited<ReturnType<typeof withLease>> | undefined;
    const { value, turns } = await countTurns(() =>
      withLease(
        store.db,
        'wait-renew',
        'owner-a',
        200,
        async () => {
          const lock = holdWriteLock();
          try {
            await new Promise((resolve) => setTimeout(resolve, 700)); // renewals every 66 ms find the lock held; the 200 ms row expires
            second = await withLease(store.db, 'wait-renew', 'owner-b', 200, async () => 'should not run', { acquireWithinMs: 0 });
          } finally {
            lock.release();
          }
          return 'done';
        },
        { renewEveryMs: 66 },
      ),
    );
    expect(value).toEqual({ ran: true, value: 'done' });
    expect(second).toEqual({ ran: false, holder: 'owner-a' });
    expect(turns).toBeGreaterThan(3);
    // released at the end: the key is free again
    expect(await withLease(store.db, 'wait-renew', 'owner-b', 200, async () => 'now')).toEqual({ ran: true, value: 'now' });
  });
});
