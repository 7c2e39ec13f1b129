import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Caller } from '../../src/core/context.ts';
import type { Database } from '../../src/store/schema.ts';
import type { Kysely } from 'kysely';
import { user } from '../fakes/discord-payloads.ts';
import { blockActionPayload, postBlockAction } from '../fakes/slack.ts';
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

// Approval cards are updated in place once decided or withdrawn (buttons removed, outcome, who and when),
// through the real Bolt and discord.js against the fake platforms.

async function seed(db: Kysely<Database>, platform: 'slack' | 'discord', grants: [string, string][]): Promise<void> {
  const at = '2026-11-01T00:00:00.000Z';
  await db
    .insertInto('role_grants')
    .values(grants.map(([user_id, role]) => ({ platform, user_id, role, granted_by: 'seed', granted_at: at })))
    .execute();
  const members = ids('c', 12);
  await seedCustomers(
    db,
    members.map((id) => ({ id })),
  );
  await seedSegment(db, 'loyal', members);
}

const answerText = (answer: { text?: string; blocks?: unknown }) => `${answer.text ?? ''}${blockTexts(answer.blocks)}`;

async function cardIds(db: Kysely<Database>, requestId: number): Promise<string[]> {
  const row = await db
    .selectFrom('campaign_approval_requests')
    .select('card_messages')
    .where('id', '=', requestId)
    .executeTakeFirstOrThrow();
  return JSON.parse(row.card_messages ?? '[]') as string[];
}

