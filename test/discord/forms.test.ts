import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRegistry } from '../../commands/index.ts';
import { modalSubmitInteraction, user } from '../fakes/discord-payloads.ts';
import { ids, seedCustomers, seedSegment } from '../campaigns/fixtures.ts';
import { discordMessageAsText, discordModalAsText, expectValidDiscordModal, writeDump } from '../helpers/modal-text.ts';
import { answersTo, startHarness, type Harness } from './helpers/harness.ts';

// Commands as Discord modals, through the real discord.js against the fake gateway and REST:
// showModal (callback type 9) in steps of five fields, modal submits (type 5), errors with a button
// that reopens the form with the values kept, the campaign preview with Save.

const EPHEMERAL = 64;
let h: Harness;
const viewer = user('1100000000000000077', 'viewer');

beforeAll(async () => {
  h = await startHarness({}, { UNSUBSCRIBE_URL: 'https://example.com/unsubscribe' }, await loadRegistry());
  const at = '2026-11-01T00:00:00.000Z';
  await h.store.db
    .insertInto('role_grants')
    .values([
      { platform: 'discord', user_id: h.fake.marketer.id, role: 'marketer', granted_by: 'seed', granted_at: at },
      { platform: 'discord', user_id: viewer.id, role: 'viewer', granted_by: 'seed', granted_at: at },
    ])
    .execute();
  const members = ids('c', 4);
  await seedCustomers(
    h.store.db,
    members.map((id) => ({ id })),
  );
  await seedSegment(h.store.db, 'loyal', members);
});

afterAll(async () => {
  await h?.close();
  expect(h.rejections).toEqual([]);
});

type Json = Record<string, any>;

async function callback(interaction: Json): Promise<{ type: number; data: Json }> {
  const found = await h.fake.waitFor(() => h.fake.callbacksFor(interaction.id as string)[0]);
  return { type: found.type, data: found.data ?? {} };
}

/** Submits the modal `modal` with `values`, as the user who opened it. */
function submitModal(modal: Json, values: Record<string, string>, fromMessage = false, who = h.fake.marketer): Json {
  const base = h.fake.buildInteraction({ type: 'button', customId: 'x', user: who });
  const interaction = modalSubmitInteraction(base, modal.custom_id as string, values, fromMessage);
  h.fake.interactions.set(interaction.id as string, interaction);
  h.fake.dispatch('INTERACTION_CREATE', interaction);
  return interaction;
}

function click(customId: string, who = h.fake.marketer): Json {
  return h.fake.sendInteraction({ type: 'button', customId, user: who });
}

const buttonsOf = (data: Json) => ((data.components ?? []) as Json[]).flatMap((row) => row.components as Json[]);

