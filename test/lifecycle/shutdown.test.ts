import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestStore, type TestStore } from '../helpers/store.ts';
import { runBotToEnd, startBot } from './run-bot.ts';
import { SlowFeed } from './slow-feed.ts';

// The real program in console mode (stdin/stdout), stopped with real signals while an import runs.
let store: TestStore;
let feed: SlowFeed;

beforeAll(async () => {
  store = await createTestStore();
});

afterAll(async () => {
  await store.close();
});

// the slow feed is on 127.0.0.1 over http: allowed by name, as an admin would allow an internal source
const env = (extra: Record<string, string> = {}) => ({
  DATABASE_URL: store.url,
  BOT_ADMINS: 'local',
  IMPORT_ALLOW_HTTP: 'true',
  IMPORT_URL_ALLOW: new URL(feed.url).host,
  ...extra,
});

async function jobStatuses(): Promise<string[]> {
  const rows = await store.db.selectFrom('job_runs').select(['command', 'status']).orderBy('id').execute();
  return rows.map((row) => `${row.command}: ${row.status}`);
}

describe('shutdown on SIGTERM and SIGINT', { timeout: 240_000 }, () => {
  beforeEach(async () => {
    feed = new SlowFeed();
    await feed.start();
  });
  afterEach(async () => {
    await feed.stop();
  });

  it('SIGTERM: the user is told, work still running after SHUTDOWN_GRACE_S is cut off, the next start reports it', async () => {
    const bot = startBot(env({ SHUTDOWN_GRACE_S: '1' }));
    bot.send(`/import orders ${feed.url}`);
    await feed.requested();
    bot.child.kill('SIGTERM');
    const { code, signal } = await bot.exited;
    expect({ code, signal }, bot.stderr()).toEqual({ code: 0, signal: null });
    expect(bot.stdout()).toContain('[to console, message ');
    expect(bot.stdout()).toMatch(
      /The bot is restarting\. Your \/import orders may run 1 s more; if it has not finished by then, it is stopped/,
    );
    expect(bot.stderr()).toMatch(/the shutdown grace period is over/);
    expect(await jobStatuses()).toEqual(['import orders: running']);
    const leases = await store.db.selectFrom('leases').select('key').where('key', '=', 'import:orders').execute();
    expect(leases).toEqual([]);

    const next = await runBotToEnd(env(), { input: '/help\n' });
    expect(next.code).toBe(0);
    expect(next.stdout).toMatch(
      /Your \/import orders \(started \d{4}-\d\d-\d\d \d\d:\d\d UTC\) was interrupted by a restart, run it again\./,
    );
    expect(await jobStatuses()).toEqual(['import orders: interrupted']);
  });

  it('SIGINT: work that ends within the grace period finishes and answers; nothing more is read; nothing is reported later', async () => {
    const bot = startBot(env({ SHUTDOWN_GRACE_S: '120' }));
    bot.send(`/import orders ${feed.url}`);
    await feed.requested();
    bot.child.kill('SIGINT');
    await bot.waitForOutput(/The bot is restarting\. Your \/import orders may run 120 s more/);
    bot.send('/help');
    feed.finish();
    const { code } = await bot.exited;
    expect(code).toBe(0);
    expect(bot.stdout()).toMatch(/6 rows read: 6 orders inserted/);
    expect(bot.stdout()).not.toContain('Growthbot commands');
    expect((await jobStatuses()).at(-1)).toBe('import orders: done');

    const next = await runBotToEnd(env(), { input: '/help\n' });
    expect(next.code).toBe(0);
    expect(next.stdout).toContain('Growthbot commands');
    expect(next.stdout).not.toMatch(/interrupted by a restart/);
  });
});
