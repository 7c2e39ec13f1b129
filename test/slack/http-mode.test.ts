import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postBlockAction, blockActionPayload, postSlashCommand, signSlackRequest, slackHttp } from '../fakes/slack.ts';
import { reply } from '../../src/core/reply.ts';
import { blockTexts, openAroundAck, responseBodies, SIGNING_SECRET, startHarness, type SlackHarness } from './helpers/slack-harness.ts';

let h: SlackHarness;
let webhookHits = 0;
let seq = 0;

beforeAll(async () => {
  h = await startHarness({
    mode: 'http',
    env: { BOT_ADMINS: 'U0ADMIN' },
    routes: [
      {
        path: '/webhooks/events',
        method: 'POST',
        handler: (_req, res) => {
          webhookHits++;
          res.writeHead(202).end('accepted');
        },
      },
    ],
  });
});

afterAll(async () => {
  await h?.close();
});

/** A signed slash command; returns the ack and the response URL id its answers go to. */
async function slash(command: string, text = '', fields: Record<string, string> = {}) {
  const id = `r${++seq}`;
  const started = performance.now();
  const ack = await postSlashCommand(h.baseUrl, SIGNING_SECRET, { command, text, response_url: h.fake.responseUrl(id), ...fields });
  return { ack, id, ackMs: performance.now() - started };
}

