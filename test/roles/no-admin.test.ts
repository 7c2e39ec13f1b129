import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.ts';
import { noAdminWarning, platformsWithoutAdmin } from '../../src/core/admin-check.ts';
import { FakeSlack } from '../fakes/slack.ts';
import { killAllBots, spawnBot } from '../helpers/spawn-bot.ts';
import { createTestStore, type TestStore } from '../helpers/store.ts';
import { BOT_TOKEN } from '../slack/helpers/slack-harness.ts';

let store: TestStore;

beforeAll(async () => {
  store = await createTestStore();
});

afterAll(async () => {
  await store.close();
});

const config = (env: Record<string, string> = {}) => loadConfig({ DATABASE_URL: 'sqlite::memory:', ...env });

async function grant(platform: string, userId: string, role: string): Promise<void> {
  await store.db
    .insertInto('role_grants')
    .values({ platform, user_id: userId, role, granted_by: 'test', granted_at: '2026-11-01T00:00:00.000Z' })
    .execute();
}

describe('the start-up check for an admin', () => {
  it('finds no admin on a chat platform without BOT_ADMINS, an admin grant there, an admin ROLE_MAP group or DEFAULT_ROLE=admin', async () => {
    // an admin of the console or a marketer on Slack does not make an admin on Slack
    await grant('console', 'local', 'admin');
    await grant('slack', 'UMARKET', 'marketer');
    expect(await platformsWithoutAdmin(store.db, config(), ['slack', 'discord'])).toEqual(['slack', 'discord']);
    expect(await platformsWithoutAdmin(store.db, config({ BOT_ADMINS: 'U012ABCDEF' }), ['slack', 'discord'])).toEqual([]);
    expect(await platformsWithoutAdmin(store.db, config({ DEFAULT_ROLE: 'admin' }), ['slack'])).toEqual([]);
    expect(
      await platformsWithoutAdmin(store.db, config({ ROLE_MAP: 'discord:1122=admin,slack:S1=marketer' }), ['slack', 'discord']),
    ).toEqual(['slack']);
    await grant('slack', 'UBOSS', 'admin');
    expect(await platformsWithoutAdmin(store.db, config(), ['slack', 'discord'])).toEqual(['discord']);
    expect(await platformsWithoutAdmin(store.db, config(), [])).toEqual([]);
  });

  it('the warning names BOT_ADMINS, what nobody can do, and where to find one’s user id', () => {
    const text = noAdminWarning(['slack'], config());
    expect(text).toMatch(/^Nobody is an admin on Slack: BOT_ADMINS is empty/);
    expect(text).toMatch(/nobody can import data or grant roles \(\/admin grant\) until BOT_ADMINS is set/);
    expect(text).toMatch(/Copy member ID/);
    const both = noAdminWarning(['slack', 'discord'], config({ DEFAULT_ROLE: 'analyst' }));
    expect(both).toMatch(/^Nobody is an admin on Slack and Discord/);
    expect(both).toMatch(/nobody can grant roles/);
    expect(both).toMatch(/Copy User ID/);
  });
});

describe('a Slack start with no admin, as deployed', () => {
  let fake: FakeSlack;
  let fresh: TestStore;

  beforeAll(async () => {
    fake = new FakeSlack({ botToken: BOT_TOKEN });
    await fake.start();
    fresh = await createTestStore();
  });

  afterAll(async () => {
    await killAllBots();
    await fake.stop();
    await fresh.close();
  });

  it('logs a warning naming BOT_ADMINS, and runs', async () => {
    const bot = spawnBot({
      databaseUrl: fresh.url,
      env: {
        OUT_DIR: path.join(fresh.dir, 'out'),
        LOG_LEVEL: 'info',
        SLACK_BOT_TOKEN: BOT_TOKEN,
        SLACK_SIGNING_SECRET: 'test-signing-secret',
        SLACK_API_URL: fake.apiUrl,
        PORT: '0',
      },
    });
    try {
      await bot.ready(90_000);
      const warnings = bot.logs().filter((r) => r.level === 'warn' && /BOT_ADMINS/.test(String(r.msg)));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatchObject({ platforms: ['slack'] });
      expect(warnings[0]!.msg).toMatch(/nobody can import data or grant roles \(\/admin grant\) until BOT_ADMINS is set/);
    } finally {
      bot.signal('SIGTERM');
    }
    expect(await bot.waitForExit(), bot.describe()).toMatchObject({ code: 0 });
  }, 120_000);
});
