import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Caller } from '../../src/core/context.ts';
import type { Database } from '../../src/store/schema.ts';
import { askModalSubmitInteraction, user } from '../fakes/discord-payloads.ts';
import { blockActionPayload, postBlockAction } from '../fakes/slack.ts';
import { askModalSubmissionPayload } from '../fakes/slack-requests.ts';
import { run } from '../helpers/bot.ts';
import { GROWTH_CHANNEL, startHarness as startDiscord, type Harness as DiscordHarness } from '../discord/helpers/harness.ts';
import {
  blockTexts,
  responseBodies,
  SIGNING_SECRET,
  startHarness as startSlack,
  type SlackHarness,
} from '../slack/helpers/slack-harness.ts';
import { expectOk, ids, seedCustomers, seedSegment } from './fixtures.ts';

// #21.2 through the real Bolt and discord.js against the fake platforms: Approve and Reject confirm first,
// Reject asks for its reason in a modal, every close of a request updates its card in place, and the
// requester is told in the card's thread (Slack) or in a reply to the card that mentions them (Discord).

async function seed(db: Kysely<Database>, platform: 'slack' | 'discord', grants: [string, string][]): Promise<void> {
  const at = '2026-11-01T00:00:00.000Z';
  await db
    .insertInto('role_grants')
    .values(grants.map(([user_id, role]) => ({ platform, user_id, role, granted_by: 'seed', granted_at: at })))
    .execute();
  const members = ids('p', 6);
  await seedCustomers(
    db,
    members.map((id) => ({ id })),
  );
  await seedSegment(db, 'loyal', members);
}

async function cardIds(db: Kysely<Database>, requestId: number): Promise<string[]> {
  const row = await db
    .selectFrom('campaign_approval_requests')
    .select('card_messages')
    .where('id', '=', requestId)
    .executeTakeFirstOrThrow();
  return JSON.parse(row.card_messages ?? '[]') as string[];
}

/** The request's deadline moved into the past: the next look at the campaign expires it. */
async function overdue(db: Kysely<Database>, campaignId: number): Promise<void> {
  await db.updateTable('campaigns').set({ approval_expires_at: '2020-01-01T00:00:00.000Z' }).where('id', '=', campaignId).execute();
}

type SlackButton = { action_id: string; value: string; text: { text: string }; style?: string; confirm?: Record<string, unknown> };