describe('Slack adapter, HTTP mode (real Bolt against FakeSlack)', () => {
  it('answers /help through the response URL, to the caller alone, with a header and the command list', async () => {
    const { ack, id } = await slash('/help');
    expect(ack.status).toBe(200);
    expect(ack.body).toBe('');
    const [answer] = await h.fake.waitFor(() => responseBodies(h.fake, id).length > 0 && responseBodies(h.fake, id));
    expect(answer!.response_type).toBe('ephemeral');
    expect(answer!.blocks![0]).toEqual({ type: 'header', text: { type: 'plain_text', text: 'Growthbot commands', emoji: true } });
    expect(blockTexts(answer!.blocks)).toContain('*/help*');
  });

  it('acknowledges every registered command within 3 seconds, with blocks in the ack or the answer', async () => {
    for (const command of h.bot.registry.all()) {
      if (command.name === 'slowjob' || command.name === 'boomlong') continue;
      const { ack, id, ackMs } = await slash(`/${command.name}`);
      expect(ack.status, `/${command.name}`).toBe(200);
      expect(ackMs).toBeLessThan(3000);
      if (ack.body === '') {
        await h.fake.waitFor(() => responseBodies(h.fake, id).length > 0, 5000);
        expect(responseBodies(h.fake, id)[0]!.blocks!.length, `/${command.name}`).toBeGreaterThan(0);
      } else {
        expect((ack.body as { response_type: string }).response_type).toBe('ephemeral');
        expect((ack.body as { blocks: unknown[] }).blocks.length).toBeGreaterThan(0);
      }
    }
    await h.adapter.idle();
  });

  it('puts an unknown option error in the ack itself, ephemeral', async () => {
    const { ack, id } = await slash('/help', 'kk=1');
    expect(ack.status).toBe(200);
    const body = ack.body as { response_type: string; text: string; blocks: unknown[] };
    expect(body.response_type).toBe('ephemeral');
    expect(body.text).toContain('Unknown option');
    expect(blockTexts(body.blocks)).toContain('Unknown option `kk` for /help');
    expect(responseBodies(h.fake, id)).toEqual([]);
  });

  it('refuses a command above the caller’s role with the role it needs', async () => {
    const { ack } = await slash('/secret');
    expect(blockTexts((ack.body as { blocks: unknown }).blocks)).toContain('needs the *admin* role');
  });

  it('rejects a bad signature, a stale timestamp and a missing header with 401', async () => {
    const fields = { command: '/help', text: '', response_url: h.fake.responseUrl('never') };
    expect((await postSlashCommand(h.baseUrl, SIGNING_SECRET, fields, { signature: 'v0=deadbeef' })).status).toBe(401);
    expect((await postSlashCommand(h.baseUrl, 'wrong-secret', fields)).status).toBe(401);
    expect((await postSlashCommand(h.baseUrl, SIGNING_SECRET, fields, { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 })).status).toBe(
      401,
    );
    const body = new URLSearchParams(fields).toString();
    const { 'x-slack-signature': signature } = signSlackRequest(SIGNING_SECRET, body);
    const missing = await fetch(`${h.baseUrl}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-signature': signature },
      body,
    });
    expect(missing.status).toBe(401);
    expect(h.fake.responsesTo('never')).toEqual([]);
  });

  it("answers Slack's unsigned ssl_check probe with 200 and runs nothing smuggled in with it", async () => {
    const body = new URLSearchParams({
      ssl_check: '1',
      token: 'x',
      command: '/help',
      text: '',
      response_url: h.fake.responseUrl('smuggled'),
    }).toString();
    const probe = await fetch(`${h.baseUrl}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
    });
    expect(probe.status).toBe(200);
    await h.adapter.idle();
    expect(h.fake.responsesTo('smuggled')).toEqual([]);
  });

  it('renders buttons with the typed command, and routes a click through the same command code and role check', async () => {
    const { id } = await slash('/choose');
    const [answer] = await h.fake.waitFor(() => responseBodies(h.fake, id).length > 0 && responseBodies(h.fake, id));
    const actions = answer!.blocks!.find((b) => b.type === 'actions') as unknown as { elements: { action_id: string; value: string }[] };
    expect(actions.elements.map((e) => [e.action_id, e.value])).toEqual([
      ['growthbot:0', '/help'],
      ['growthbot:1', '/secret'],
    ]);
    const upload = await h.fake.waitFor(() => [...h.fake.uploads.values()].find((u) => u.filename === 'chart.png' && u.completed));
    expect(upload.channelId).toBe('C0FAKE001');
    expect(h.fake.callsTo('files.upload')).toEqual([]);

    const click = await postBlockAction(
      h.baseUrl,
      SIGNING_SECRET,
      blockActionPayload({ actionId: 'growthbot:0', value: '/help', responseUrl: h.fake.responseUrl('click1') }),
    );
    expect(click.status).toBe(200);
    const [clicked] = await h.fake.waitFor(() => h.fake.responsesTo('click1').length > 0 && responseBodies(h.fake, 'click1'));
    expect(blockTexts(clicked!.blocks)).toContain('Growthbot commands');

    await postBlockAction(
      h.baseUrl,
      SIGNING_SECRET,
      blockActionPayload({ actionId: 'growthbot:1', value: '/secret', responseUrl: h.fake.responseUrl('click2') }),
    );
    const [denied] = await h.fake.waitFor(() => h.fake.responsesTo('click2').length > 0 && responseBodies(h.fake, 'click2'));
    expect(denied!.response_type).toBe('ephemeral');
    expect(blockTexts(denied!.blocks)).toContain('needs the *admin* role');
  });

  it('acknowledges long work with "working on it", then updates a progress message in place', async () => {
    const posts = h.fake.callsTo('chat.postMessage').length;
    const { ack } = await slash('/slowjob', 'steps=3');
    expect(ack.body).toMatchObject({ response_type: 'ephemeral', text: '⏳ Working on /slowjob…' });
    await h.adapter.idle();
    const progress = h.fake.callsTo('chat.postMessage').slice(posts)[0]!;
    expect(progress.params.channel).toBe('C0FAKE001');
    const updates = h.fake.callsTo('chat.update');
    const last = updates.at(-1)!;
    expect(blockTexts(last.params.blocks)).toContain('Slow job done');
    expect(updates.some((u) => blockTexts(u.params.blocks).includes('step 1 of 3'))).toBe(true);
  });

  it('reports a failure after the ack to the caller alone; long work leaves a neutral line in the channel', async () => {
    const { id } = await slash('/boom');
    const [failed] = await h.fake.waitFor(() => responseBodies(h.fake, id).length > 0 && responseBodies(h.fake, id));
    expect(failed!.response_type).toBe('ephemeral');
    expect(blockTexts(failed!.blocks)).toContain('something went wrong on our side');

    const long = await slash('/boomlong');
    await h.adapter.idle();
    expect(blockTexts(h.fake.callsTo('chat.update').at(-1)!.params.blocks)).toContain('⚠️ /boomlong failed (details sent to you)');
    const [details] = responseBodies(h.fake, long.id).filter((b) => blockTexts(b.blocks).includes('something went wrong'));
    expect(details!.response_type).toBe('ephemeral');
  });

  it('answers through the Web API when the response URL fails: public in the channel, private to the caller', async () => {
    h.fake.responseUrlStatus = 500;
    try {
      const posts = h.fake.callsTo('chat.postMessage').length;
      const ephemerals = h.fake.callsTo('chat.postEphemeral').length;
      await slash('/help');
      await h.adapter.idle();
      expect(h.fake.callsTo('chat.postMessage').slice(posts)).toHaveLength(0);
      const privately = h.fake.callsTo('chat.postEphemeral').slice(ephemerals);
      expect(privately).toHaveLength(1);
      expect(blockTexts(privately[0]!.params.blocks)).toContain('Growthbot commands');
    } finally {
      h.fake.responseUrlStatus = 200;
    }
  });

  it('splits an answer past Slack’s limits and attaches the full table as CSV', async () => {
    const { id } = await slash('/bigtable');
    await h.adapter.idle();
    const messages = responseBodies(h.fake, id);
    expect(messages.length).toBeGreaterThan(1);
    expect(messages.length).toBeLessThanOrEqual(5);
    for (const message of messages) {
      expect(message.blocks!.length).toBeLessThanOrEqual(50);
      expect(JSON.stringify(message.blocks).length).toBeLessThanOrEqual(13_000);
      for (const block of message.blocks!)
        if (block.type === 'section' && block.text) expect(block.text.text.length).toBeLessThanOrEqual(3000);
    }
    const csv = [...h.fake.uploads.values()].find((u) => u.filename === 'customers.csv' && u.completed)!;
    expect(csv.data!.toString('utf8').trim().split('\n')).toHaveLength(3001);
  });

  it('retries a 429 after Retry-After and spaces a burst of posts to one channel', async () => {
    let limited = 0;
    h.fake.on('chat.postMessage', () =>
      limited++ === 0 ? slackHttp(429, { ok: false, error: 'ratelimited' }, { 'Retry-After': '1' }) : undefined,
    );
    const before = h.fake.callsTo('chat.postMessage').length;
    const started = Date.now();
    await h.bot.notify({ platform: 'slack', channelId: 'C0DIGEST' }, reply({}, { text: 'digest 0' }));
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    h.fake.off('chat.postMessage');
    expect(h.fake.callsTo('chat.postMessage').slice(before)).toHaveLength(2);

    const at: number[] = [];
    h.fake.on('chat.postMessage', () => {
      at.push(Date.now());
      return undefined;
    });
    await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        h.bot.notify({ platform: 'slack', channelId: 'C0DIGEST' }, reply({}, { text: `digest ${i + 1}` })),
      ),
    );
    h.fake.off('chat.postMessage');
    const texts = h.fake
      .callsTo('chat.postMessage')
      .filter((c) => c.params.channel === 'C0DIGEST')
      .map((c) => c.params.text);
    expect(new Set(texts)).toEqual(new Set(['digest 0', 'digest 1', 'digest 2', 'digest 3', 'digest 4', 'digest 5', 'digest 6']));
    for (let i = 1; i < at.length; i++) expect(at[i]! - at[i - 1]!).toBeGreaterThanOrEqual(15);
  });

  it('makes the notifier throw when Slack refuses the post', async () => {
    h.fake.on('chat.postMessage', () => ({ ok: false, error: 'channel_not_found' }));
    try {
      await expect(h.bot.notify({ platform: 'slack', channelId: 'C0GONE' }, reply({}, { text: 'x' }))).rejects.toThrow(/channel_not_found/);
    } finally {
      h.fake.off('chat.postMessage');
    }
  });

  it('hands the most recent CSV the user shared in the channel to a command as an upload, downloaded with the bot token', async () => {
    h.fake.addFile({ name: 'old.csv', content: 'a\n1\n', channels: ['C0FAKE001'], user: 'U0MARKETER' });
    h.fake.addFile({ name: 'notes.txt', content: 'hello', channels: ['C0FAKE001'], user: 'U0MARKETER' });
    const file = h.fake.addFile({
      name: 'orders.csv',
      content: 'order_id,amount\n1,10\n2,20\n',
      channels: ['C0FAKE001'],
      user: 'U0MARKETER',
    });
    const { id } = await slash('/ingest');
    await h.adapter.idle();
    const [answer] = responseBodies(h.fake, id);
    expect(blockTexts(answer!.blocks)).toContain('Read 3 lines from orders.csv.');
    expect(h.fake.downloads.at(-1)).toEqual({ fileId: file.id, authorized: true });
    const list = h.fake.callsTo('files.list').at(-1)!;
    expect(list.params).toMatchObject({ user: 'U0MARKETER', channel: 'C0FAKE001' });
  });

  it('counts a slash command as open until its ack has gone out (background work pauses for it)', async () => {
    const open = await openAroundAck(h, async () => {
      expect((await slash('/ingest')).ack.status).toBe(200);
    });
    expect(open).toEqual({ beforeAck: [1], after: 0 });
  });

  it('imports a shared CSV with /import orders (when the import command is present)', async () => {
    if (!h.bot.registry.names().includes('import')) return;
    h.fake.addFile({
      name: 'shared-orders.csv',
      content: 'order_id,customer_id,order_date,amount\nO1,C1,2024-01-05,10.50\nO2,C2,2024-01-06,20.00\n',
      channels: ['C0IMPORT'],
      user: 'U0ADMIN',
    });
    const { ack, id } = await slash('/import', 'orders', { channel_id: 'C0IMPORT', user_id: 'U0ADMIN' });
    expect(ack.status).toBe(200);
    await h.adapter.idle();
    const texts = [
      ...responseBodies(h.fake, id).map((m) => blockTexts(m.blocks)),
      ...h.fake.callsTo('chat.update').map((c) => blockTexts(c.params.blocks)),
    ].join('\n');
    expect(texts).toContain('shared-orders.csv');
    expect(texts).toMatch(/2 (rows|orders)/);
    expect(h.fake.downloads.some((d) => d.authorized)).toBe(true);
  });

  it('acknowledges 50 concurrent slash commands, none lost', async () => {
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => slash('/help', i % 2 ? '' : 'import')));
    const latencies = results.map((r) => r.ackMs).sort((a, b) => a - b);
    expect(results.every((r) => r.ack.status === 200)).toBe(true);
    await h.adapter.idle();
    for (const { id } of results) expect(responseBodies(h.fake, id)).toHaveLength(1);
    const p = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!.toFixed(1);
    console.log(`slack http ack latency over 50 concurrent commands: p50 ${p(0.5)} ms, p99 ${p(0.99)} ms, max ${p(1)} ms (limit 3000 ms)`);
    expect(latencies.at(-1)!).toBeLessThan(3000);
  });

  it('answers the Events API url_verification challenge, a malformed body with 400 and an unknown path with 404', async () => {
    const post = async (body: string, contentType: string) =>
      fetch(`${h.baseUrl}/slack/events`, {
        method: 'POST',
        headers: { 'content-type': contentType, ...signSlackRequest(SIGNING_SECRET, body) },
        body,
      });
    const challenge = await post(JSON.stringify({ type: 'url_verification', challenge: 'c-123', token: 'x' }), 'application/json');
    expect(challenge.status).toBe(200);
    expect(await challenge.json()).toEqual({ challenge: 'c-123' });
    expect((await post('{not json', 'application/json')).status).toBe(400);
    expect((await fetch(`${h.baseUrl}/nowhere`, { method: 'POST', body: '{}' })).status).toBe(404);
    expect((await fetch(`${h.baseUrl}/slack/events`)).status).toBe(404);
  });

  it('serves extra HTTP routes on the same port', async () => {
    const res = await fetch(`${h.baseUrl}/webhooks/events`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(202);
    expect(webhookHits).toBe(1);
  });
});
