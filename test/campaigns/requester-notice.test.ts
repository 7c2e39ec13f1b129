import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bot } from '../../src/core/bot.ts';
import { formFields } from '../../src/core/button-forms.ts';
import { mentionsAsText } from '../../src/core/mention.ts';
import { consoleCaller, createTestBot, run } from '../helpers/bot.ts';
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
} from './fixtures.ts';

// #21.2 in the core: the card's buttons confirm (and Reject asks for its reason), every close of a request
// updates its card, and the requester is told in the card's thread unless they closed it themselves.

let store: TestStore;
let bot: Bot;
let cards: ReturnType<typeof captureCards>;
const clock = testClock('2026-11-20T10:00:00.000Z');

beforeAll(async () => {
  store = await createTestStore();
  bot = await createTestBot(store.db, store.dir, { now: clock.now });
  cards = captureCards(bot);
  await grantRoles(store.db);
  const members = ids('n', 8);
  await seedCustomers(
    store.db,
    members.map((id) => ({ id })),
  );
  await seedSegment(store.db, 'loyal', members);
});

afterAll(async () => {
  await store.close();
});

async function submitted(name: string) {
  const created = expectOk(await run(bot, `/campaign create name="${name}" segment=loyal channel=log message=hi`, marketer));
  const id = created.data.campaign.id as number;
  const submit = expectOk(await run(bot, `/campaign submit ${id}`, marketer));
  return { id, requestId: submit.data.request.id as number, card: cards.posts.at(-1)! };
}

const text = (reply: { view: { text?: string } }) => mentionsAsText(reply.view.text ?? '');

describe('the card’s buttons', () => {
  it('Approve and Reject ask for confirmation; Reject asks for the reason, described by the command itself', async () => {
    const { id, requestId, card } = await submitted('Buttons');
    const [approve, reject] = card.reply.view.buttons!;
    expect(approve).toMatchObject({ label: 'Approve', command: `/campaign approve ${id} request=${requestId}` });
    expect(approve!.confirm!.text).toContain(`Approve campaign #${id} “Buttons” (request #${requestId}, 8 people)?`);
    expect(approve!.asks).toBeUndefined();
    expect(reject).toMatchObject({ label: 'Reject', command: `/campaign reject ${id} request=${requestId}`, asks: ['reason'] });
    expect(reject!.confirm).toMatchObject({ confirm: 'Reject', deny: 'Cancel' });
    expect(formFields(bot.registry, reject!.command, reject!.asks!)).toEqual([
      {
        name: 'reason',
        label: 'Reason',
        description: 'why you reject it, so the marketer knows what to change',
        required: true,
        minLength: 1,
        maxLength: 500,
      },
    ]);
  });

  it('a form’s answer is given to the command as its option, quotes and line breaks included', async () => {
    const { id, requestId, card } = await submitted('Form');
    const reason = 'holdout "too" small;\nask legal first';
    const rejected = expectOk(
      await run(bot, `/campaign reject ${id} request=${requestId}`, approver, { answers: { reason: `  ${reason} ` } }),
    );
    expect(rejected.data.campaign).toMatchObject({ state: 'rejected', decision_reason: reason });
    const update = cards.updates.at(-1)!;
    expect(update.id).toBe(card.id);
    expect(text(update.reply)).toContain(`Rejected by <@UAPPROVE> at 2026-11-20 10:00 UTC: ${reason}`);
    const notice = cards.threads.at(-1)!;
    expect(notice).toMatchObject({ thread: card.id, channelId: card.channelId });
    expect(text(notice.reply)).toContain(
      `<@UMARKET> your approval request #${requestId} for campaign #${id} “Form” was rejected by <@UAPPROVE>: ${reason}`,
    );
    expect(notice.reply.data).toMatchObject({ outcome: 'rejected', requester: 'UMARKET' });
  });

  it('a reject without a reason asks for one and changes nothing; an answer the command does not take is refused', async () => {
    const { id, requestId } = await submitted('Empty');
    const unknown = await run(bot, `/campaign reject ${id} request=${requestId}`, approver, { answers: { colour: 'red' } });
    expect(unknown.data.error.code).toBe('unknown_option');
    for (const attempt of [
      run(bot, `/campaign reject ${id} request=${requestId}`, approver, { answers: { reason: '   ' } }),
      run(bot, `/campaign reject ${id}`, approver),
    ]) {
      const refused = await attempt;
      expect(refused.data.error.code).toBe('invalid_option');
      expect(text(refused)).toContain('Missing `reason`: why you reject it, so the marketer knows what to change.');
    }
    const shown = expectOk(await run(bot, `/campaign show ${id}`, approver));
    expect(shown.data.campaign.state).toBe('pending_approval');
  });

  it('typed, reject with a reason works as before (console too)', async () => {
    const { id } = await submitted('Typed');
    const rejected = expectOk(await run(bot, `/campaign reject ${id} reason="not this week"`, consoleCaller));
    expect(rejected.data.campaign).toMatchObject({ state: 'rejected', decision_reason: 'not this week' });
    expect(text(cards.threads.at(-1)!.reply)).toContain('was rejected by <@tester>: not this week');
  });
});

