import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentLease, release, renew, tryAcquire, withLease } from '../../src/store/locks.ts';
import { createTestStore, type TestStore } from '../helpers/store.ts';

let store: TestStore;
beforeAll(async () => {
  store = await createTestStore();
});
afterAll(async () => {
  await store.close();
});

const t0 = Date.parse('2026-11-25T12:00:00Z');

describe('leases', () => {
  it('one holder at a time; the holder extends; others wait for expiry, then steal', async () => {
    expect(await tryAcquire(store.db, 'job:a', 'one', 1000, t0)).toBe(true);
    expect(await tryAcquire(store.db, 'job:a', 'two', 1000, t0 + 500)).toBe(false);
    expect(await tryAcquire(store.db, 'job:a', 'one', 1000, t0 + 500)).toBe(true);
    expect(await currentLease(store.db, 'job:a', t0 + 1400)).toEqual({ key: 'job:a', owner: 'one', expiresAt: t0 + 1500 });
    expect(await tryAcquire(store.db, 'job:a', 'two', 1000, t0 + 1499)).toBe(false);
    expect(await tryAcquire(store.db, 'job:a', 'two', 1000, t0 + 1500)).toBe(true);
    expect(await renew(store.db, 'job:a', 'one', 1000, t0 + 1600)).toBe(false);
    expect(await release(store.db, 'job:a', 'one')).toBe(false);
    expect(await renew(store.db, 'job:a', 'two', 1000, t0 + 1600)).toBe(true);
    expect((await currentLease(store.db, 'job:a', t0 + 2000))?.expiresAt).toBe(t0 + 2600);
    expect(await release(store.db, 'job:a', 'two')).toBe(true);
    expect(await currentLease(store.db, 'job:a', t0 + 2000)).toBeUndefined();
    expect(await tryAcquire(store.db, 'job:a', 'three', 1000, t0 + 2000)).toBe(true);
  });

  it('keys are independent', async () => {
    expect(await tryAcquire(store.db, 'job:b', 'one', 1000, t0)).toBe(true);
    expect(await tryAcquire(store.db, 'job:c', 'two', 1000, t0)).toBe(true);
  });

  it('many concurrent attempts on one key: exactly one winner', async () => {
    const now = Date.now();
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => tryAcquire(store.db, 'race', `owner-${i}`, 60_000, now)));
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('withLease runs the work once, skips while held, releases afterwards', async () => {
    let runs = 0;
    let inner: Awaited<ReturnType<typeof withLease>> | undefined;
    const outer = await withLease(store.db, 'segment:run', 'one', 10_000, async () => {
      runs += 1;
      inner = await withLease(store.db, 'segment:run', 'two', 10_000, async () => {
        runs += 1;
      });
      return 'done';
    });
    expect(outer).toEqual({ ran: true, value: 'done' });
    expect(inner).toEqual({ ran: false, holder: 'one' });
    expect(runs).toBe(1);
    expect(await currentLease(store.db, 'segment:run')).toBeUndefined();
  });

  it('withLease releases on error', async () => {
    await expect(withLease(store.db, 'boom', 'one', 10_000, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await tryAcquire(store.db, 'boom', 'two', 10_000)).toBe(true);
  });
});
