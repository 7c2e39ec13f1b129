import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { homeViewAsText, renderHomeView } from '../../adapters/slack/home.ts';
import { renderReply } from '../../adapters/slack/render.ts';
import type { Bot } from '../../src/core/bot.ts';
import { UserError } from '../../src/core/errors.ts';
import type { Reply } from '../../src/core/reply.ts';
import type { HomeSummary } from '../../src/home/summary.ts';
import { homeRefusal } from '../../src/home/who-to-ask.ts';
import { expectOk, testClock } from '../campaigns/fixtures.ts';
import { createTestBot, run } from '../helpers/bot.ts';
import { createTestStore, type TestStore } from '../helpers/store.ts';
import { homeViewProblems } from '../slack/helpers/block-kit.ts';
import { ADMIN, seedHome, slackUser, type SeededHome } from './seed.ts';

// /home through the real core: what waits for each user and what they own, its buttons (typed
// commands that run), and its Slack Home tab rendering checked as Block Kit. The text dumps are
// printed and kept in test/home/__snapshots__/ for review.

let store: TestStore;
let bot: Bot;
let seeded: SeededHome;
const clock = testClock('2026-11-20T10:00:00.000Z');

beforeAll(async () => {
  store = await createTestStore();
  bot = await createTestBot(store.db, store.dir, { now: clock.now, env: { BOT_ADMINS: ADMIN } });
  seeded = await seedHome(bot);
});

afterAll(async () => {
  await store.close();
});

async function home(userId: string): Promise<Reply<HomeSummary>> {
  return expectOk(await run(bot, '/home', slackUser(userId))) as Reply<HomeSummary>;
}

function dump(name: string, reply: Reply): string {
  const view = renderHomeView(reply);
  expect(homeViewProblems(view)).toEqual([]);
  const text = homeViewAsText(view);
  console.log(`--- Slack Home tab: ${name} ---\n${text}`);
  return text;
}