describe('Discord forms', () => {
  let steps: Json[] = [];

  it('/campaign create with no options opens its form as a modal, five fields a step', async () => {
    const interaction = h.fake.sendInteraction({ type: 'command', name: 'campaign', subcommand: 'create' });
    const first = await callback(interaction);
    expect(first.type).toBe(9);
    expectValidDiscordModal(first.data);
    expect(first.data.title).toBe('/campaign create (1/3)');
    const inputs = (first.data.components as Json[]).map((row) => row.components[0]);
    expect(inputs.map((i) => i.custom_id)).toEqual(['name', 'segment', 'audience', 'channel', 'message']);
    // a segment or a predicted audience: neither is required alone
    expect(inputs[1]).toMatchObject({ required: false, placeholder: 'one of all, loyal' });
    expect(inputs[2]).toMatchObject({ required: false, placeholder: 'e.g. churn-risk' });
    expect(inputs[3]).toMatchObject({ required: false, value: 'log', placeholder: 'one of email, sms, webhook, log' });
    expect(inputs[4]).toMatchObject({ style: 2, max_length: 4000 });
    steps = [first.data];
    writeDump('discord-campaign-create-step-1', discordModalAsText(first.data));
  });

  it('keeps each step’s values and continues with a button that opens the next modal', async () => {
    const submitted = submitModal(steps[0]!, {
      name: 'Spring sale',
      segment: 'loyal',
      channel: 'email',
      message: 'Spring is here.\n10% off everything.',
    });
    const kept = await callback(submitted);
    expect(kept.type).toBe(4);
    expect(kept.data.flags).toBe(EPHEMERAL);
    expect(kept.data.content).toContain('Step 1 of 3');
    const [next] = buttonsOf(kept.data);
    expect(next).toMatchObject({ label: 'Continue' });

    const second = await callback(click(next!.custom_id as string));
    expect(second.type).toBe(9);
    expectValidDiscordModal(second.data);
    expect((second.data.components as Json[]).map((row) => row.components[0].custom_id)).toEqual([
      'subject',
      'budget',
      'cost_per_send',
      'holdout',
      'window',
    ]);
    expect(second.data.components[1].components[0].placeholder).toBe('a number of at least 0');
    writeDump('discord-campaign-create-step-2', discordModalAsText(second.data));
    steps.push(second.data);
  });

  it('shows the errors of the last step in an ephemeral reply whose button reopens the form with the values kept', async () => {
    const secondKept = await callback(submitModal(steps[1]!, { subject: 'Hello spring', holdout: '80%' }, true));
    const third = await callback(click(buttonsOf(secondKept.data)[0]!.custom_id as string));
    expect(third.data.title).toBe('/campaign create (3/3)');
    steps.push(third.data);
    writeDump('discord-campaign-create-step-3', discordModalAsText(third.data));

    const refused = await callback(submitModal(steps[2]!, {}, true));
    expect(refused.type).toBe(4);
    expect(refused.data.flags).toBe(EPHEMERAL);
    expect(refused.data.content).toContain('**Holdout**: holdout must be a percentage from 0% to 50%');
    const [fix] = buttonsOf(refused.data);
    expect(fix).toMatchObject({ label: 'Fix the form' });
    const reopened = await callback(click(fix!.custom_id as string));
    expect(reopened.type).toBe(9);
    // the step holding the error, with what was typed
    const holdout = (reopened.data.components as Json[]).map((row) => row.components[0]).find((i) => i.custom_id === 'holdout');
    expect(holdout.value).toBe('80%');
    steps[1] = reopened.data;
    expect(await h.store.db.selectFrom('campaigns').selectAll().execute()).toEqual([]);
  });

  it('previews the email with Save; Save creates the draft through the same command', async () => {
    const fixed = await callback(submitModal(steps[1]!, { subject: 'Hello spring', holdout: '10%' }, true));
    expect(fixed.data.content).toContain('Step 2 of 3');
    const third = await callback(click(buttonsOf(fixed.data)[0]!.custom_id as string));
    const previewed = await callback(submitModal(third.data, {}, true));
    expect(previewed.type).toBe(4);
    expect(previewed.data.flags).toBe(EPHEMERAL);
    const text = JSON.stringify(previewed.data.embeds);
    expect(text).toContain('Hello spring');
    expect(text).toContain('Hi Customer c001');
    expect(text).toContain('10% off everything.');
    expect(text).toContain('https://example.com/unsubscribe?campaign=NEW&customer=c001');
    const [save, edit] = buttonsOf(previewed.data);
    expect([save!.label, edit!.label]).toEqual(['Save', 'Edit']);
    writeDump('discord-campaign-create-preview', discordMessageAsText(previewed.data));

    // someone else cannot press Save on this form
    const stranger = await callback(click(save!.custom_id as string, viewer));
    expect(stranger.data.content).toContain('belongs to someone else');

    const saved = click(save!.custom_id as string);
    await h.fake.waitFor(() => answersTo(h.fake, saved).length > 0);
    await h.adapter.handler.idle();
    const answer = answersTo(h.fake, saved).at(-1)!;
    expect(JSON.stringify(answer.body)).toContain('Draft created');
    const campaigns = await h.store.db.selectFrom('campaigns').selectAll().execute();
    expect(campaigns).toHaveLength(1);
    expect(campaigns[0]).toMatchObject({
      name: 'Spring sale',
      segment: 'loyal',
      channel: 'email',
      subject: 'Hello spring',
      message: 'Spring is here.\n10% off everything.',
      holdout_pct: 10,
      created_by: h.fake.marketer.id,
    });
    await h.bot.settled();
    const audit = await h.store.db
      .selectFrom('audit_log')
      .select(['command', 'outcome'])
      .where('command', '=', 'campaign create')
      .execute();
    // the holdout was refused by the preview (read-only, not audited); the save ran once
    expect(audit).toEqual([{ command: 'campaign create', outcome: 'ok' }]);
  });

  it('a one-step form without a preview runs on submit: /campaign show', async () => {
    const opened = await callback(h.fake.sendInteraction({ type: 'command', name: 'campaign', subcommand: 'show' }));
    expect(opened.type).toBe(9);
    expectValidDiscordModal(opened.data);
    expect(opened.data.title).toBe('/campaign show');
    writeDump('discord-campaign-show-form', discordModalAsText(opened.data));
    const submitted = submitModal(opened.data, { campaign: '1' });
    await h.fake.waitFor(() => answersTo(h.fake, submitted).length > 0);
    await h.adapter.handler.idle();
    expect(JSON.stringify(answersTo(h.fake, submitted))).toContain('Spring sale');
  });

  it('checks the role before opening a form', async () => {
    const refused = await callback(h.fake.sendInteraction({ type: 'command', name: 'campaign', subcommand: 'create', user: viewer }));
    expect(refused.type).toBe(4);
    expect(refused.data.flags).toBe(EPHEMERAL);
    expect(JSON.stringify(refused.data)).toContain('marketer');
  });
});
