import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, LogLevel, webApi } from '@slack/bolt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeSlack, blockActionPayload, postBlockAction, postSlashCommand, slackHttp, waitFor } from '../fakes/slack.ts';

const SECRET = 'test-signing-secret';
const TOKEN = 'xoxb-test-token';

describe('FakeSlack with a real Bolt App over HTTP', () => {
  const fake = new FakeSlack({ botToken: TOKEN });
  let app: App;
  let server: Server;
  let baseUrl: string;
  const clicks: string[] = [];

  beforeAll(async () => {
    await fake.start();
    app = new App({
      token: TOKEN,
      signingSecret: SECRET,
      logLevel: LogLevel.ERROR,
      clientOptions: { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 } },
    });
    app.command('/growth', async ({ command, ack, say, respond, client }) => {
      await ack({ response_type: 'ephemeral', text: `working on: ${command.text}` });
      await say({ text: 'from say', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: '*hi*' } }] });
      await respond({ text: 'from respond' });
      await client.chat.postMessage({ channel: command.channel_id, text: 'from client' });
    });
    app.action('do_it', async ({ ack, body, respond }) => {
      await ack();
      clicks.push(body.type);
      await respond({ text: 'clicked', replace_original: false });
    });
    server = (await app.start({ port: 0, host: '127.0.0.1' })) as Server;
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await app?.stop();
    await fake.stop();
  });

  it('answers auth.test, which the App calls on construction', async () => {
    const [call] = await waitFor(() => fake.callsTo('auth.test').length > 0 && fake.callsTo('auth.test'));
    expect(call.token).toBe(TOKEN);
  });

  it('acks a signed slash command and records say, respond and chat.postMessage', async () => {
    const res = await postSlashCommand(baseUrl, SECRET, { text: 'segments', response_url: fake.responseUrl('cmd-1') });
    expect(res).toEqual({ status: 200, body: { response_type: 'ephemeral', text: 'working on: segments' } });
    const posts = await waitFor(() => fake.callsTo('chat.postMessage').length >= 2 && fake.callsTo('chat.postMessage'));
    expect(posts[0].params).toMatchObject({ channel: 'C0FAKE001', text: 'from say' });
    expect(posts[0].params.blocks).toEqual([{ type: 'section', text: { type: 'mrkdwn', text: '*hi*' } }]);
    expect(posts[0].headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(posts[1].params).toMatchObject({ channel: 'C0FAKE001', text: 'from client' });
    expect(fake.responsesTo('cmd-1')).toEqual([{ text: 'from respond' }]);
  });

  it('rejects a bad signature and a stale timestamp with 401', async () => {
    expect((await postSlashCommand(baseUrl, SECRET, {}, { signature: 'v0=deadbeef' })).status).toBe(401);
    expect((await postSlashCommand(baseUrl, 'wrong-secret', {})).status).toBe(401);
    const stale = Math.floor(Date.now() / 1000) - 6 * 60;
    expect((await postSlashCommand(baseUrl, SECRET, {}, { timestamp: stale })).status).toBe(401);
  });

  it('routes a signed block action by action_id', async () => {
    const payload = blockActionPayload({ actionId: 'do_it', value: 'v1', responseUrl: fake.responseUrl('click-1') });
    const res = await postBlockAction(baseUrl, SECRET, payload);
    expect(res.status).toBe(200);
    await waitFor(() => fake.responsesTo('click-1').length === 1);
    expect(clicks).toEqual(['block_actions']);
    expect(fake.responsesTo('click-1')[0]).toEqual({ text: 'clicked', replace_original: false });
  });

  it('completes files.uploadV2 and serves the uploaded bytes', async () => {
    const bytes = Buffer.from('\x89PNG fake chart bytes');
    const result = (await app.client.filesUploadV2({
      channel_id: 'C0FAKE001',
      file: bytes,
      filename: 'chart.png',
      title: 'Chart',
      initial_comment: 'Here is the chart',
    })) as { ok: boolean; files: { files: { id: string }[] }[] };
    expect(result.ok).toBe(true);
    const fileId = result.files[0].files[0].id;
    const upload = fake.uploads.get(fileId)!;
    expect(upload).toMatchObject({ filename: 'chart.png', completed: true, channelId: 'C0FAKE001', initialComment: 'Here is the chart' });
    expect(upload.data!.equals(bytes)).toBe(true);
    expect(fake.callsTo('files.completeUploadExternal')[0].params.files).toEqual([{ id: fileId, title: 'Chart' }]);
  });

  it('serves a shared CSV via files.info and url_private_download with the bearer token only', async () => {
    const file = fake.addFile({ name: 'customers.csv', content: 'id,email\n1,a@example.com\n', channels: ['C0FAKE001'] });
    const info = await app.client.files.info({ file: file.id });
    const download = (info.file as { url_private_download: string }).url_private_download;
    const listed = await app.client.files.list({ channel: 'C0FAKE001', types: 'csv' });
    expect(listed.files?.map((f) => f.id)).toContain(file.id);

    const ok = await fetch(download, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(ok.headers.get('content-type')).toBe('text/csv');
    expect(await ok.text()).toBe('id,email\n1,a@example.com\n');
    const anonymous = await fetch(download);
    expect(anonymous.headers.get('content-type')).toMatch(/text\/html/);
    expect(fake.downloads.map((d) => d.authorized)).toEqual([true, false]);
  });

  it('turns {ok:false} into a WebAPIPlatformError', async () => {
    fake.on('chat.postMessage', () => ({ ok: false, error: 'not_in_channel' }));
    try {
      await expect(app.client.chat.postMessage({ channel: 'C0PRIVATE', text: 'x' })).rejects.toMatchObject({
        code: 'slack_webapi_platform_error',
        data: { error: 'not_in_channel' },
      });
    } finally {
      fake.off('chat.postMessage');
    }
  });

  it('lets a WebClient with retries ride out a 429 with Retry-After', async () => {
    const retrying = new App({
      token: TOKEN,
      signingSecret: SECRET,
      logLevel: LogLevel.ERROR,
      botId: 'B0FAKEBOT',
      botUserId: 'U0FAKEBOT',
      clientOptions: { slackApiUrl: fake.apiUrl, retryConfig: { retries: 2, minTimeout: 10, maxTimeout: 50 } },
    });
    const before = fake.callsTo('chat.update').length;
    fake.rateLimit('chat.update', 1, 1);
    try {
      const started = Date.now();
      const res = await retrying.client.chat.update({ channel: 'C0FAKE001', ts: '1.2', text: 'edited' });
      expect(res.ok).toBe(true);
      expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
      expect(fake.callsTo('chat.update').length - before).toBe(2);
    } finally {
      fake.off('chat.update');
    }
    // A client that rejects rate-limited calls surfaces the 429 with its Retry-After.
    const rejecting = new webApi.WebClient(TOKEN, {
      slackApiUrl: fake.apiUrl,
      rejectRateLimitedCalls: true,
      retryConfig: { retries: 0 },
      logLevel: LogLevel.ERROR,
    });
    fake.on('chat.update', () => slackHttp(429, undefined, { 'Retry-After': '30' }));
    try {
      await expect(rejecting.chat.update({ channel: 'C0FAKE001', ts: '1.2', text: 'x' })).rejects.toMatchObject({
        code: 'slack_webapi_rate_limited_error',
        retryAfter: 30,
      });
    } finally {
      fake.off('chat.update');
    }
  });
});
