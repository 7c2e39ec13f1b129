import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeDiscord } from '../fakes/discord.ts';
import { FakeSlack } from '../fakes/slack.ts';
import { createTestStore, type TestStore } from '../helpers/store.ts';
import { runBotToEnd, STACK_LINE } from './run-bot.ts';

// Each case starts the real program (as `npm start` does) and expects one plain sentence and a non-zero exit.
const BOT_TOKEN = 'xoxb-good-token';
const DISCORD_TOKEN = 'discord-good-token';

let store: TestStore;
let slack: FakeSlack;
let discord: FakeDiscord;
let busy: Server;
let busyPort: number;
/** A port nothing listens on: connections are refused at once. */
let closedPort: number;

beforeAll(async () => {
  store = await createTestStore();
  slack = new FakeSlack({ botToken: BOT_TOKEN });
  await slack.start();
  discord = new FakeDiscord({ token: DISCORD_TOKEN });
  await discord.start();
  busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, '0.0.0.0', resolve));
  busyPort = (busy.address() as { port: number }).port;
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  closedPort = (probe.address() as { port: number }).port;
  await new Promise((resolve) => probe.close(resolve));
});

afterAll(async () => {
  await slack.stop();
  await discord.stop();
  await new Promise((resolve) => busy.close(resolve));
  await store.close();
});

function expectOneSentence(stderr: string, pattern: RegExp): void {
  expect(stderr).toMatch(pattern);
  expect(stderr).not.toMatch(STACK_LINE);
  expect(stderr).not.toMatch(/"level":"(error|fatal)"/);
}

// Child processes on a shared 2-core machine take a while to load: generous time limits, no timing assertions.
describe('a start-up failure is one plain sentence and a non-zero exit', { timeout: 180_000 }, () => {
  it('an invalid setting names the variable and what it should be', async () => {
    const run = await runBotToEnd({ DATABASE_URL: store.url, PORT: 'eighty' });
    expect(run.code).toBe(2);
    expectOneSentence(run.stderr, /PORT: .*expected number/);
    expectOneSentence(run.stderr, /Fix these variables in your environment or \.env file/);
  });

  it('a missing setting names the variable to set', async () => {
    const run = await runBotToEnd({ DATABASE_URL: store.url, SLACK_SIGNING_SECRET: 'secret' });
    expect(run.code).toBe(2);
    expectOneSentence(run.stderr, /SLACK_BOT_TOKEN: is missing: set it to the xoxb- bot token/);
  });

  it('a Slack bot token the platform refuses names SLACK_BOT_TOKEN', async () => {
    const run = await runBotToEnd({
      DATABASE_URL: store.url,
      SLACK_BOT_TOKEN: 'xoxb-revoked-token',
      SLACK_SIGNING_SECRET: 'secret',
      SLACK_API_URL: slack.apiUrl,
      PORT: '0',
    });
    expect(run.code).toBe(2);
    expectOneSentence(run.stderr, /^SLACK_BOT_TOKEN was rejected by Slack \(invalid_auth\): copy the current Bot User OAuth Token/m);
  });

  it('a Discord token the platform refuses (401) names DISCORD_TOKEN', async () => {
    const run = await runBotToEnd({
      DATABASE_URL: store.url,
      DISCORD_TOKEN: 'discord-revoked-token',
      DISCORD_APP_ID: discord.applicationId,
      DISCORD_API_URL: discord.apiUrl,
      PORT: '0',
    });
    expect(run.code).toBe(2);
    expectOneSentence(run.stderr, /^DISCORD_TOKEN was rejected by Discord \(401 Unauthorized\): copy the current bot token/m);
  });

  it('a platform that cannot be reached names the setting to check', async () => {
    const run = await runBotToEnd({
      DATABASE_URL: store.url,
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: 'secret',
      SLACK_API_URL: `http://127.0.0.1:${closedPort}/api/`,
      PORT: '0',
    });
    expect(run.code).toBe(1);
    expectOneSentence(run.stderr, /^Slack could not be reached at SLACK_API_URL=.*: check the network connection and SLACK_API_URL/m);
  });

  it('a SQLite file that cannot be opened names DATABASE_URL and what to do', async () => {
    const blocker = path.join(store.dir, 'not-a-folder');
    writeFileSync(blocker, 'a file where a folder should be');
    const run = await runBotToEnd({ DATABASE_URL: `sqlite:${blocker}/bot.db` });
    expect(run.code).toBe(1);
    expectOneSentence(
      run.stderr,
      /^The database DATABASE_URL=sqlite:.*not-a-folder\/bot\.db could not be opened \(.*\): make sure the folder/m,
    );
  });

  it('a PostgreSQL server that refuses connections names DATABASE_URL, without its password', async () => {
    const run = await runBotToEnd({ DATABASE_URL: `postgres://growth:s3cret@127.0.0.1:${closedPort}/growth` });
    expect(run.code).toBe(1);
    expectOneSentence(run.stderr, /^The database DATABASE_URL=postgres:\/\/growth:\*\*\*@127\.0\.0\.1:\d+\/growth could not be opened/m);
    expect(run.stderr).not.toContain('s3cret');
  });

  it('a port in use names PORT (Slack HTTP mode)', async () => {
    const run = await runBotToEnd({
      DATABASE_URL: store.url,
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: 'secret',
      SLACK_API_URL: slack.apiUrl,
      PORT: String(busyPort),
    });
    expect(run.code).toBe(1);
    expectOneSentence(
      run.stderr,
      new RegExp(`^Port ${busyPort} \\(PORT\\) is already in use by another program: stop that program or set PORT to a free port\\.`, 'm'),
    );
  });

  it('a port in use names HEALTH_PORT', async () => {
    const run = await runBotToEnd({ DATABASE_URL: store.url, HEALTH_PORT: String(busyPort) });
    expect(run.code).toBe(1);
    expectOneSentence(run.stderr, new RegExp(`^Port ${busyPort} \\(HEALTH_PORT\\) is already in use`, 'm'));
  });
});
