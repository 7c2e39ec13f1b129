import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killAllBots, spawnBot } from '../helpers/spawn-bot.ts';
import { createTestStore, type TestStore } from '../helpers/store.ts';

let store: TestStore;
let env: Record<string, string>;

beforeAll(async () => {
  store = await createTestStore();
  env = { OUT_DIR: path.join(store.dir, 'out'), LOG_LEVEL: 'info' };
});

afterAll(async () => {
  await killAllBots();
  await store.close();
});

describe('the console keeps the bot’s clocks running', () => {
  // The acting user is fixed per console process (--user), and a campaign needs a second person to
  // approve it: so two people, each with a console on the same store, as two colleagues would. Both
  // are fed commands over a pipe as they go, so the start time can be set once both are up.
  it('--wait: a campaign approved for a start seconds ahead launches itself at that time, then SIGTERM exits cleanly', async () => {
    const csv = path.join(store.dir, 'customers.csv');
    writeFileSync(
      csv,
      'customer_id,email,name,signup_date,country,acquisition_channel,consent\n' +
        'C1,a@example.com,Ann,2026-01-05,US,organic,true\nC2,b@example.com,Bo,2026-02-05,DE,referral,true\n',
    );
    const bob = spawnBot({ databaseUrl: store.url, args: ['--user', 'bob', '--wait'], env, stdin: 'pipe' });
    bob.write('/campaign list\n');
    try {
      const alice = spawnBot({ databaseUrl: store.url, args: ['--user', 'alice'], env, stdin: 'pipe' });
      alice.write(`/import customers ${csv}\n`);
      await alice.waitForOutput(/2 customers inserted/, 90_000);
      await bob.waitForOutput(/campaign/i, 90_000);
      const start = new Date(Date.now() + 6_000).toISOString();
      alice.endInput(`/campaign create name=Autolaunch segment=all start=${start}\n/campaign submit Autolaunch\n`);
      expect(await alice.waitForExit(90_000), alice.describe()).toMatchObject({ code: 0 });
      expect(alice.stdout).toMatch(/Approval requested: campaign #1/);

      bob.endInput('/campaign approve Autolaunch\n');
      await bob.waitForLog(/--wait keeps the bot running/, 30_000);
      expect(bob.stdout).toMatch(/Launches automatically at/);
      const launched = await bob.waitForLog((r) => r.campaign_id === 1 && /launched at its start time/.test(String(r.msg)), 60_000);
      expect(launched).toMatchObject({ level: 'info', state: 'live', recipients: 2 });
      const row = await store.db.selectFrom('campaigns').selectAll().where('id', '=', 1).executeTakeFirstOrThrow();
      expect(row).toMatchObject({ state: 'live', decided_by: 'bob', created_by: 'alice', launched_by: 'growthbot' });
      // approved before its start, launched by the clock once the start had come
      expect(row.decided_at! < row.start_at!).toBe(true);
      expect(row.launched_at! >= row.start_at!).toBe(true);
    } finally {
      bob.signal('SIGTERM');
    }
    expect(await bob.waitForExit(), bob.describe()).toMatchObject({ code: 0 });
    expect(bob.logs().filter((r) => r.level === 'error' || r.level === 'fatal')).toEqual([]);
  }, 240_000);

  it('without --wait the console ends after the last command', async () => {
    const run = spawnBot({ databaseUrl: store.url, args: ['--json'], env, stdin: 'pipe' });
    run.endInput('/campaign list\n');
    expect(await run.waitForExit(60_000), run.describe()).toMatchObject({ code: 0 });
    expect(JSON.parse(run.stdout.trim())).toMatchObject({ command: '/campaign list', ok: true });
  }, 60_000);
});
