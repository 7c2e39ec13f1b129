import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCampaignScheduler } from '../../src/campaigns/scheduler.ts';
import { campaignDeps } from '../../src/campaigns/services.ts';
import type { Bot } from '../../src/core/bot.ts';
import { createTestBot, run } from '../helpers/bot.ts';
import { createTestStore, type TestStore } from '../helpers/store.ts';
import { approver, captureNotifications, expectOk, grantRoles, ids, marketer, seedCustomers, seedSegment } from './fixtures.ts';

// The campaign clock on the real clock: its minute interval never comes round during these tests,
// so what launches does so through the round at start, the approval's re-plan or the wake at start_at.
const MINUTE = 60_000;

let store: TestStore;
let bot: Bot;

beforeAll(async () => {
  store = await createTestStore();
  bot = await createTestBot(store.db, store.dir);
  captureNotifications(bot);
  await grantRoles(store.db);
  const members = ids('c', 20);
  await seedCustomers(
    store.db,
    members.map((id) => ({ id })),
  );
  await seedSegment(store.db, 'everyone', members);
});

afterAll(async () => {
  await store.close();
});

async function approvedCampaign(name: string, start: Date): Promise<number> {
  const created = await run(bot, `/campaign create name=${name} segment=everyone start=${start.toISOString()}`, marketer);
  const id = expectOk(created).data.campaign.id as number;
  expectOk(await run(bot, `/campaign submit ${id}`, marketer));
  expectOk(await run(bot, `/campaign approve ${id}`, approver));
  return id;
}

async function stateWithin(id: number, state: string, ms: number): Promise<string> {
  const until = Date.now() + ms;
  for (;;) {
    const row = await store.db.selectFrom('campaigns').select('state').where('id', '=', id).executeTakeFirstOrThrow();
    if (row.state === state || Date.now() > until) return row.state;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('the campaign clock', () => {
  it('launches a campaign approved while it runs at its start time, not at the next minute', async () => {
    const stop = startCampaignScheduler(campaignDeps(bot), MINUTE);
    try {
      const start = new Date(Date.now() + 2_000);
      const id = await approvedCampaign('soon', start);
      expect(await stateWithin(id, 'approved', 0)).toBe('approved');
      expect(await stateWithin(id, 'live', 30_000)).toBe('live');
      const launched = await store.db.selectFrom('campaigns').select('launched_at').where('id', '=', id).executeTakeFirstOrThrow();
      expect(launched.launched_at! >= start.toISOString()).toBe(true);
    } finally {
      await stop();
    }
  }, 40_000);

  it('launches at start a campaign whose start passed while no clock ran', async () => {
    const id = await approvedCampaign('overdue', new Date(Date.now() + 300));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await stateWithin(id, 'approved', 0)).toBe('approved');
    const stop = startCampaignScheduler(campaignDeps(bot), MINUTE);
    try {
      expect(await stateWithin(id, 'live', 30_000)).toBe('live');
    } finally {
      await stop();
    }
  }, 40_000);

  it('stop() waits for the round under way, and no round starts after it', async () => {
    const stop = startCampaignScheduler(campaignDeps(bot), MINUTE);
    await stop();
    const id = await approvedCampaign('after-stop', new Date(Date.now() + 200));
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await stateWithin(id, 'approved', 0)).toBe('approved');
  });
});
