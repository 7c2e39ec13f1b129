import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postSlashCommand } from '../fakes/slack.ts';
import { postViewSubmission, type SentModal } from '../fakes/slack-requests.ts';
import { ids, seedCustomers, seedSegment } from '../campaigns/fixtures.ts';
import { expectValidModal, modalAsText, writeDump } from '../helpers/modal-text.ts';
import { blockTexts, SIGNING_SECRET, startHarness, type SlackHarness } from './helpers/slack-harness.ts';

// Commands as Slack modals, through the real Bolt (HTTP mode) against the fake Slack: views.open from
// the slash command's trigger_id, view_submission answered with field errors, a preview, then the run.

let h: SlackHarness;

beforeAll(async () => {
  h = await startHarness({ mode: 'http', env: { UNSUBSCRIBE_URL: 'https://example.com/unsubscribe' } });
  const at = '2026-11-01T00:00:00.000Z';
  await h.store.db
    .insertInto('role_grants')
    .values([
      { platform: 'slack', user_id: 'U0MARKETER', role: 'marketer', granted_by: 'seed', granted_at: at },
      { platform: 'slack', user_id: 'U0VIEWER', role: 'viewer', granted_by: 'seed', granted_at: at },
    ])
    .execute();
  const members = ids('c', 6);
  await seedCustomers(
    h.store.db,
    members.map((id) => ({ id })),
  );
  await seedSegment(h.store.db, 'loyal', members);
});

afterAll(async () => {
  await h?.close();
});

const slash = (command: string, text: string, userId = 'U0MARKETER') =>
  postSlashCommand(h.baseUrl, SIGNING_SECRET, { command, text, user_id: userId, trigger_id: `trigger-${command}-${text}` });

async function openedModal(count: number): Promise<{ trigger: string; view: SentModal & Record<string, any> }> {
  const call = await h.fake.waitFor(() => h.fake.callsTo('views.open')[count - 1]);
  return { trigger: String(call.params.trigger_id), view: call.params.view as SentModal & Record<string, any> };
}

const inputs = (view: SentModal) => view.blocks.filter((b) => b.type === 'input');
const submit = (view: SentModal, values: Record<string, string>, userId?: string) =>
  postViewSubmission(h.baseUrl, SIGNING_SECRET, view, values, userId ? { userId } : {});

