import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { homeViewAsText, type HomeView } from '../../adapters/slack/home.ts';
import { appHomeOpenedEvent, eventCallback, FakeSlack, homeBlockActionPayload, postBlockAction, postEvent } from '../fakes/slack.ts';
import { killAllBots, SPAWN_TEST_TIMEOUT_MS, type SpawnedBot, spawnSlackHttpBot } from '../helpers/spawn-bot.ts';
import { createEmptyTestStore, type TestStore } from '../helpers/store.ts';
import { homeViewProblems } from '../slack/helpers/block-kit.ts';

// The Home tab as deployed: `npm start` with environment variables only, Slack in HTTP mode against
// the fake Slack; opening the tab publishes the user's home, a button there answers in their DMs.

const BOT_TOKEN = 'xoxb-home-bot-token';
const SIGNING_SECRET = 'home-signing-secret';
const ADMIN = 'U0HOMEADMIN';

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
    env: { BOT_ADMINS: ADMIN },
  }));
});

afterAll(async () => {
  await killAllBots();
  await fake?.stop();
  await store?.close();
});

describe('npm start: the Slack Home tab', () => {
  it(
    'publishes the home of whoever opens the tab, and answers its buttons in their direct messages',
    async () => {
      await bot.ready();
      const res = await postEvent(baseUrl, SIGNING_SECRET, eventCallback(appHomeOpenedEvent(ADMIN)));
      expect(res.status).toBe(200);
      const [published] = await fake.waitFor(() => fake.callsTo('views.publish').length > 0 && fake.callsTo('views.publish'), 10_000);
      expect(published!.token).toBe(BOT_TOKEN);
      expect(published!.params.user_id).toBe(ADMIN);
      const view = published!.params.view as HomeView;
      expect(homeViewProblems(view)).toEqual([]);
      const text = homeViewAsText(view);
      expect(text).toContain('# Your growthbot home');
      expect(text).toContain('your role is *admin*');
      expect(text).toContain('[All digests → /digest list]');

      await postBlockAction(
        baseUrl,
        SIGNING_SECRET,
        homeBlockActionPayload({ actionId: 'growthbot:home:1', value: '/digest list', userId: ADMIN }),
      );
      const answer = await fake.waitFor(() => fake.callsTo('chat.postMessage').find((c) => c.params.channel === `D${ADMIN}`), 10_000);
      expect(JSON.stringify(answer.params.blocks)).toContain('No digests scheduled');
      expect(await bot.stop()).toEqual({ code: 0, signal: null });
    },
    SPAWN_TEST_TIMEOUT_MS,
  );
});