describe('Slack: the approval card is updated in place (chat.update)', () => {
  let h: SlackHarness;
  // a command typed in the workspace the bot answers (the fake's)
  const marketer: Caller = { platform: 'slack', userId: 'UMARKET', channelId: 'C0FAKE001', workspaceId: 'T0FAKE001' };
  const marketer2: Caller = { ...marketer, userId: 'UMARKET2' };

  beforeAll(async () => {
    h = await startSlack({ mode: 'http' });
    await seed(h.store.db, 'slack', [
      ['UMARKET', 'marketer'],
      ['UMARKET2', 'marketer'],
      ['UAPPROVE', 'approver'],
      ['UAPPROVE2', 'approver'],
    ]);
  });

  afterAll(async () => {
    await h.close();
  });

  const buttonsOf = (blocks: unknown) =>
    (blocks as { type: string; elements?: { value: string }[] }[]).filter((b) => b.type === 'actions').flatMap((b) => b.elements ?? []);

  async function submit(name: string) {
    const created = expectOk(await run(h.bot, `/campaign create name=${name} segment=loyal channel=log message=hello`, marketer));
    const id = created.data.campaign.id as number;
    const posts = h.fake.callsTo('chat.postMessage').length;
    const submitted = expectOk(await run(h.bot, `/campaign submit ${id}`, marketer));
    const post = h.fake.callsTo('chat.postMessage')[posts]!;
    const [ts] = await cardIds(h.store.db, submitted.data.request.id);
    return { id, ts: ts!, approve: buttonsOf(post.params.blocks)[0]!.value };
  }

  const click = (value: string, userId: string, ts: string, response: string) =>
    postBlockAction(
      h.baseUrl,
      SIGNING_SECRET,
      blockActionPayload({ actionId: 'growthbot:0', value, userId, responseUrl: h.fake.responseUrl(response), messageTs: ts }),
    );

  const updatesOf = (ts: string) => h.fake.callsTo('chat.update').filter((c) => c.params.ts === ts);

  it('double click: approved once, the card shows who approved and when without buttons, the second click is told', async () => {
    const card = await submit('SlackDouble');
    expect(card.approve).toMatch(new RegExp(`^/campaign approve ${card.id} request=\\d+$`));
    await Promise.all([click(card.approve, 'UAPPROVE', card.ts, 'd1'), click(card.approve, 'UAPPROVE2', card.ts, 'd2')]);
    const [update] = await h.fake.waitFor(() => updatesOf(card.ts).length > 0 && updatesOf(card.ts));
    expect(update!.params.channel).toBe('C0FAKE001');
    expect(buttonsOf(update!.params.blocks)).toEqual([]);
    expect(blockTexts(update!.params.blocks)).toMatch(/Approved by <@UAPPROVE2?> at \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
    const answers = await h.fake.waitFor(
      () =>
        h.fake.responsesTo('d1').length > 0 &&
        h.fake.responsesTo('d2').length > 0 && [...responseBodies(h.fake, 'd1'), ...responseBodies(h.fake, 'd2')],
      5_000,
    );
    expect(answers.map(answerText).filter((t) => t.includes('already approved by'))).toHaveLength(1);
    const approvals = await h.store.db
      .selectFrom('campaign_transitions')
      .select('id')
      .where('campaign_id', '=', card.id)
      .where('to_state', '=', 'approved')
      .execute();
    expect(approvals).toHaveLength(1);
    expect(updatesOf(card.ts)).toHaveLength(1);
  });

  it('an edit withdraws the request: its card says so in place, and its old button is refused after a resubmit', async () => {
    const card = await submit('SlackStale');
    expectOk(await run(h.bot, `/campaign edit ${card.id} message="something else"`, marketer2));
    const [update] = await h.fake.waitFor(() => updatesOf(card.ts).length > 0 && updatesOf(card.ts));
    expect(buttonsOf(update!.params.blocks)).toEqual([]);
    expect(blockTexts(update!.params.blocks)).toContain('Withdrawn');
    expect(blockTexts(update!.params.blocks)).toContain('can no longer be approved');
    expectOk(await run(h.bot, `/campaign submit ${card.id}`, marketer));
    await click(card.approve, 'UAPPROVE', card.ts, 's1');
    const [answer] = await h.fake.waitFor(() => h.fake.responsesTo('s1').length > 0 && responseBodies(h.fake, 's1'));
    expect(answerText(answer!)).toContain('was already withdrawn by <@UMARKET2>');
    const shown = expectOk(await run(h.bot, `/campaign show ${card.id}`, marketer));
    expect(shown.data.campaign.state).toBe('pending_approval');
  });
});

describe('Discord: the approval card is updated in place (PATCH channel message)', () => {
  let h: DiscordHarness;
  const approverUser = user('1100000000000000020', 'approver');
  let marketer: Caller;

  beforeAll(async () => {
    h = await startDiscord();
    marketer = { platform: 'discord', userId: h.fake.marketer.id, channelId: GROWTH_CHANNEL, workspaceId: h.fake.guilds[0]!.id };
    await seed(h.store.db, 'discord', [
      [h.fake.marketer.id, 'marketer'],
      [approverUser.id, 'approver'],
    ]);
  });

  afterAll(async () => {
    await h.close();
  });

  it('approve by button (after its Confirm): the card loses its buttons and shows the approver; a second Confirm is answered "already approved"', async () => {
    const created = expectOk(await run(h.bot, '/campaign create name=DiscordCard segment=loyal channel=log message=hello', marketer));
    const id = created.data.campaign.id as number;
    const submitted = expectOk(await run(h.bot, `/campaign submit ${id}`, marketer));
    const [messageId] = await cardIds(h.store.db, submitted.data.request.id);
    const posted = h.fake.messagesIn(GROWTH_CHANNEL).find((m) => m.id === messageId)!;
    const components = posted.body.components as { components: { custom_id: string; label: string }[] }[];
    const approve = components.flatMap((row) => row.components).find((b) => b.label === 'Approve')!;
    expect(approve.custom_id).toBe(`cmd:?/campaign approve ${id} request=${submitted.data.request.id}`);

    // the card's button asks first (ephemeral); its Confirm carries the command itself
    const asked = h.fake.sendInteraction({
      type: 'button',
      customId: approve.custom_id,
      user: approverUser,
      channelId: GROWTH_CHANNEL,
      messageId,
    });
    const prompt = await h.fake.waitFor(() => h.fake.callbacksFor(asked.id as string)[0], 5_000);
    const confirmId = (prompt.data!.components as { components: { custom_id: string }[] }[])[0]!.components[0]!.custom_id;
    expect(confirmId).toBe(`cmd:/campaign approve ${id} request=${submitted.data.request.id}`);
    h.fake.sendInteraction({ type: 'button', customId: confirmId, user: approverUser, channelId: GROWTH_CHANNEL });
    const edit = await h.fake.waitFor(() => h.fake.channelEdits.find((e) => e.id === messageId), 5_000);
    expect(edit.channelId).toBe(GROWTH_CHANNEL);
    expect(edit.body.components).toEqual([]);
    expect(JSON.stringify(edit.body.embeds)).toContain(`Approved by <@${approverUser.id}>`);

    const again = h.fake.sendInteraction({ type: 'button', customId: confirmId, user: approverUser, channelId: GROWTH_CHANNEL });
    const callback = await h.fake.waitFor(() => h.fake.callbacksFor(again.id as string)[0], 5_000);
    const followUps = () =>
      [callback, ...h.fake.webhookMessagesFor(again.token as string)]
        .map((m) => JSON.stringify((m as { data?: unknown; body?: unknown }).data ?? (m as { body?: unknown }).body))
        .join('');
    await h.fake.waitFor(() => followUps().includes('already approved'), 5_000);
    expect(h.fake.channelEdits.filter((e) => e.id === messageId)).toHaveLength(1);
    expect(h.rejections).toEqual([]);
  });
});