describe('/home', () => {
  it('an approver sees the requests they may decide (never their own), oldest first, with buttons that approve', async () => {
    const reply = await home('UAPPROVE');
    expect(reply.view.ephemeral).toBe(true);
    const approvals = reply.data.approvals!;
    expect(approvals.shown.map((a) => a.campaign)).toEqual(['Summer sale', 'Winter winback']);
    expect(approvals.shown[0]).toMatchObject({ campaign_id: seeded.pending, requested_by: 'UMARKET', audience: 12, channel: 'log' });
    const approve = reply.view.buttons!.find((b) => b.label === `Approve #${seeded.pending}`)!;
    expect(approve.command).toBe(`/campaign approve ${seeded.pending} request=${approvals.shown[0]!.request_id}`);
    expect(reply.view.buttons!.map((b) => b.command)).toContain(`/campaign show ${seeded.othersPending}`);
    expect(reply.view.buttons!.map((b) => b.label)).not.toContain(`Approve #${seeded.approversOwn}`);
    // their own request is theirs to follow, not to decide: it is among their campaigns
    expect(reply.data.campaigns.shown.map((c) => [c.id, c.state])).toEqual([[seeded.approversOwn, 'pending_approval']]);
    await expect(dump('approver UAPPROVE', reply)).toMatchFileSnapshot('__snapshots__/home-approver.txt');

    // the button's command is the typed command: it runs, role-checked, and the request leaves the list
    expectOk(await run(bot, approve.command, slackUser('UAPPROVE')));
    const after = await home('UAPPROVE');
    expect(after.data.approvals!.shown.map((a) => a.campaign)).toEqual(['Winter winback']);
  });

  it('a marketer sees their campaigns with state and delivery counts, and who to ask for the approver role', async () => {
    const reply = await home('UMARKET');
    expect(reply.data.approvals).toBeNull();
    expect(reply.data.campaigns.shown.map((c) => [c.name, c.state])).toEqual([
      ['Autumn promo', 'live'],
      ['Summer sale', 'approved'],
      ['Spring draft', 'draft'],
    ]);
    const live = reply.data.campaigns.shown.find((c) => c.id === seeded.live)!;
    expect(live.delivery).toMatchObject({ status: 'sent', failed: 0, pending: 0 });
    expect(live.delivery!.sent).toBeGreaterThan(0);
    const text = dump('marketer UMARKET', reply);
    expect(text).toContain(`sent: ${live.delivery!.sent} sent · 0 waiting · 0 failed`);
    expect(text).toContain(`Approving campaigns needs the *approver* role: ask <@${ADMIN}>`);
    expect(reply.view.buttons!.map((b) => b.command)).toEqual(
      expect.arrayContaining([`/campaign show ${seeded.draft}`, `/campaign show ${seeded.live}`, '/campaign list', '/segment list']),
    );
  });

  it('the admin sees the digests they own with the next fire time in the digest’s zone', async () => {
    const reply = await home(ADMIN);
    expect(reply.data.digests.shown).toEqual([
      expect.objectContaining({ id: seeded.digest, cron: '0 9 * * MON', next_run: '2026-11-23T08:00:00.000Z', paused: false }),
    ]);
    expect(reply.view.buttons!.map((b) => b.command)).toContain(`/digest runs ${seeded.digest}`);
    const text = dump('admin', reply);
    expect(text).toContain('2026-11-23 09:00 CET (Europe/Berlin)');
    await expect(text).toMatchFileSnapshot('__snapshots__/home-admin.txt');
  });

  it('everyone sees the latest segment run with buttons to its segments', async () => {
    const reply = await home('UVIEWER');
    expect(reply.data.role).toBe('viewer');
    expect(reply.data.segment_run).toMatchObject({
      name: 'loyal-run',
      customers: 12,
      segments: [expect.objectContaining({ name: 'loyal' })],
    });
    const segmentId = reply.data.segment_run!.segments[0]!.id;
    expect(reply.view.buttons!.map((b) => b.command)).toContain(`/segment show ${segmentId}`);
    expect(reply.data.campaigns).toEqual({ total: 0, shown: [] });
    const text = dump('viewer without campaigns', reply);
    expect(text).toContain('none yet');
    expect(expectOk(await run(bot, `/segment show ${segmentId}`, slackUser('UVIEWER'))).view.title).toContain('loyal');
  });

  it('renders in a channel within Slack’s message limits too (the typed /home)', async () => {
    const rendered = renderReply(await home('UAPPROVE'));
    expect(rendered.ephemeral).toBe(true);
    expect(rendered.files).toEqual([]);
    expect(rendered.messages).toHaveLength(1);
  });
});

describe('the Home tab renderer', () => {
  it('keeps a huge reply within 100 blocks, unique block ids and 3000 characters a text', () => {
    const long = 'x'.repeat(7000);
    const reply: Reply = {
      ok: true,
      data: {},
      view: {
        title: 'T'.repeat(400),
        text: long,
        fields: Array.from({ length: 25 }, (_, i) => ({ label: `f${i}`, value: long })),
        tables: Array.from({ length: 30 }, (_, i) => ({
          title: `table ${i}`,
          columns: ['a', 'b'],
          rows: Array.from({ length: 200 }, (_, r) => [r, 'y'.repeat(80)]),
        })),
        buttons: Array.from({ length: 120 }, (_, i) => ({ label: `button ${i} ${'z'.repeat(100)}`, command: `/campaign show ${i}` })),
        notes: Array.from({ length: 30 }, () => long),
      },
    };
    const view = renderHomeView(reply);
    expect(homeViewProblems(view)).toEqual([]);
    expect(view.blocks).toHaveLength(100);
    expect(homeViewAsText(view)).toContain('Cut short to fit the Home tab');
  });

  it('shows a user the bot refuses what role they need and who to ask', () => {
    const error = new UserError('forbidden', '/home needs the *viewer* role; you have *none*.', {
      hint: 'Ask an admin to grant it: /admin grant <user> <role>.',
    });
    const refused = homeRefusal(error, bot.errorReply(error, 'home'), [ADMIN, 'UADMIN2']);
    const text = homeViewAsText(renderHomeView(refused));
    expect(text).toContain('needs the *viewer* role');
    expect(text).toContain(`Who to ask: ask <@${ADMIN}> or <@UADMIN2>`);
    const nobody = homeViewAsText(renderHomeView(homeRefusal(error, bot.errorReply(error, 'home'), [])));
    expect(nobody).toContain('nobody is an admin yet');
  });
});
