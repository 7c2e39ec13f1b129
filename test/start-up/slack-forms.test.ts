import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeSlack, postSlashCommand } from '../fakes/slack.ts';
import { postViewSubmission, type SentModal } from '../fakes/slack-requests.ts';
import { expectValidModal } from '../helpers/modal-text.ts';
import { killAllBots, SPAWN_TEST_TIMEOUT_MS, type SpawnedBot, spawnSlackHttpBot } from '../helpers/spawn-bot.ts';
import { createEmptyTestStore, type TestStore } from '../helpers/store.ts';

// The deployed program (npm start, env vars only) in Slack HTTP mode: /campaign create opens its
// form, the view_submission answers (preview, then save) come back in the HTTP response.

const BOT_TOKEN = 'xoxb-forms-bot-token';
const SIGNING_SECRET = 'forms-signing-secret';
const ADMIN = 'U0FORMADMIN';

let fake: FakeSlack;
let store: TestStore;
let bot: SpawnedBot;
let baseUrl: string;

beforeAll(async () => {
  fake = new FakeSlack({ botToken: BOT_TOKEN });
  await fake.start();
  store = await createEmptyTestStore();
  ({ bot, baseUrl } = await spawnSlackHttpBot({
    databaseUrl: store.url,
    apiUrl: fake.apiUrl,
    botToken: BOT_TOKEN,
    signingSecret: SIGNING_SECRET,
    env: { BOT_ADMINS: ADMIN, UNSUBSCRIBE_URL: 'https://example.com/u' },
  }));
});

afterAll(async () => {
  await killAllBots();
  await fake?.stop();
  await store?.close();
});

describe('npm start with Slack in HTTP mode: forms', () => {
  it(
    '/campaign create opens its form; the preview and the save are answered in the view_submission response',
    async () => {
      await bot.ready();
      const ack = await postSlashCommand(baseUrl, SIGNING_SECRET, {
        command: '/campaign',
        text: 'create',
        user_id: ADMIN,
        channel_id: 'C0FORMS',
        trigger_id: 'trigger-deployed',
      });
      expect(ack).toEqual({ status: 200, body: '' });
      const open = await fake.waitFor(() => fake.callsTo('views.open')[0], 10_000);
      expect(open.params.trigger_id).toBe('trigger-deployed');
      const form = open.params.view as SentModal;
      expectValidModal(form);

      const values = { name: 'Deployed form', segment: 'all', message: 'Hello from the form' };
      const previewed = await postViewSubmission(baseUrl, SIGNING_SECRET, form, values, { userId: ADMIN });
      const update = previewed.body as { response_action: string; view: SentModal };
      expect(update.response_action).toBe('update');
      expect(JSON.stringify(update.view.blocks)).toContain('Hello from the form');

      const saved = await postViewSubmission(baseUrl, SIGNING_SECRET, update.view, {}, { userId: ADMIN });
      expect(saved).toEqual({ status: 200, body: '' });
      const post = await fake.waitFor(
        () =>
          fake
            .callsTo('chat.postMessage')
            .find((c) => c.params.channel === 'C0FORMS' && JSON.stringify(c.params.blocks).includes('Draft created')),
        10_000,
      );
      expect(post).toBeDefined();
      const rows = await store.db.selectFrom('campaigns').select(['name', 'segment', 'message', 'created_by']).execute();
      expect(rows).toEqual([{ name: 'Deployed form', segment: 'all', message: 'Hello from the form', created_by: ADMIN }]);
    },
    SPAWN_TEST_TIMEOUT_MS,
  );
});
