import { mentionsAsText } from '../../src/core/mention.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { campaignTick } from '../../src/campaigns/scheduler.ts';
import { campaignDeps } from '../../src/campaigns/services.ts';
import type { Bot } from '../../src/core/bot.ts';
import { createTestBot, run } from '../helpers/bot.ts';
import { createTestStore, type TestStore } from '../helpers/store.ts';
import {
  approver,
  captureNotifications,
  expectOk,
  grantRoles,
  ids,
  marketer,
  marketer2,
  seedCustomers,
  seedSegment,
  testClock,
  viewer,
} from './fixtures.ts';

let store: TestStore;
let bot: Bot;
let posts: ReturnType<typeof captureNotifications>;
const clock = testClock('2026-11-20T10:00:00.000Z');

// 50 members: 40 contactable, 4 without consent, 3 unsubscribed, 3 without email (matters for email only)
const members = ids('m', 50);

beforeAll(async () => {
  store = await createTestStore();
  bot = await createTestBot(store.db, store.dir, { now: clock.now });
  posts = captureNotifications(bot);
  await grantRoles(store.db);
  await seedCustomers(store.db, [
    ...members.map((id, i) => ({ id, consent: i < 4 ? 0 : 1, email: i >= 47 ? null : undefined })),
    { id: 'outsider' },
  ]);
  await store.db
    .insertInto('events')
    .values(
      ['m005', 'm006', 'm007'].map((customer_id) => ({
        customer_id,
        campaign_id: '',
        type: 'unsubscribed',
        occurred_at: '2026-10-01T00:00:00.000Z',
        updated_at: '2026-10-01T00:00:00.000Z',
      })),
    )
    .execute();
  await seedSegment(store.db, 'loyal', members);
});

afterAll(async () => {
  await store.close();
});

const transitions = (id: number) =>
  store.db.selectFrom('campaign_transitions').selectAll().where('campaign_id', '=', id).orderBy('id').execute();

