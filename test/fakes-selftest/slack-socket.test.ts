import { App, LogLevel } from '@slack/bolt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeSlack, slashCommandFields, waitFor } from '../fakes/slack.ts';

describe('FakeSlack with a real Bolt App in Socket Mode', () => {
  const fake = new FakeSlack({ botToken: 'xoxb-test', appToken: 'xapp-1-test' });
  let app: App;
  const mentions: string[] = [];

  beforeAll(async () => {
    await fake.start();
    app = new App({
      token: 'xoxb-test',
      appToken: 'xapp-1-test',
      socketMode: true,
      logLevel: LogLevel.ERROR,
      clientOptions: { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 } },
    });
    app.command('/growth', async ({ command, ack, say }) => {
      await ack({ text: `socket ack: ${command.text}` });
      await say('posted from socket mode');
    });
    app.event('app_mention', async ({ event }) => {
      mentions.push(event.text);
    });
    await app.start();
    await fake.waitForSocket();
  });

  afterAll(async () => {
    await fake.stop();
  });

  it('opens the connection with the app token', () => {
    const [open] = fake.callsTo('apps.connections.open');
    expect(open.token).toBe('xapp-1-test');
  });

  it('delivers a slash command envelope and returns the ack payload', async () => {
    const ack = await fake.sendEnvelope('slash_commands', slashCommandFields({ text: 'digest' }));
    expect(ack).toEqual({ text: 'socket ack: digest' });
    const [post] = await waitFor(() => fake.callsTo('chat.postMessage').length > 0 && fake.callsTo('chat.postMessage'));
    expect(post.params).toMatchObject({ channel: 'C0FAKE001', text: 'posted from socket mode' });
  });

  it('acks an events_api envelope without a payload', async () => {
    const ack = await fake.sendEnvelope('events_api', {
      type: 'event_callback',
      team_id: 'T0FAKE001',
      api_app_id: 'A0FAKEAPP',
      event_id: 'Ev0001',
      event_time: 1_700_000_000,
      event: { type: 'app_mention', user: 'U0MARKETER', text: '<@U0FAKEBOT> hello', channel: 'C0FAKE001', ts: '1700000000.000100' },
    });
    expect(ack).toEqual({});
    await waitFor(() => mentions.length === 1);
    expect(mentions).toEqual(['<@U0FAKEBOT> hello']);
  });

  it('stops cleanly: the close handshake completes and no socket is left open', async () => {
    const started = Date.now();
    await app.stop();
    await waitFor(() => fake.socketCount === 0, 3_000);
    expect(Date.now() - started).toBeLessThan(3_000);
  });
});