describe('Slack: confirm dialogs, the reason modal, card updates and the thread', () => {
  let h: SlackHarness;
  const marketer: Caller = { platform: 'slack', userId: 'UMARKET', channelId: 'C0FAKE001', workspaceId: 'T0FAKE001' };

  beforeAll(async () => {
    h = await startSlack({ mode: 'http' });
    await seed(h.store.db, 'slack', [
      ['UMARKET', 'marketer'],
      ['UMARKET2', 'marketer'],
      ['UAPPROVE', 'approver'],
      ['UVIEW', 'viewer'],
    ]);
  });

  afterAll(async () => {
    await h.close();
  });

  const buttonsOf = (blocks: unknown) =>
    (blocks as { type: string; elements?: SlackButton[] }[]).filter((b) => b.type === 'actions').flatMap((b) => b.elements ?? []);

  async function submit(name: string) {
    const created = expectOk(await run(h.bot, `/campaign create name=${name} segment=loyal channel=log message=hello`, marketer));
    const id = created.data.campaign.id as number;
    const posts = h.fake.callsTo('chat.postMessage').length;
    const submitted = expectOk(await run(h.bot, `/campaign submit ${id}`, marketer));
    const [approve, reject] = buttonsOf(h.fake.callsTo('chat.postMessage')[posts]!.params.blocks);
    const [ts] = await cardIds(h.store.db, submitted.data.request.id);
    return { id, requestId: submitted.data.request.id as number, ts: ts!, approve: approve!, reject: reject! };
  }

  const click = (button: SlackButton, userId: string, ts: string, response: string) => {
    const payload = blockActionPayload({
      actionId: button.action_id,
      value: button.value,
      userId,
      responseUrl: h.fake.responseUrl(response),
      messageTs: ts,
    });
    (payload.actions as { text: { text: string } }[])[0]!.text.text = button.text.text;
    return postBlockAction(h.baseUrl, SIGNING_SECRET, payload);
  };
  const updatesOf = (ts: string) => h.fake.callsTo('chat.update').filter((c) => c.params.ts === ts);
  const threadOf = (ts: string) => h.fake.callsTo('chat.postMessage').filter((c) => c.params.thread_ts === ts);

  it('both buttons carry a Block Kit confirm object; Reject is a form button', async () => {
    const card = await submit('SlackConfirm');
    expect(card.approve).toMatchObject({
      action_id: 'growthbot:0',
      value: `/campaign approve ${card.id} request=${card.requestId}`,
      style: 'primary',
      confirm: {
        title: { type: 'plain_text', text: 'Approve this campaign?' },
        text: {
          type: 'plain_text',
          text: `Approve campaign #${card.id} “SlackConfirm” (request #${card.requestId}, 6 people)? It can then be launched.`,
        },
        confirm: { type: 'plain_text', text: 'Approve' },
        deny: { type: 'plain_text', text: 'Cancel' },
        style: 'primary',
      },
    });
    expect(card.reject).toMatchObject({
      action_id: 'growthbot:1:ask=reason',
      value: `/campaign reject ${card.id} request=${card.requestId}`,
      style: 'danger',
      confirm: { title: { text: 'Reject this campaign?' }, confirm: { text: 'Reject' }, style: 'danger' },
    });
  });

  it('Reject opens the reason modal; its submission rejects, updates the card and tells the requester in its thread', async () => {
    const card = await submit('SlackReject');
    const opens = h.fake.callsTo('views.open').length;
    expect((await click(card.reject, 'UAPPROVE', card.ts, 'rj1')).status).toBe(200);
    const [open] = await h.fake.waitFor(() => h.fake.callsTo('views.open').length > opens && h.fake.callsTo('views.open').slice(opens));
    expect(open!.params.trigger_id).toBe('1000.2000.fake');
    const view = open!.params.view as {
      callback_id: string;
      private_metadata: string;
      title: { text: string };
      submit: { text: string };
      blocks: { type: string; block_id?: string; optional?: boolean; element?: Record<string, unknown>; hint?: { text: string } }[];
    };
    expect(view).toMatchObject({ callback_id: 'growthbot:ask', title: { text: 'Reject' }, submit: { text: 'Reject' } });
    const input = view.blocks.find((b) => b.type === 'input')!;
    expect(input).toMatchObject({
      block_id: 'reason',
      optional: false,
      hint: { text: 'why you reject it, so the marketer knows what to change' },
      element: { type: 'plain_text_input', multiline: true, min_length: 1, max_length: 500 },
    });
    expect(view.blocks.filter((b) => b.type === 'input')).toHaveLength(1);
    expect(updatesOf(card.ts)).toHaveLength(0);

    const reason = 'Holdout "too" small <!channel>\nask legal';
    const submitted = await postBlockAction(
      h.baseUrl,
      SIGNING_SECRET,
      askModalSubmissionPayload({ view, answers: { reason }, userId: 'UAPPROVE' }),
    );
    expect(submitted).toEqual({ status: 200, body: '' });
    const [update] = await h.fake.waitFor(() => updatesOf(card.ts).length > 0 && updatesOf(card.ts), 5_000);
    expect(buttonsOf(update!.params.blocks)).toEqual([]);
    const cardText = blockTexts(update!.params.blocks);
    expect(cardText).toMatch(/Rejected by <@UAPPROVE> at \d{4}-\d\d-\d\d \d\d:\d\d UTC: Holdout \\"too\\" small &lt;!channel&gt;/);
    expect(cardText).not.toContain('<!channel>');
    const [notice] = await h.fake.waitFor(() => threadOf(card.ts).length > 0 && threadOf(card.ts));
    expect(notice!.params.channel).toBe('C0FAKE001');
    expect(String(notice!.params.text) + blockTexts(notice!.params.blocks)).toContain('<@UMARKET> your approval request');
    expect(blockTexts(notice!.params.blocks)).toContain('was rejected by <@UAPPROVE>: Holdout');

    const shown = expectOk(await run(h.bot, `/campaign show ${card.id}`, marketer));
    expect(shown.data.campaign).toMatchObject({ state: 'rejected', decided_by: 'UAPPROVE', decision_reason: reason });
    await h.adapter.idle();
    const audit = await h.store.db
      .selectFrom('audit_log')
      .selectAll()
      .where('command', '=', 'campaign reject')
      .where('outcome', '=', 'ok')
      .execute();
    expect(audit.map((a) => JSON.parse(String(a.options)).reason)).toContain(reason);
  });

  it('a click by someone without the approver role opens no modal and is told why', async () => {
    const card = await submit('SlackViewer');
    const opens = h.fake.callsTo('views.open').length;
    await click(card.reject, 'UVIEW', card.ts, 'rv1');
    const [answer] = await h.fake.waitFor(() => h.fake.responsesTo('rv1').length > 0 && responseBodies(h.fake, 'rv1'));
    expect(answer!.response_type).toBe('ephemeral');
    expect(`${answer!.text}${blockTexts(answer!.blocks)}`).toContain('needs the *approver* role');
    expect(h.fake.callsTo('views.open')).toHaveLength(opens);
  });

  it('a submission by someone who may not reject is refused to them alone; the card stays', async () => {
    const card = await submit('SlackForged');
    await click(card.reject, 'UAPPROVE', card.ts, 'rf1');
    const open = await h.fake.waitFor(() => h.fake.callsTo('views.open').at(-1));
    const ephemerals = h.fake.callsTo('chat.postEphemeral').length;
    await postBlockAction(
      h.baseUrl,
      SIGNING_SECRET,
      askModalSubmissionPayload({ view: open.params.view as never, answers: { reason: 'mine' }, userId: 'UMARKET2' }),
    );
    const [refusal] = await h.fake.waitFor(
      () => h.fake.callsTo('chat.postEphemeral').length > ephemerals && h.fake.callsTo('chat.postEphemeral').slice(ephemerals),
    );
    expect(refusal!.params).toMatchObject({ channel: 'C0FAKE001', user: 'UMARKET2' });
    expect(blockTexts(refusal!.params.blocks)).toContain('needs the *approver* role');
    await h.adapter.idle();
    expect(updatesOf(card.ts)).toHaveLength(0);
  });

  it('expiry: the card says so in place and the requester is told in its thread', async () => {
    const card = await submit('SlackExpiry');
    await overdue(h.store.db, card.id);
    expectOk(await run(h.bot, `/campaign show ${card.id}`, marketer));
    const [update] = await h.fake.waitFor(() => updatesOf(card.ts).length > 0 && updatesOf(card.ts));
    expect(buttonsOf(update!.params.blocks)).toEqual([]);
    expect(blockTexts(update!.params.blocks)).toContain('The approval request expired at');
    const [notice] = await h.fake.waitFor(() => threadOf(card.ts).length > 0 && threadOf(card.ts));
    expect(blockTexts(notice!.params.blocks)).toContain('without a decision; it is a draft again');
  });

  it('withdrawn by another marketer: card updated in place, requester told in the thread', async () => {
    const card = await submit('SlackWithdrawn');
    expectOk(await run(h.bot, `/campaign cancel ${card.id} reason="duplicate"`, { ...marketer, userId: 'UMARKET2' }));
    const [update] = await h.fake.waitFor(() => updatesOf(card.ts).length > 0 && updatesOf(card.ts));
    expect(blockTexts(update!.params.blocks)).toContain('Withdrawn at');
    const [notice] = await h.fake.waitFor(() => threadOf(card.ts).length > 0 && threadOf(card.ts));
    expect(blockTexts(notice!.params.blocks)).toContain('was withdrawn by <@UMARKET2>: duplicate');
  });
});