describe('Slack forms', () => {
  let createForm: SentModal & Record<string, any>;
  let preview: SentModal & Record<string, any>;

  it('/campaign create with no options opens its form with the trigger_id: selects, number bounds, a multi-line message', async () => {
    const ack = await slash('/campaign', 'create');
    expect(ack).toEqual({ status: 200, body: '' });
    const { trigger, view } = await openedModal(1);
    expect(trigger).toBe('trigger-/campaign-create');
    expectValidModal(view);
    createForm = view;
    const byId = Object.fromEntries(inputs(view).map((b) => [b.block_id, b]));
    expect(Object.keys(byId)).toEqual([
      'name',
      'segment',
      'audience',
      'channel',
      'message',
      'subject',
      'budget',
      'cost_per_send',
      'holdout',
      'window',
      'start',
      'p_alive_below',
      'purchases_above',
      'private',
    ]);
    expect(byId.name).toMatchObject({ optional: false, label: { text: 'Name' }, element: { type: 'plain_text_input', max_length: 80 } });
    expect(byId.message!.element).toMatchObject({ type: 'plain_text_input', multiline: true });
    expect((byId.segment!.element!.options as { value: string }[]).map((o) => o.value)).toEqual(['all', 'loyal']);
    expect(byId.channel!.element).toMatchObject({ type: 'static_select', initial_option: { value: 'log' } });
    expect(byId.budget!.element).toMatchObject({ type: 'number_input', is_decimal_allowed: true, min_value: '0' });
    expect(byId.private!.element).toMatchObject({ type: 'static_select' });
    expect(JSON.parse(view.private_metadata!)).toEqual({ p: 'campaign create', c: 'C0FAKE001' });
    expect(view.submit).toEqual({ type: 'plain_text', text: 'Preview' });
    writeDump('slack-campaign-create-form', modalAsText(view));
  });

  it('answers a submission with missing and invalid values with errors beside the fields', async () => {
    const empty = await submit(createForm, {});
    expect(empty.status).toBe(200);
    expect(empty.body).toMatchObject({
      response_action: 'errors',
      errors: { name: expect.stringContaining('Missing name') },
    });
    // a segment or a predicted audience: without either, the form says who is missing beside the segment
    const nobody = await submit(createForm, { name: 'Winter winback' });
    expect(nobody.body).toEqual({
      response_action: 'errors',
      errors: { segment: expect.stringContaining('Who should the campaign go to?') },
    });

    const badHoldout = await submit(createForm, { name: 'Winter winback', segment: 'loyal', holdout: '80%' });
    expect(badHoldout.body).toEqual({
      response_action: 'errors',
      errors: { holdout: expect.stringContaining('holdout must be a percentage from 0% to 50%') },
    });

    const digits = await submit(createForm, { name: '1234', segment: 'loyal' });
    expect(digits.body).toEqual({ response_action: 'errors', errors: { name: expect.stringContaining('only digits') } });
    expect(await h.store.db.selectFrom('campaigns').selectAll().execute()).toEqual([]);
  });

  it('previews the rendered email (subject, greeting filled for a sample customer, unsubscribe link) before saving', async () => {
    const result = await submit(createForm, {
      name: 'Winter winback',
      segment: 'loyal',
      channel: 'email',
      subject: 'We miss you',
      message: 'Come back for 20% off.\nThis week only.',
    });
    const body = result.body as { response_action: string; view: SentModal & Record<string, any> };
    expect(body.response_action).toBe('update');
    preview = body.view;
    expectValidModal(preview);
    const text = blockTexts(preview.blocks);
    expect(text).toContain('We miss you');
    expect(text).toContain('Hi Customer c001');
    expect(text).toContain('Come back for 20% off.');
    expect(text).toContain('https://example.com/unsubscribe?campaign=NEW&amp;customer=c001'); // escaped for mrkdwn
    expect(preview.submit).toEqual({ type: 'plain_text', text: 'Save' });
    // the values stay in the form, editable
    const message = inputs(preview).find((b) => b.block_id === 'message')!;
    expect(message.element!.initial_value).toBe('Come back for 20% off.\nThis week only.');
    writeDump('slack-campaign-create-preview', modalAsText(preview));
    expect(await h.store.db.selectFrom('campaigns').selectAll().execute()).toEqual([]);
  });

  it('a changed value after the preview is previewed again; Save creates the draft through the same command, audited', async () => {
    const changed = await submit(preview, { subject: 'We really miss you' });
    const again = (changed.body as { response_action: string; view: SentModal }).view;
    expect((changed.body as { response_action: string }).response_action).toBe('update');
    expect(blockTexts(again.blocks)).toContain('We really miss you');

    const posts = h.fake.callsTo('chat.postMessage').length;
    const saved = await submit(again, {});
    expect(saved).toEqual({ status: 200, body: '' });
    await h.adapter.idle();
    const campaigns = await h.store.db.selectFrom('campaigns').selectAll().execute();
    expect(campaigns).toHaveLength(1);
    expect(campaigns[0]).toMatchObject({
      name: 'Winter winback',
      segment: 'loyal',
      channel: 'email',
      subject: 'We really miss you',
      message: 'Come back for 20% off.\nThis week only.',
      created_by: 'U0MARKETER',
      created_channel: 'C0FAKE001',
    });
    const post = h.fake
      .callsTo('chat.postMessage')
      .slice(posts)
      .find((c) => c.params.channel === 'C0FAKE001')!;
    expect(blockTexts(post.params.blocks)).toContain('Draft created');
    const audit = await h.store.db.selectFrom('audit_log').selectAll().where('command', '=', 'campaign create').execute();
    // the empty submission was refused by validation (audited as any refusal); the save ran once
    expect(audit.map((a) => a.outcome)).toEqual(['user_error', 'ok']);
  });

  it('opens any command’s form with the word form, values typed before it kept', async () => {
    await slash('/segment', 'run k=4 form');
    const { view } = await openedModal(2);
    expectValidModal(view);
    const byId = Object.fromEntries(inputs(view).map((b) => [b.block_id, b]));
    expect(byId.method!.element).toMatchObject({ type: 'static_select' });
    expect(byId.k!.element).toMatchObject({ type: 'plain_text_input', initial_value: '4' });
    writeDump('slack-segment-run-form', modalAsText(view));
  });

  it('a form without a preview runs at once: /campaign show with a campaign chosen from the stored names', async () => {
    await slash('/campaign', 'show');
    const { view } = await openedModal(3);
    expectValidModal(view);
    const campaign = inputs(view).find((b) => b.block_id === 'campaign')!;
    expect(campaign.element!.options).toEqual([{ text: { type: 'plain_text', text: '#1 Winter winback (draft)' }, value: '1' }]);
    expect(view.submit).toEqual({ type: 'plain_text', text: 'Run' });
    writeDump('slack-campaign-show-form', modalAsText(view));
    const posts = h.fake.callsTo('chat.postMessage').length;
    const result = await submit(view, { campaign: '1' });
    expect(result).toEqual({ status: 200, body: '' });
    await h.adapter.idle();
    const post = await h.fake.waitFor(() => h.fake.callsTo('chat.postMessage').slice(posts)[0]);
    expect(blockTexts(post.params.blocks)).toContain('Winter winback');
  });

  it('checks the role before opening a form, and again on submission', async () => {
    const refused = await slash('/campaign', 'create', 'U0VIEWER');
    expect(JSON.stringify(refused.body)).toContain('needs the *marketer* role');
    expect(h.fake.callsTo('views.open')).toHaveLength(3);
    const forged = await submit(createForm, { name: 'Sneaky', segment: 'loyal' }, 'U0VIEWER');
    expect(forged.body).toEqual({ response_action: 'errors', errors: { name: expect.stringContaining('needs the marketer role') } });
  });

  it('a line with every required option runs as typed (no form)', async () => {
    const opened = h.fake.callsTo('views.open').length;
    await slash('/campaign', 'list');
    await h.adapter.idle();
    expect(h.fake.callsTo('views.open')).toHaveLength(opened);
  });
});
