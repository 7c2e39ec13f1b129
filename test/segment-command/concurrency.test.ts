import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bot } from '../../src/core/bot.ts';
import { tryAcquire } from '../../src/store/locks.ts';
import { createTestBot, run } from '../helpers/bot.ts';
import { createTestStore, type TestStore } from '../helpers/store.ts';
import { personaCustomers, seedCustomers } from './seed.ts';

// One segmentation at a time across every instance (the `segment-run` lease).
let store: TestStore;
let bot: Bot;

beforeAll(async () => {
  store = await createTestStore();
  bot = await createTestBot(store.db, store.dir, { env: { DATABASE_URL: store.url } });
  await seedCustomers(store.db, personaCustomers(200, 10));
});
afterAll(async () => store.close());

describe('/segment run while another runs', () => {
  it('two runs at once: one completes, the other is refused with segment_run_running', async () => {
    const replies = await Promise.all([
      run(bot, '/segment run k=3 seed=1 as_of=2026-06-30 name=first'),
      run(bot, '/segment run k=3 seed=2 as_of=2026-06-30 name=second'),
    ]);
    const done = replies.filter((r) => r.ok);
    const refused = replies.filter((r) => !r.ok);
    expect(done).toHaveLength(1);
    expect(refused).toHaveLength(1);
    expect(refused[0]!.data.error.code).toBe('segment_run_running');
    expect(refused[0]!.data.error.message).toMatch(
      /^A segmentation run is already running \(started by <@tester> at \d{4}-\d\d-\d\d \d\d:\d\d UTC\); try again when it finishes\.$/,
    );
    const runs = await store.db.selectFrom('segment_runs').select('name').execute();
    expect(runs).toHaveLength(1);
    // released afterwards: the next run goes ahead
    expect((await run(bot, '/segment run k=3 seed=2 as_of=2026-06-30 name=second')).ok).toBe(true);
  }, 60_000);

  it('a run held by another instance refuses here until it is released', async () => {
    expect(await tryAcquire(store.db, 'segment-run', 'instance:other', 60_000)).toBe(true);
    const refused = await run(bot, '/segment run k=3 as_of=2026-06-30');
    expect(refused.ok).toBe(false);
    expect(refused.data.error.code).toBe('segment_run_running');
    await store.db.deleteFrom('leases').where('key', '=', 'segment-run').execute();
    expect((await run(bot, '/segment run k=3 as_of=2026-06-30')).ok).toBe(true);
  }, 60_000);
});
