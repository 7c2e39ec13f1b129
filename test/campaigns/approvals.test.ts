import { mentionsAsText } from '../../src/core/mention.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bot } from '../../src/core/bot.ts';
import type { Caller } from '../../src/core/context.ts';
import { createTestBot, run } from '../helpers/bot.ts';
import { createTestStore, type TestStore } from '../helpers/store.ts';
import {
  approver,
  captureCards,
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

// Approvals bind to content (#18): four-eyes over creator, submitter and editors; stale buttons; double clicks.

let store: TestStore;
let bot: Bot;
let cards: ReturnType<typeof captureCards>;
const clock = testClock('2026-11-20T10:00:00.000Z');
const approver2: Caller = { platform: 'slack', userId: 'UAPPROVE2', channelId: 'CAPPROVALS' };
const members = ids('m', 30);

beforeAll(async () => {
  store = await createTestStore();
  bot = await createTestBot(store.db, store.dir, { now: clock.now });
  cards = captureCards(bot);
  await grantRoles(store.db);
  await store.db
    .insertInto('role_grants')
    .values({ platform: 'slack', user_id: 'UAPPROVE2', role: 'approver', granted_by: 'seed', granted_at: '2026-11-01T00:00:00.000Z' })
    .execute();
  await seedCustomers(
    store.db,
    members.map((id) => ({ id })),
  );
  await seedSegment(store.db, 'loyal', members);
});

afterAll(async () => {
  await store.close();
});

async function create(name: string, caller: Caller = marketer): Promise<number> {
  const created = expectOk(await run(bot, `/campaign create name="${name}" segment=loyal channel=log message="20% off"`, caller));
  return created.data.campaign.id as number;
}

const requestsOf = (id: number) =>
  store.db.selectFrom('campaign_approval_requests').selectAll().where('campaign_id', '=', id).orderBy('id').execute();

describe('four-eyes: creator, submitter and anyone who changed it since its last approval', () => {
  it('an approver who edits someone else’s draft cannot approve it; another approver can, and the change log shows who changed what', async () => {
    const id = await create('Phish');
    const edited = expectOk(await run(bot, `/campaign edit ${id} message="click here to claim"`, approver));
    expect(edited.data.changed).toEqual(['message']);
    expectOk(await run(bot, `/campaign submit ${id}`, marketer));

    const own = await run(bot, `/campaign approve ${id}`, approver);
    expect(own.data.error.code).toBe('four_eyes');
    expect(own.data.error.message).toContain(`You changed campaign #${id} since its last approval`);
    const card = cards.posts.at(-1)!;
    expect(mentionsAsText(card.reply.view.text ?? '')).toContain('<@UAPPROVE> (changed)');
    expect(mentionsAsText(card.reply.view.text ?? '')).toContain('<@UMARKET> (created)');

    const approved = expectOk(await run(bot, `/campaign approve ${id}`, approver2));
    expect(approved.data.campaign).toMatchObject({ state: 'approved', decided_by: 'UAPPROVE2' });
    expect(approved.data.request).toMatchObject({ status: 'approved', content: { message: 'click here to claim', audience: 30 } });
    expect(JSON.stringify(approved.view)).toContain('click here to claim');

    const shown = expectOk(await run(bot, `/campaign show ${id}`, viewer));
    expect(shown.data.changes.map((c: { user_id: string }) => c.user_id)).toEqual(['UMARKET', 'UAPPROVE']);
    expect(shown.data.changes[1].changes).toEqual({ message: { from: '20% off', to: 'click here to claim' } });
    const changesTable = shown.view.tables!.find((t) => t.title === 'Changes')!;
    expect(changesTable.rows[1]!.map((cell) => mentionsAsText(String(cell)))).toEqual([
      '2026-11-20 10:00',
      '<@UAPPROVE>',
      'message: 20% off → click here to claim',
    ]);
  });

  it('changes already approved do not bar their author from approving later changes by others', async () => {
    const id = (await requestsOf(1))[0]!.campaign_id;
    expectOk(await run(bot, `/campaign reopen ${id}`, marketer));
    expectOk(await run(bot, `/campaign edit ${id} holdout=20%`, marketer));
    expectOk(await run(bot, `/campaign submit ${id}`, marketer));
    const approved = expectOk(await run(bot, `/campaign approve ${id}`, approver));
    expect(approved.data.campaign.holdout_pct).toBe(20);
  });

  it('the submitter cannot approve, even with the approver role', async () => {
    const id = await create('Second');
    expectOk(await run(bot, `/campaign submit ${id}`, approver2));
    const own = await run(bot, `/campaign approve ${id}`, approver2);
    expect(own.data.error.code).toBe('four_eyes');
    expect(own.data.error.message).toContain(`You submitted campaign #${id}`);
    expectOk(await run(bot, `/campaign approve ${id}`, approver));
  });
});

describe('a request binds to its content', () => {
  it('an edit withdraws the pending request, its card says so, and its old button cannot approve the next version', async () => {
    const id = await create('Stale');
    const first = expectOk(await run(bot, `/campaign submit ${id}`, marketer));
    const firstCard = cards.posts.at(-1)!;
    const oldApprove = firstCard.reply.view.buttons![0]!.command;
    expect(oldApprove).toBe(`/campaign approve ${id} request=${first.data.request.id}`);

    const edited = expectOk(await run(bot, `/campaign edit ${id} message="a different text"`, marketer2));
    expect(edited.data.request_withdrawn).toBe(true);
    expect(edited.data.campaign.state).toBe('draft');
    const update = cards.updates.at(-1)!;
    expect(update.id).toBe(firstCard.id);
    expect(update.reply.view.buttons).toBeUndefined();
    expect(mentionsAsText(update.reply.view.text ?? '')).toContain(
      'Withdrawn at 2026-11-20 10:00 UTC by <@UMARKET2>: @UMARKET2 changed message',
    );
    expect(mentionsAsText(update.reply.view.text ?? '')).toContain('can no longer be approved');

    const second = expectOk(await run(bot, `/campaign submit ${id}`, marketer));
    expect(second.data.request.id).not.toBe(first.data.request.id);
    const stale = await run(bot, oldApprove, approver);
    expect(stale.ok).toBe(false);
    expect(stale.data.error.code).toBe('request_closed');
    expect(stale.data.error.message).toContain(
      `Approval request #${first.data.request.id} for campaign #${id} was already withdrawn by <@UMARKET2>`,
    );
    expect(stale.data.error.hint).toContain(`/campaign approve ${id}`);
    const shown = expectOk(await run(bot, `/campaign show ${id}`, viewer));
    expect(shown.data.campaign.state).toBe('pending_approval');
    expect(shown.data.approval_request.id).toBe(second.data.request.id);

    // typed, the current request is approved, and the reply shows what
    const typed = expectOk(await run(bot, `/campaign approve ${id}`, approver));
    expect(typed.data.request).toMatchObject({ id: second.data.request.id, content: { message: 'a different text' } });
    expect(JSON.stringify(typed.view)).toContain('a different text');
    expect(cards.updates.at(-1)!.id).toBe(cards.posts.at(-1)!.id);
    expect(mentionsAsText(cards.updates.at(-1)!.reply.view.text ?? '')).toContain('Approved by <@UAPPROVE> at 2026-11-20 10:00 UTC');
    expect(cards.updates.at(-1)!.reply.view.buttons).toBeUndefined();
  });

  it('a request whose audience changed since it was made is withdrawn instead of approved', async () => {
    const id = await create('Audience');
    expectOk(await run(bot, `/campaign submit ${id}`, marketer));
    const card = cards.posts.at(-1)!;
    await store.db.updateTable('customers').set({ consent: 0 }).where('customer_id', '=', 'm030').execute();
    const refused = await run(bot, card.reply.view.buttons![0]!.command, approver);
    expect(refused.data.error.code).toBe('request_stale');
    expect(refused.data.error.message).toContain('audience 30 → 29');
    expect(cards.updates.at(-1)!.id).toBe(card.id);
    expect(mentionsAsText(cards.updates.at(-1)!.reply.view.text ?? '')).toContain('Withdrawn');
    const [request] = await requestsOf(id);
    expect(request!.status).toBe('withdrawn');
    expect(expectOk(await run(bot, `/campaign show ${id}`, viewer)).data.campaign.state).toBe('draft');
    await store.db.updateTable('customers').set({ consent: 1 }).where('customer_id', '=', 'm030').execute();
  });

  it('reopen and cancel withdraw the pending request too', async () => {
    const id = await create('Cancelled');
    expectOk(await run(bot, `/campaign submit ${id}`, marketer));
    const card = cards.posts.at(-1)!;
    expectOk(await run(bot, `/campaign cancel ${id} reason="wrong season"`, marketer));
    expect(cards.updates.at(-1)).toMatchObject({ id: card.id });
    expect(mentionsAsText(cards.updates.at(-1)!.reply.view.text ?? '')).toContain('wrong season');
    expect((await run(bot, card.reply.view.buttons![0]!.command, approver)).data.error.code).toBe('request_closed');
  });
});

describe('expiry', () => {
  it('an expired request’s card says so in place and its button is refused', async () => {
    clock.set('2026-11-22T10:00:00.000Z');
    const id = await create('Expiring');
    expectOk(await run(bot, `/campaign submit ${id}`, marketer));
    const card = cards.posts.at(-1)!;
    clock.advanceHours(73);
    expect(expectOk(await run(bot, `/campaign show ${id}`, viewer)).data.campaign.state).toBe('draft');
    expect(cards.updates.at(-1)!.id).toBe(card.id);
    expect(mentionsAsText(cards.updates.at(-1)!.reply.view.text ?? '')).toContain('expired at 2026-11-25 10:00 UTC');
    expect(cards.updates.at(-1)!.reply.view.buttons).toBeUndefined();
    const refused = await run(bot, card.reply.view.buttons![0]!.command, approver);
    expect(refused.data.error.code).toBe('request_closed');
    expect(refused.data.error.message).toContain('was already expired');
  });
});

describe('double click', () => {
  it('two concurrent approvals approve once; the other is told who approved and when', async () => {
    const id = await create('Double');
    const submitted = expectOk(await run(bot, `/campaign submit ${id}`, marketer));
    const button = `/campaign approve ${id} request=${submitted.data.request.id}`;
    clock.set('2026-11-20T11:30:00.000Z');
    const clicks = await Promise.all([approver, approver2, approver, approver2].map((caller) => run(bot, button, caller)));
    const winners = clicks.filter((c) => c.ok);
    expect(winners).toHaveLength(1);
    const winner = winners[0]!;
    for (const loser of clicks.filter((c) => !c.ok)) {
      expect(loser.data.error.code).toBe('already_decided');
      expect(loser.data.error.message).toContain(
        `was already approved by <@${winner.data.campaign.decided_by}> at 2026-11-20 11:30 UTC; nothing was changed`,
      );
    }
    const moves = await store.db
      .selectFrom('campaign_transitions')
      .selectAll()
      .where('campaign_id', '=', id)
      .where('to_state', '=', 'approved')
      .execute();
    expect(moves).toHaveLength(1);
    const [request] = await requestsOf(id);
    expect(request).toMatchObject({ status: 'approved', decided_by: winner.data.campaign.decided_by });
  });
});