describe('/campaign lifecycle', () => {
  let id: number;

  it('creates a draft (marketer), refuses a viewer', async () => {
    const denied = await run(bot, '/campaign create name=Winter segment=loyal', viewer);
    expect(denied.ok).toBe(false);
    expect(denied.data.error.code).toBe('forbidden');

    const created = expectOk(
      await run(
        bot,
        '/campaign create name="Winter winback" segment=loyal channel=log message="20% off" cost_per_send=0.5 budget=100 holdout=25% window=7d',
        marketer,
      ),
    );
    id = created.data.campaign.id;
    expect(created.data.campaign).toMatchObject({
      state: 'draft',
      holdout_pct: 25,
      window_days: 7,
      cost_per_send_cents: 50,
      budget_cents: 10000,
      created_by: 'UMARKET',
      channel: 'log',
    });
    const duplicate = await run(bot, '/campaign create name="Winter winback" segment=loyal', marketer);
    expect(duplicate.data.error.code).toBe('duplicate_campaign');
    const unknown = await run(bot, '/campaign create name=Other segment=nosuch', marketer);
    expect(unknown.data.error.code).toBe('segment_not_found');
  });

  it('edits drafts only', async () => {
    expectOk(await run(bot, `/campaign edit ${id} window=2w`, marketer));
    const shown = expectOk(await run(bot, `/campaign show ${id}`, viewer));
    expect(shown.data.campaign.window_days).toBe(14);
    expectOk(await run(bot, `/campaign edit ${id} window=7d`, marketer));
  });

  it('submit posts the request with audience after consent and unsubscribes, holdout, cost, forecast and buttons', async () => {
    const submitted = expectOk(await run(bot, `/campaign submit ${id}`, marketer));
    expect(submitted.data.campaign.state).toBe('pending_approval');
    const preview = submitted.data.preview;
    expect(preview.segment_members).toBe(50);
    expect(preview.excluded).toEqual({ no_consent: 4, unsubscribed: 3, no_email: 0, no_phone: 0, unknown: 0 });
    expect(preview.audience).toBe(43);
    expect(preview.holdout).toBe(11); // round(43 * 25%)
    expect(preview.recipients).toBe(32);
    // the default log channel is a dry run: it costs nothing, whatever cost_per_send says
    expect(preview.estimated_cost_cents).toBe(0);
    expect(preview.incremental).toMatchObject({ from_campaigns: [], expected_cents: null });
    expect(preview.forecast.method).toBe('historical'); // no orders: the CLV model cannot be fitted
    expect(submitted.data.posting).toMatchObject({ status: 'posted', channel_id: 'CMARKETING' });
    const post = posts.at(-1)!;
    expect(post.channelId).toBe('CMARKETING');
    const requestId = submitted.data.request.id;
    expect(post.reply.view.buttons?.map((b) => b.command)).toEqual([
      `/campaign approve ${id} request=${requestId}`,
      `/campaign reject ${id} request=${requestId}`,
    ]);
    const text = JSON.stringify(post.reply.view);
    expect(text).toContain("CLV model can't be fitted yet");
    expect(text).toContain('43 of 50');
    expect(text).toContain('11 (25%)');
    expect(text).toContain('Baseline forecast (without the campaign)');
    expect(text).toContain('unknown: no earlier campaign on');
    expect(text).toContain('a log dry run costs nothing');
  });

  it('only approvers approve, never the creator; a second approve is refused with the state and the moves', async () => {
    const byMarketer = await run(bot, `/campaign approve ${id}`, marketer2);
    expect(byMarketer.data.error.code).toBe('forbidden');
    const approved = expectOk(await run(bot, `/campaign approve ${id}`, approver));
    expect(approved.data.campaign).toMatchObject({ state: 'approved', decided_by: 'UAPPROVE' });
    const resolved = posts.at(-1)!;
    expect(mentionsAsText(resolved.reply.view.text!)).toContain('Approved by <@UAPPROVE>');
    expect(resolved.reply.view.buttons).toBeUndefined();
    const again = await run(bot, `/campaign approve ${id}`, approver);
    expect(again.data.error.code).toBe('already_decided');
    expect(again.data.error.message).toContain('already approved by <@UAPPROVE> at 2026-11-20 10:00 UTC');
    expect(again.data.error.hint).toContain('is *approved*');
    expect(again.data.error.hint).toContain('launching (launch), draft (reopen), cancelled (cancel)');
    const edit = await run(bot, `/campaign edit ${id} holdout=5%`, marketer);
    expect(edit.data.error.code).toBe('not_draft');
  });

  it('launch freezes the audience, holds out the drawn members and goes live; a second launch is refused', async () => {
    const launched = expectOk(await run(bot, `/campaign launch ${id}`, marketer2));
    expect(launched.data.launch).toMatchObject({ audience: 43, holdout: 11, recipients: 32, state: 'live' });
    expect(launched.data.launch.outbox).toEqual({ total: 32, pending: 0, sent: 32, failed: 0, skipped: 0, cancelled: 0, quiet_hours: 0 });
    expect(launched.data.launch.delivery).toBe('sent');
    const audience = await store.db.selectFrom('campaign_audience').selectAll().where('campaign_id', '=', id).execute();
    const excluded = ['m001', 'm002', 'm003', 'm004', 'm005', 'm006', 'm007'];
    expect(audience.some((a) => excluded.includes(a.customer_id))).toBe(false);
    const outbox = await store.db.selectFrom('campaign_outbox').select('customer_id').where('campaign_id', '=', id).execute();
    const holdout = new Set(audience.filter((a) => a.group_name === 'holdout').map((a) => a.customer_id));
    expect(outbox.some((o) => holdout.has(o.customer_id))).toBe(false);
    const again = await run(bot, `/campaign launch ${id}`, marketer2);
    expect(again.data.error.code).toBe('invalid_transition');
    expect(again.data.error.message).toContain('is *live*');
    const cancel = await run(bot, `/campaign cancel ${id}`, marketer);
    expect(cancel.data.error.hint).toContain('completed');
  });

  it('records every transition with who, from, to, when and why, and audits it', async () => {
    const rows = await transitions(id);
    expect(rows.map((t) => `${t.from_state}>${t.to_state}:${t.actor}`)).toEqual([
      'draft>pending_approval:UMARKET',
      'pending_approval>approved:UAPPROVE',
      'approved>launching:UMARKET2',
      'launching>live:growthbot',
    ]);
    expect(rows[2]!.reason).toContain('43 eligible of 50');
    const audits = await store.db.selectFrom('audit_log').selectAll().where('command', '=', 'campaign transition').execute();
    expect(audits.filter((a) => JSON.parse(a.options).campaign_id === id)).toHaveLength(4);
  });

  it('completes when the attribution window is over (scheduler tick)', async () => {
    // launched 2026-11-20 with a 7-day window: [2026-11-20, 2026-11-27)
    clock.set('2026-11-26T23:59:00.000Z');
    expect((await campaignTick(campaignDeps(bot))).completed).toEqual([]);
    clock.set('2026-11-27T00:00:01.000Z');
    const tick = await campaignTick(campaignDeps(bot));
    expect(tick.completed).toEqual([id]);
    const shown = expectOk(await run(bot, `/campaign show ${id}`, viewer));
    expect(shown.data.campaign.state).toBe('completed');
    expect(shown.data.allowed_moves).toEqual([]);
  });
});

