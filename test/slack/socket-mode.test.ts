import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blockActionPayload, slashCommandFields } from '../fakes/slack.ts';
import { blockTexts, openAroundAck, responseBodies, startHarness, type SlackHarness } from './helpers/slack-harness.ts';

let h: SlackHarness;

beforeAll(async () => {
  h = await startHarness({
    mode: 'socket',
    env: { ROLE_MAP: 'slack:S0ADMINS=admin' },
    routes: [{ path: '/webhooks/events', method: 'POST', handler: (_req, res) => res.writeHead(204).end() }],
  });
  h.fake.on('usergroups.list', () => ({ ok: true, usergroups: [{ id: 'S0ADMINS', handle: 'admins', users: ['U0BOSS'] }] }));
});

afterAll(async () => {
  await h?.close();
});

describe('Slack adapter, Socket Mode (real Bolt against FakeSlack)', () => {
  it('connects through apps.connections.open with the app token', () => {
    expect(h.adapter.mode).toBe('socket');
    expect(h.fake.callsTo('apps.connections.open')[0]!.token).toBe('xapp-test-app-token');
  });

  it('acks a slash command envelope at once and answers through the response URL', async () => {
    const ack = await h.sendEnvelope(
      'slash_commands',
      slashCommandFields({ command: '/help', text: 'help', response_url: h.fake.responseUrl('s1') }),
    );
    expect(ack).toEqual({});
    await h.adapter.idle();
    const [answer] = responseBodies(h.fake, 's1');
    expect(answer!.blocks![0]).toMatchObject({ type: 'header', text: { text: '/help' } });
  });

  it('puts a validation error in the ack payload', async () => {
    const ack = (await h.sendEnvelope(
      'slash_commands',
      slashCommandFields({ command: '/help', text: 'kk=1', response_url: h.fake.responseUrl('s2') }),
    )) as { response_type: string; text: string };
    expect(ack.response_type).toBe('ephemeral');
    expect(ack.text).toContain('Unknown option');
  });

  it('routes a button click and takes roles from Slack user groups mapped in ROLE_MAP', async () => {
    await h.sendEnvelope(
      'interactive',
      blockActionPayload({ actionId: 'growthbot:1', value: '/secret', userId: 'U0BOSS', responseUrl: h.fake.responseUrl('s3') }),
    );
    // A button is acked before its command is prepared, so adapter.idle() may not see it yet (slower stores: PostgreSQL).
    await h.fake.waitFor(() => responseBodies(h.fake, 's3').length > 0);
    expect(blockTexts(responseBodies(h.fake, 's3')[0]!.blocks)).toContain('secret');
    await h.sendEnvelope(
      'interactive',
      blockActionPayload({ actionId: 'growthbot:1', value: '/secret', userId: 'U0NOBODY', responseUrl: h.fake.responseUrl('s4') }),
    );
    await h.fake.waitFor(() => responseBodies(h.fake, 's4').length > 0);
    expect(blockTexts(responseBodies(h.fake, 's4')[0]!.blocks)).toContain('needs the *admin* role');
    expect(h.fake.callsTo('usergroups.list')).toHaveLength(1);
  });

  it('counts a slash command as open until its ack has gone out (background work pauses for it)', async () => {
    const open = await openAroundAck(h, async () => {
      expect(
        await h.sendEnvelope('slash_commands', slashCommandFields({ command: '/ingest', response_url: h.fake.responseUrl('s5') })),
      ).toEqual({});
    });
    expect(open).toEqual({ beforeAck: [1], after: 0 });
  });

  it('serves extra HTTP routes on PORT in Socket Mode too', async () => {
    const res = await fetch(`${h.baseUrl}/webhooks/events`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(204);
  });
});
