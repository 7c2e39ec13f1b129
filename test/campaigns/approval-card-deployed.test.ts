import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blockActionPayload, FakeSlack, postBlockAction, postSlashCommand } from '../fakes/slack.ts';
import { askModalSubmissionPayload } from '../fakes/slack-requests.ts';
import { killAllBots, SPAWN_TEST_TIMEOUT_MS, type SpawnedBot, spawnSlackHttpBot } from '../helpers/spawn-bot.ts';
import { createTestStore, type TestStore } from '../helpers/store.ts';
import { ids, seedCustomers, seedSegment } from './fixtures.ts';

// #21.2 as deployed: `npm start` with env vars only, Slack in HTTP mode against the fake. A campaign is
// submitted by slash command, rejected through the card's Reject button and its reason modal; the card
// is updated in place and the requester is told in its thread.

const BOT_TOKEN = 'xoxb-cards-bot-token';
const SIGNING_SECRET = 'cards-signing-secret';
const CHANNEL = 'C0CARDS';
const MARKETER = 'U0MARKETER';
const APPROVER = 'U0APPROVER';
// a loaded machine: tsx-compiled bot, shared cores (as in test/start-up/chat-flows.ts)
const ANSWER_TIMEOUT_MS = 45_000;

let fake: FakeSlack;
let store: TestStore;
let bot: SpawnedBot;
let baseUrl: string;

beforeAll(async () => {
  fake = new FakeSlack({ botToken: BOT_TOKEN });
  await fake.start();
  store = await createTestStore();
  const members = ids('d', 5);
  await seedCustomers(
    store.db,
    members.map((id) => ({ id })),
  );
  await seedSegment(store.db, 'loyal', members);
  const at = '2026-11-01T00:00:00.000Z';
  await store.db
    .insertInto('role_grants')
    .values([
      { platform: 'slack', user_id: MARKETER, role: 'marketer', granted_by: 'seed', granted_at: at },
      { platform: 'slack', user_id: APPROVER, role: 'approver', granted_by: 'seed', granted_at: at },
    ])
    .execute();
  ({ bot, baseUrl } = await spawnSlackHttpBot({
    databaseUrl: store.url,
    apiUrl: fake.apiUrl,
    botToken: BOT_TOKEN,
    signingSecret: SIGNING_SECRET,
    env: { LOG_LEVEL: 'info' },
  }));
});

afterAll(async () => {
  await killAllBots();
  await fake?.stop();
  await store?.close();
});

async function slash(text: string, response: string): Promise<void> {
  const result = await postSlashCommand(baseUrl, SIGNING_SECRET, {
    command: '/campaign',
    text,
    channel_id: CHANNEL,
    user_id: MARKETER,
    response_url: fake.responseUrl(response),
  });
  expect(result.status).toBe(200);
}

type Button = { action_id: string; value: string; confirm?: unknown };

describe('npm start: an approval card rejected through its reason modal', () => {
  it(
    'submit by slash command, Reject → modal → submission: card updated in place, requester told in its thread',
    async () => {
      await bot.ready();
      await slash('create name=Deployed segment=loyal channel=log message=hello', 'create');
      await fake.waitFor(() => fake.responsesTo('create').length > 0, ANSWER_TIMEOUT_MS);
      await slash('submit Deployed', 'submit');
      const card = await fake.waitFor(
        () =>
          fake
            .callsTo('chat.postMessage')
            .find((c) => c.params.channel === CHANNEL && JSON.stringify(c.params.blocks).includes('"actions"')),
        ANSWER_TIMEOUT_MS,
      );
      // the card's ts, as the bot stores it with the request once chat.postMessage has answered
      let ts: string | undefined;
      const deadline = Date.now() + ANSWER_TIMEOUT_MS;
      while (!ts && Date.now() < deadline) {
        const request = await store.db.selectFrom('campaign_approval_requests').select('card_messages').executeTakeFirst();
        ts = (JSON.parse(request?.card_messages ?? '[]') as string[])[0];
        if (!ts) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(ts).toBeDefined();
      const buttons = (card.params.blocks as { type: string; elements?: Button[] }[])
        .filter((b) => b.type === 'actions')
        .flatMap((b) => b.elements ?? []);
      const reject = buttons.find((b) => b.action_id.includes(':ask=reason'))!;
      expect(reject.confirm).toBeDefined();
      expect(buttons.find((b) => b.action_id === 'growthbot:0')!.confirm).toBeDefined();

      const payload = blockActionPayload({
        actionId: reject.action_id,
        value: reject.value,
        userId: APPROVER,
        channelId: CHANNEL,
        responseUrl: fake.responseUrl('reject-click'),
        messageTs: ts!,
      });
      expect((await postBlockAction(baseUrl, SIGNING_SECRET, payload)).status).toBe(200);
      const open = await fake.waitFor(() => fake.callsTo('views.open')[0], ANSWER_TIMEOUT_MS);
      const submitted = await postBlockAction(
        baseUrl,
        SIGNING_SECRET,
        askModalSubmissionPayload({ view: open.params.view as never, answers: { reason: 'Too broad for December' }, userId: APPROVER }),
      );
      expect(submitted.status).toBe(200);

      const update = await fake.waitFor(() => fake.callsTo('chat.update').find((c) => c.params.ts === ts), ANSWER_TIMEOUT_MS);
      const cardText = JSON.stringify(update.params.blocks);
      expect(cardText).toContain(`Rejected by <@${APPROVER}>`);
      expect(cardText).toContain('Too broad for December');
      expect(cardText).not.toContain('"actions"');
      const notice = await fake.waitFor(() => fake.callsTo('chat.postMessage').find((c) => c.params.thread_ts === ts), ANSWER_TIMEOUT_MS);
      expect(JSON.stringify(notice.params.blocks)).toContain(`<@${MARKETER}> your approval request`);

      const row = await store.db.selectFrom('campaigns').selectAll().where('name', '=', 'Deployed').executeTakeFirstOrThrow();
      expect(row).toMatchObject({ state: 'rejected', decided_by: APPROVER, decision_reason: 'Too broad for December' });
    },
    SPAWN_TEST_TIMEOUT_MS,
  );

  it(
    'exits with code 0 on SIGTERM',
    async () => {
      expect(await bot.stop()).toEqual({ code: 0, signal: null });
    },
    SPAWN_TEST_TIMEOUT_MS,
  );
});