describe('four-eyes, rejection, reopen, cancel', () => {
  it('an approver cannot approve or reject a campaign they created', async () => {
    clock.set('2026-11-21T10:00:00.000Z');
    const created = expectOk(await run(bot, '/campaign create name=Self segment=loyal', approver));
    const id = created.data.campaign.id;
    expectOk(await run(bot, `/campaign submit ${id}`, approver));
    const own = await run(bot, `/campaign approve ${id}`, approver);
    expect(own.data.error.code).toBe('four_eyes');
    expect(own.data.error.message).toContain('You created campaign');
    const ownReject = await run(bot, `/campaign reject ${id} reason=no`, approver);
    expect(ownReject.data.error.code).toBe('four_eyes');
  });

  it('reject with a reason, resubmit, reopen, edit, cancel; cancelled is final', async () => {
    const created = expectOk(await run(bot, '/campaign create name=Spring segment=loyal', marketer));
    const id = created.data.campaign.id;
    expectOk(await run(bot, `/campaign submit ${id}`, marketer));
    const rejected = expectOk(await run(bot, `/campaign reject ${id} reason="holdout too small"`, approver));
    expect(rejected.data.campaign).toMatchObject({ state: 'rejected', decision_reason: 'holdout too small' });
    expect(mentionsAsText(posts.at(-1)!.reply.view.text!)).toContain('Rejected by <@UAPPROVE>');
    expect(posts.at(-1)!.reply.view.text).toContain('holdout too small');
    expectOk(await run(bot, `/campaign submit ${id}`, marketer));
    expectOk(await run(bot, `/campaign reopen ${id}`, marketer));
    expectOk(await run(bot, `/campaign edit ${id} holdout=30%`, marketer));
    const cancelled = expectOk(await run(bot, `/campaign cancel ${id} reason="not this season"`, marketer));
    expect(cancelled.data.campaign.state).toBe('cancelled');
    const again = await run(bot, `/campaign submit ${id}`, marketer);
    expect(again.data.error.code).toBe('invalid_transition');
    expect(again.data.error.hint).toContain('final');
    const rows = await transitions(id);
    expect(rows.map((t) => t.to_state)).toEqual(['pending_approval', 'rejected', 'pending_approval', 'draft', 'cancelled']);
    expect(rows.at(-1)!.reason).toBe('not this season');
  });
});

describe('approval expiry', () => {
  it('a request older than APPROVAL_EXPIRY_HOURS cannot be approved; it is a draft again and must be resubmitted', async () => {
    clock.set('2026-11-22T10:00:00.000Z');
    const id = expectOk(await run(bot, '/campaign create name=Expiring segment=loyal', marketer)).data.campaign.id;
    const submitted = expectOk(await run(bot, `/campaign submit ${id}`, marketer));
    expect(submitted.data.campaign.approval_expires_at).toBe('2026-11-25T10:00:00.000Z');
    clock.advanceHours(72);
    const late = await run(bot, `/campaign approve ${id}`, approver);
    expect(late.data.error.code).toBe('approval_expired');
    expect(late.data.error.hint).toContain(`/campaign submit ${id}`);
    expect(posts.at(-1)!.reply.view.text).toContain('expired');
    const shown = expectOk(await run(bot, `/campaign show ${id}`, viewer));
    expect(shown.data.campaign.state).toBe('draft');
    expect(shown.data.transitions.at(-1)).toMatchObject({ from_state: 'pending_approval', to_state: 'draft', actor: 'growthbot' });
    expectOk(await run(bot, `/campaign submit ${id}`, marketer));
    clock.advanceHours(71);
    expectOk(await run(bot, `/campaign approve ${id}`, approver));
  });

  it('the scheduler tick expires requests too, with a configurable expiry', async () => {
    const short = await createTestBot(store.db, store.dir, { now: clock.now, env: { APPROVAL_EXPIRY_HOURS: '2' } });
    captureNotifications(short);
    const id = expectOk(await run(short, '/campaign create name=Short segment=loyal', marketer)).data.campaign.id;
    expectOk(await run(short, `/campaign submit ${id}`, marketer));
    clock.advanceHours(1);
    expect((await campaignTick(campaignDeps(short))).expired).not.toContain(id);
    clock.advanceHours(1);
    expect((await campaignTick(campaignDeps(short))).expired).toContain(id);
  });
});

describe('scheduled start', () => {
  it('an approved campaign launches itself at start', async () => {
    clock.set('2026-11-23T10:00:00.000Z');
    const id = expectOk(await run(bot, '/campaign create name=Scheduled segment=loyal start=2026-11-24T09:00', marketer)).data.campaign.id;
    expectOk(await run(bot, `/campaign submit ${id}`, marketer));
    expectOk(await run(bot, `/campaign approve ${id}`, approver));
    expect((await campaignTick(campaignDeps(bot))).launched).toEqual([]);
    clock.set('2026-11-24T09:00:30.000Z');
    const tick = await campaignTick(campaignDeps(bot));
    expect(tick.launched.map((l) => l.campaign_id)).toEqual([id]);
    const rows = await transitions(id);
    expect(rows.at(-2)).toMatchObject({ from_state: 'approved', to_state: 'launching', actor: 'growthbot', platform: 'scheduler' });
  });
});