describe('Discord: an ephemeral Confirm, the reason modal, card edits and a reply to the card', () => {
  let h: DiscordHarness;
  const approverUser = user('1100000000000000020', 'approver');
  const viewerUser = user('1100000000000000021', 'viewer');
  let marketer: Caller;
  let nextId = 1_690_000_000_000_000_000n;

  beforeAll(async () => {
    h = await startDiscord();
    marketer = { platform: 'discord', userId: h.fake.marketer.id, channelId: GROWTH_CHANNEL, workspaceId: h.fake.guilds[0]!.id };
    await seed(h.store.db, 'discord', [
      [h.fake.marketer.id, 'marketer'],
      [approverUser.id, 'approver'],
      [viewerUser.id, 'viewer'],
    ]);
  });

  afterAll(async () => {
    await h.close();
  });

  type Component = { custom_id: string; label: string; style: number };
  const buttonsIn = (body: { components?: unknown }) =>
    ((body.components ?? []) as { components: Component[] }[]).flatMap((row) => row.components);

  async function submit(name: string) {
    const created = expectOk(await run(h.bot, `/campaign create name=${name} segment=loyal channel=log message=hello`, marketer));
    const id = created.data.campaign.id as number;
    const submitted = expectOk(await run(h.bot, `/campaign submit ${id}`, marketer));
    const [messageId] = await cardIds(h.store.db, submitted.data.request.id);
    const posted = h.fake.messagesIn(GROWTH_CHANNEL).find((m) => m.id === messageId)!;
    const [approve, reject] = buttonsIn(posted.body);
    return { id, requestId: submitted.data.request.id as number, messageId: messageId!, approve: approve!, reject: reject! };
  }

  const click = (customId: string, who = approverUser, messageId?: string) =>
    h.fake.sendInteraction({ type: 'button', customId, user: who, channelId: GROWTH_CHANNEL, ...(messageId ? { messageId } : {}) });
  const firstCallback = (interaction: Record<string, unknown>) =>
    h.fake.waitFor(() => h.fake.callbacksFor(interaction.id as string)[0], 5_000);
  const editsOf = (messageId: string) => h.fake.channelEdits.filter((e) => e.id === messageId);
  const repliesTo = (messageId: string) =>
    h.fake
      .messagesIn(GROWTH_CHANNEL)
      .filter((m) => (m.body.message_reference as { message_id?: string } | undefined)?.message_id === messageId);

  it('Approve asks in an ephemeral message; Confirm approves, edits the card and replies to it mentioning the requester', async () => {
    const card = await submit('DiscordApprove');
    expect(card.approve.custom_id).toBe(`cmd:?/campaign approve ${card.id} request=${card.requestId}`);
    expect(card.reject.custom_id).toBe(`cmd:?[reason]/campaign reject ${card.id} request=${card.requestId}`);

    const prompt = await firstCallback(click(card.approve.custom_id, approverUser, card.messageId));
    expect(prompt.type).toBe(4);
    expect(Number(prompt.data!.flags) & 64).toBe(64);
    expect(String(prompt.data!.content)).toContain('**Approve this campaign?**');
    expect(String(prompt.data!.content)).toContain(`Approve campaign #${card.id} “DiscordApprove”`);
    const [confirm, cancel] = buttonsIn(prompt.data!);
    expect(confirm).toMatchObject({ label: 'Approve', custom_id: `cmd:/campaign approve ${card.id} request=${card.requestId}` });
    expect(cancel).toMatchObject({ label: 'Cancel', custom_id: 'growthbot:cancel' });
    expect(editsOf(card.messageId)).toHaveLength(0);

    click(confirm!.custom_id);
    const edit = await h.fake.waitFor(() => editsOf(card.messageId)[0], 5_000);
    expect(edit.body.components).toEqual([]);
    expect(JSON.stringify(edit.body.embeds)).toContain(`Approved by <@${approverUser.id}>`);
    const reply = await h.fake.waitFor(() => repliesTo(card.messageId)[0], 5_000);
    expect(String(reply.body.content)).toContain(`<@${h.fake.marketer.id}> your approval request #${card.requestId}`);
    expect(String(reply.body.content)).toContain(`was approved by <@${approverUser.id}>`);
    expect(reply.body.allowed_mentions).toMatchObject({ parse: [], users: expect.arrayContaining([h.fake.marketer.id]) });
    expect(h.rejections).toEqual([]);
  });

  it('Reject: Confirm opens the reason modal; its submission rejects with the reason, edits the card and replies to it', async () => {
    const card = await submit('DiscordReject');
    const prompt = await firstCallback(click(card.reject.custom_id, approverUser, card.messageId));
    const [confirm] = buttonsIn(prompt.data!);
    expect(confirm).toMatchObject({
      label: 'Reject',
      style: 4,
      custom_id: `cmd:[reason]/campaign reject ${card.id} request=${card.requestId}`,
    });

    const confirmClick = click(confirm!.custom_id);
    const modal = await firstCallback(confirmClick);
    expect(modal.type).toBe(9);
    expect(modal.data).toMatchObject({ custom_id: confirm!.custom_id, title: 'Reject' });
    const inputs = (modal.data!.components as { type: number; label?: string; component?: Record<string, unknown> }[]).filter(
      (c) => c.type === 18,
    );
    expect(inputs).toEqual([
      {
        type: 18,
        label: 'Reason',
        description: 'why you reject it, so the marketer knows what to change',
        component: { type: 4, custom_id: 'reason', style: 2, required: true, min_length: 1, max_length: 500 },
      },
    ]);
    expect(editsOf(card.messageId)).toHaveLength(0);

    const submission = askModalSubmitInteraction(confirmClick, String(++nextId), confirm!.custom_id, {
      reason: 'too broad @everyone <@&1400000000000000001>',
    });
    h.fake.interactions.set(submission.id as string, submission);
    h.fake.dispatch('INTERACTION_CREATE', submission);
    const edit = await h.fake.waitFor(() => editsOf(card.messageId)[0], 5_000);
    expect(edit.body.components).toEqual([]);
    const embeds = JSON.stringify(edit.body.embeds);
    expect(embeds).toContain(`Rejected by <@${approverUser.id}>`);
    expect(embeds).toContain('too broad @\u200beveryone <\u200b@&1400000000000000001>');
    const answer = await firstCallback(submission);
    expect([4, 5]).toContain(answer.type);
    const reply = await h.fake.waitFor(() => repliesTo(card.messageId)[0], 5_000);
    expect(String(reply.body.content)).toContain(`was rejected by <@${approverUser.id}>: too broad @\u200beveryone`);
    const shown = expectOk(await run(h.bot, `/campaign show ${card.id}`, marketer));
    expect(shown.data.campaign).toMatchObject({
      state: 'rejected',
      decided_by: approverUser.id,
      decision_reason: 'too broad @everyone <@&1400000000000000001>',
    });
    expect(h.rejections).toEqual([]);
  });

  it('Cancel closes the prompt and changes nothing', async () => {
    const card = await submit('DiscordCancel');
    await firstCallback(click(card.approve.custom_id, approverUser, card.messageId));
    const cancelled = await firstCallback(click('growthbot:cancel'));
    expect(cancelled.type).toBe(7);
    expect(cancelled.data).toMatchObject({ content: 'Cancelled: nothing was done.', components: [] });
    const shown = expectOk(await run(h.bot, `/campaign show ${card.id}`, marketer));
    expect(shown.data.campaign.state).toBe('pending_approval');
    expect(editsOf(card.messageId)).toHaveLength(0);
  });

  it('someone without the approver role is refused at the first click: no prompt, no modal', async () => {
    const card = await submit('DiscordViewer');
    const refused = await firstCallback(click(card.reject.custom_id, viewerUser, card.messageId));
    expect(refused.type).toBe(4);
    expect(Number(refused.data!.flags) & 64).toBe(64);
    expect(JSON.stringify(refused.data)).toContain('needs the **approver** role');
    expect(buttonsIn(refused.data!)).toEqual([]);
  });

  it('expiry and withdrawal: the card is edited in place and the requester gets a reply to it', async () => {
    const expiring = await submit('DiscordExpiry');
    await overdue(h.store.db, expiring.id);
    expectOk(await run(h.bot, `/campaign show ${expiring.id}`, marketer));
    const expired = await h.fake.waitFor(() => editsOf(expiring.messageId)[0], 5_000);
    expect(expired.body.components).toEqual([]);
    expect(JSON.stringify(expired.body.embeds)).toContain('The approval request expired at');
    const told = await h.fake.waitFor(() => repliesTo(expiring.messageId)[0], 5_000);
    expect(String(told.body.content)).toContain('without a decision; it is a draft again');

    const own = await submit('DiscordOwnWithdraw');
    expectOk(await run(h.bot, `/campaign reopen ${own.id}`, marketer));
    const withdrawn = await h.fake.waitFor(() => editsOf(own.messageId)[0], 5_000);
    expect(JSON.stringify(withdrawn.body.embeds)).toContain('Withdrawn at');
    // the requester withdrew it: nobody to tell
    expect(repliesTo(own.messageId)).toEqual([]);
  });
});
