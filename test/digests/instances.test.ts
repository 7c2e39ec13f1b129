import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kysely } from 'kysely';
import type { Bot } from '../../src/core/bot.ts';
import { startDigestScheduler, type DigestScheduler, type TaskFactory } from '../../src/digests/scheduler.ts';
import { createDatabase } from '../../src/store/database.ts';
import type { Database } from '../../src/store/schema.ts';
import { createTestBot, run } from '../helpers/bot.ts';
import { createTestStore, type TestStore } from '../helpers/store.ts';
import { seedDigestStore } from './seed.ts';

// Two schedulers over one store, each through its own connection (as two instances): a schedule made on
// one is armed on the other at its next re-read, and removing, pausing or resuming it follows.
let store: TestStore;
let otherDb: Kysely<Database>;
let a: Bot;
let b: Bot;
const clock = new Date('2026-11-20T10:00:00Z');

function manualTasks() {
  const live = new Map<string, { expression: string; timeZone: string }>();
  const factory: TaskFactory = (expression, timeZone, name) => {
    live.set(name, { expression, timeZone });
    return { stop: () => live.delete(name) };
  };
  return { factory, live };
}

beforeAll(async () => {
  store = await createTestStore();
  await seedDigestStore(store.db);
  otherDb = createDatabase(store.url);
  a = await createTestBot(store.db, store.dir, { env: { DATABASE_URL: store.url }, now: () => clock });
  b = await createTestBot(otherDb, store.dir, { env: { DATABASE_URL: store.url }, now: () => clock });
});
afterAll(async () => {
  await otherDb.destroy();
  await store.close();
});

describe('digest schedules across instances', () => {
  it('instance B arms, re-arms and stops what instance A changes, at its next re-read', async () => {
    const tasksA = manualTasks();
    const tasksB = manualTasks();
    const schedulers: DigestScheduler[] = [
      startDigestScheduler({ bot: a, createTask: tasksA.factory, reconcileMs: 0 }),
      startDigestScheduler({ bot: b, createTask: tasksB.factory, reconcileMs: 0 }),
    ];
    try {
      await Promise.all(schedulers.map((s) => s.ready));
      const [, schedulerB] = schedulers as [DigestScheduler, DigestScheduler];

      const created = await run(a, '/digest schedule cron="0 9 * * MON" tz=Europe/Berlin');
      expect(created.ok, JSON.stringify(created.data)).toBe(true);
      const name = `digest-${created.data.id as number}`;
      await schedulers[0]!.idle();
      expect(tasksA.live.has(name)).toBe(true); // A follows its own change at once
      expect(tasksB.live.has(name)).toBe(false); // B has not re-read yet
      await schedulerB.reconcile();
      expect(tasksB.live.get(name)).toEqual({ expression: '0 9 * * MON', timeZone: 'Europe/Berlin' });

      expect((await run(a, `/digest pause ${created.data.id as number}`)).ok).toBe(true);
      await schedulerB.reconcile();
      expect(tasksB.live.has(name)).toBe(false);
      expect((await run(a, `/digest resume ${created.data.id as number}`)).ok).toBe(true);
      await schedulerB.reconcile();
      expect(tasksB.live.has(name)).toBe(true);

      // changed elsewhere (cron or zone): re-armed with the new timing
      await store.db
        .updateTable('digest_schedules')
        .set({ cron: '30 8 * * TUE', time_zone: 'America/New_York' })
        .where('id', '=', created.data.id as number)
        .execute();
      await schedulerB.reconcile();
      expect(tasksB.live.get(name)).toEqual({ expression: '30 8 * * TUE', timeZone: 'America/New_York' });

      expect((await run(a, `/digest remove ${created.data.id as number}`)).ok).toBe(true);
      await schedulerB.reconcile();
      expect(tasksB.live.has(name)).toBe(false);
      await schedulers[0]!.idle();
      expect(tasksA.live.has(name)).toBe(false);
    } finally {
      await Promise.all(schedulers.map((s) => s.stop()));
    }
  });

  it('re-reads on its own every reconcileMs', async () => {
    const tasksB = manualTasks();
    const scheduler = startDigestScheduler({ bot: b, createTask: tasksB.factory, reconcileMs: 50 });
    try {
      await scheduler.ready;
      const created = await run(a, '/digest schedule cron="0 7 * * *" tz=UTC');
      expect(created.ok, JSON.stringify(created.data)).toBe(true);
      const name = `digest-${created.data.id as number}`;
      const deadline = Date.now() + 5_000;
      while (!tasksB.live.has(name) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(tasksB.live.has(name)).toBe(true);
    } finally {
      await scheduler.stop();
    }
  });
});
