import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postSlashCommand } from '../fakes/slack-requests.ts';
import { FakeSlack } from '../fakes/slack.ts';
import { waitFor } from '../fakes/wait-for.ts';
import { createTestStore, type TestStore } from '../helpers/store.ts';
import { startBot } from './run-bot.ts';
import { SlowFeed } from './slow-feed.ts';

// The real program in Slack HTTP mode against FakeSlack: /healthz on PORT and HEALTH_PORT, then a SIGTERM while an import runs.
const BOT_TOKEN = 'xoxb-health-test';
const SECRET = 'health-signing-secret';

let store: TestStore;
let slack: FakeSlack;
let feed: SlowFeed;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function healthz(port: number): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`http://127.0.0.1:${port}/healthz`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  store = await createTestStore();
  slack = new FakeSlack({ botToken: BOT_TOKEN });
  await slack.start();
  feed = new SlowFeed();
  await feed.start();
});

afterAll(async () => {
  await feed.stop();
  await slack.stop();
  await store.close();
});

describe('/healthz and shutdown in Slack HTTP mode', { timeout: 240_000 }, () => {
  it('answers 200 when ready, 503 while stopping; new commands are refused; the running one finishes', async () => {
    const port = await freePort();
    const healthPort = await freePort();
    const bot = startBot({
      DATABASE_URL: store.url,
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: slack.apiUrl,
      PORT: String(port),
      HEALTH_PORT: String(healthPort),
      BOT_ADMINS: 'U0MARKETER',
      SHUTDOWN_GRACE_S: '120',
      // the slow feed is on 127.0.0.1 over http: allowed by name, as an admin would allow an internal source
      IMPORT_ALLOW_HTTP: 'true',
      IMPORT_URL_ALLOW: new URL(feed.url).host,
    });
    await bot.waitForOutput(/growthbot is running/, 'stderr');
    for (const where of [port, healthPort]) {
      const { status, body } = await healthz(where);
      expect(status).toBe(200);
      expect(body).toMatchObject({ status: 'ok', store: 'ok', adapters: { slack: 'ok', discord: 'off' }, version: '0.1.0' });
      expect(body.uptime_s).toEqual(expect.any(Number));
    }

    const baseUrl = `http://127.0.0.1:${port}`;
    const ack = await postSlashCommand(baseUrl, SECRET, {
      command: '/import',
      text: `orders ${feed.url}`,
      response_url: slack.responseUrl('import'),
    });
    expect(ack.status).toBe(200);
    await feed.requested();
    bot.child.kill('SIGTERM');

    const posts = () =>
      slack.callsTo('chat.postMessage').map((call) => (call.params.blocks ? JSON.stringify(call.params.blocks) : String(call.params.text)));
    await waitFor(() => posts().some((text) => text.includes('The bot is restarting')), 60_000);
    expect(posts().find((text) => text.includes('The bot is restarting'))).toMatch(
      /<@U0MARKETER> The bot is restarting\. Your \/import orders may run 120 s more/,
    );
    const stopping = await healthz(healthPort);
    expect(stopping.status).toBe(503);
    expect(stopping.body.status).toBe('stopping');
    expect((await healthz(port)).status).toBe(503);

    const refused = await postSlashCommand(baseUrl, SECRET, { command: '/help', text: '', response_url: slack.responseUrl('late') });
    expect(JSON.stringify(refused.body) + JSON.stringify(slack.responsesTo('late'))).toMatch(
      /The bot is restarting and takes no new commands right now/,
    );

    feed.finish();
    const { code } = await bot.exited;
    expect(code).toBe(0);
    // long commands post a progress message and update it with the answer
    expect(JSON.stringify(slack.callsTo('chat.update').at(-1)?.params)).toMatch(/6 rows read: 6 orders inserted/);
  });
});
