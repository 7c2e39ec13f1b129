import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { homeViewAsText } from '../../adapters/slack/home.ts';
import { appHomeOpenedEvent, eventCallback, homeBlockActionPayload, postBlockAction, postEvent, type SlackCall } from '../fakes/slack.ts';
import { ADMIN, seedHome, type SeededHome } from '../home/seed.ts';
import { homeViewProblems } from './helpers/block-kit.ts';
import { blockTexts, SIGNING_SECRET, startHarness, type SlackHarness } from './helpers/slack-harness.ts';

// The Home tab through the real Bolt app against the fake Slack: app_home_opened runs /home as the
// user and views.publish shows it; a button clicked there has no channel, so its command runs and is
// answered in the user's direct messages with the app.

type PublishedView = { type: string; blocks: { type: string }[] };

const publishedFor = (h: SlackHarness, userId: string): SlackCall[] =>
  h.fake.callsTo('views.publish').filter((call) => call.params.user_id === userId);

async function openHome(h: SlackHarness, userId: string, send: () => Promise<unknown>): Promise<PublishedView> {
  const before = publishedFor(h, userId).length;
  await send();
  const calls = await h.fake.waitFor(() => publishedFor(h, userId).length > before && publishedFor(h, userId));
  const view = calls.at(-1)!.params.view as PublishedView;
  expect(homeViewProblems(view)).toEqual([]);
  return view;
}

async function auditOf(h: SlackHarness, userId: string) {
  await h.bot.settled();
  return h.store.db.selectFrom('audit_log').select(['command', 'outcome']).where('user_id', '=', userId).orderBy('id').execute();
}

describe('Slack Home tab, HTTP mode', () => {
  let h: SlackHarness;
  let seeded: SeededHome;

  beforeAll(async () => {
    h = await startHarness({ mode: 'http', env: { BOT_ADMINS: ADMIN } });
    seeded = await seedHome(h.bot);
  });

  afterAll(async () => {
    await h?.close();
  });

  it('app_home_opened publishes the approver’s home: requests waiting for them with Approve buttons, audited as /home', async () => {
    const view = await openHome(h, 'UAPPROVE', () => postEvent(h.baseUrl, SIGNING_SECRET, eventCallback(appHomeOpenedEvent('UAPPROVE'))));
    expect(view.type).toBe('home');
    const text = homeViewAsText(view as never);
    console.log(`--- views.publish for UAPPROVE ---\n${text}`);
    expect(text).toContain('*Waiting for your approval*');
    expect(text).toMatch(new RegExp(`\\[Approve #${seeded.pending} → /campaign approve ${seeded.pending} request=\\d+\\]`));
    expect(text).not.toContain(`Approve #${seeded.approversOwn}`);
    expect((await auditOf(h, 'UAPPROVE')).at(-1)).toEqual({ command: 'home', outcome: 'ok' });
  });

  it('opening the Messages tab publishes nothing', async () => {
    const before = h.fake.callsTo('views.publish').length;
    const res = await postEvent(h.baseUrl, SIGNING_SECRET, eventCallback(appHomeOpenedEvent('UMARKET', 'messages')));
    expect(res.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(h.fake.callsTo('views.publish')).toHaveLength(before);
  });

  it('refuses an unsigned app_home_opened', async () => {
    const before = h.fake.callsTo('views.publish').length;
    const res = await postEvent(h.baseUrl, 'not-the-secret', eventCallback(appHomeOpenedEvent('UAPPROVE')));
    expect(res.status).toBe(401);
    expect(h.fake.callsTo('views.publish')).toHaveLength(before);
  });

  it('a marketer’s home shows their campaigns with delivery counts and who to ask for the approver role', async () => {
    const view = await openHome(h, 'UMARKET', () => postEvent(h.baseUrl, SIGNING_SECRET, eventCallback(appHomeOpenedEvent('UMARKET'))));
    const text = homeViewAsText(view as never);
    expect(text).toContain('Autumn promo');
    expect(text).toMatch(/sent: \d+ sent · 0 waiting · 0 failed/);
    expect(text).toContain(`needs the *approver* role: ask <@${ADMIN}>`);
  });

  it('a button in the Home tab runs its command as the clicker and answers in their direct messages', async () => {
    const view = await openHome(h, 'UAPPROVE', () => postEvent(h.baseUrl, SIGNING_SECRET, eventCallback(appHomeOpenedEvent('UAPPROVE'))));
    const approve = (view.blocks as { type: string; elements?: { action_id: string; value: string; text: { text: string } }[] }[])
      .flatMap((b) => b.elements ?? [])
      .find((e) => e.text.text === `Approve #${seeded.othersPending}`)!;
    const posts = h.fake.callsTo('chat.postMessage').length;
    const click = await postBlockAction(
      h.baseUrl,
      SIGNING_SECRET,
      homeBlockActionPayload({ actionId: approve.action_id, value: approve.value, userId: 'UAPPROVE' }),
    );
    expect(click.status).toBe(200);
    const answer = await h.fake.waitFor(() =>
      h.fake
        .callsTo('chat.postMessage')
        .slice(posts)
        .find((c) => c.params.channel === 'DUAPPROVE'),
    );
    expect(h.fake.callsTo('conversations.open').at(-1)!.params.users).toBe('UAPPROVE');
    expect(blockTexts(answer.params.blocks)).toContain(`#${seeded.othersPending}`);
    const campaign = await h.store.db
      .selectFrom('campaigns')
      .select('state')
      .where('id', '=', seeded.othersPending)
      .executeTakeFirstOrThrow();
    expect(campaign.state).toBe('approved');
  });

  it('the same button clicked by someone without the approver role is refused, to them alone, in their direct messages', async () => {
    const ephemerals = h.fake.callsTo('chat.postEphemeral').length;
    await postBlockAction(
      h.baseUrl,
      SIGNING_SECRET,
      homeBlockActionPayload({ actionId: 'growthbot:home:0', value: `/campaign approve ${seeded.pending}`, userId: 'UMARKET' }),
    );
    const refusal = await h.fake.waitFor(() => h.fake.callsTo('chat.postEphemeral').slice(ephemerals)[0]);
    expect(refusal.params).toMatchObject({ channel: 'DUMARKET', user: 'UMARKET' });
    expect(blockTexts(refusal.params.blocks)).toContain('needs the *approver* role');
    const campaign = await h.store.db.selectFrom('campaigns').select('state').where('id', '=', seeded.pending).executeTakeFirstOrThrow();
    expect(campaign.state).toBe('pending_approval');
    expect((await auditOf(h, 'UMARKET')).at(-1)).toEqual({ command: 'campaign approve', outcome: 'denied' });
  });
});

describe('Slack Home tab, Socket Mode', () => {
  let h: SlackHarness;

  beforeAll(async () => {
    h = await startHarness({ mode: 'socket', env: { BOT_ADMINS: ADMIN } });
    await seedHome(h.bot);
  });

  afterAll(async () => {
    await h?.close();
  });

  it('an events_api envelope with app_home_opened publishes the home', async () => {
    const view = await openHome(h, ADMIN, () => h.sendEnvelope('events_api', eventCallback(appHomeOpenedEvent(ADMIN))));
    const text = homeViewAsText(view as never);
    expect(text).toContain('*Your digests*');
    expect(text).toMatch(/\[Digest #\d+ runs → \/digest runs \d+\]/);
  });
});