describe('the requester is told in the card’s thread', () => {
  it('approved: the card shows who and when, the thread tells the requester what next', async () => {
    const { id, card } = await submitted('Approved');
    const before = cards.threads.length;
    expectOk(await run(bot, `/campaign approve ${id}`, approver));
    expect(text(cards.updates.at(-1)!.reply)).toContain('Approved by <@UAPPROVE> at 2026-11-20 10:00 UTC');
    expect(cards.threads).toHaveLength(before + 1);
    expect(cards.threads.at(-1)!.thread).toBe(card.id);
    expect(text(cards.threads.at(-1)!.reply)).toContain(`was approved by <@UAPPROVE>. Launch it with /campaign launch ${id}.`);
  });

  it('expired: the card says so in place and the requester is told to resubmit', async () => {
    const { id, card } = await submitted('Expiring');
    const before = cards.threads.length;
    clock.advanceHours(73);
    const shown = expectOk(await run(bot, `/campaign show ${id}`, marketer2));
    expect(shown.data.campaign.state).toBe('draft');
    const update = cards.updates.at(-1)!;
    expect(update.id).toBe(card.id);
    expect(update.reply.view.buttons).toBeUndefined();
    expect(text(update.reply)).toContain('The approval request expired at 2026-11-23 10:00 UTC without a decision');
    expect(cards.threads).toHaveLength(before + 1);
    expect(text(cards.threads.at(-1)!.reply)).toContain(`expired at 2026-11-23 10:00 UTC without a decision; it is a draft again`);
    expect(text(cards.threads.at(-1)!.reply)).toContain(`/campaign submit ${id}`);
  });

  it('withdrawn by someone else: told; withdrawn by the requester: the card changes, no message', async () => {
    const other = await submitted('WithdrawnByOther');
    let before = cards.threads.length;
    expectOk(await run(bot, `/campaign edit ${other.id} message=changed`, marketer2));
    expect(text(cards.updates.at(-1)!.reply)).toContain('Withdrawn at');
    expect(cards.threads).toHaveLength(before + 1);
    expect(text(cards.threads.at(-1)!.reply)).toContain('was withdrawn by <@UMARKET2>: @UMARKET2 changed message');

    const own = await submitted('WithdrawnByRequester');
    before = cards.threads.length;
    const updates = cards.updates.length;
    expectOk(await run(bot, `/campaign cancel ${own.id} reason="wrong segment"`, marketer));
    expect(cards.updates).toHaveLength(updates + 1);
    expect(cards.updates.at(-1)!.id).toBe(own.card.id);
    expect(text(cards.updates.at(-1)!.reply)).toContain('Withdrawn at');
    expect(cards.threads).toHaveLength(before);
  });
});
