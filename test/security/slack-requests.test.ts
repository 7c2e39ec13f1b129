import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DatabaseReplayStore,
  ReplayCache,
  SharedReplayStore,
  SLACK_MAX_BODY_BYTES,
  validSlackSignature,
} from '../../adapters/slack/request-guard.ts';
import { signSlackRequest, slashCommandFields } from '../fakes/slack-requests.ts';
import { responseBodies, SIGNING_SECRET, startHarness, type SlackHarness } from '../slack/helpers/slack-harness.ts';

let h: SlackHarness;
beforeAll(async () => {
  h = await startHarness({ mode: 'http', env: { BOT_ADMINS: 'U0ADMIN' } });
});
afterAll(async () => h?.close());

function send(body: string | Buffer, headers: Record<string, string>): Promise<Response> {
  return fetch(`${h.baseUrl}/slack/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body,
  });
}

const auditCount = async (command: string) =>
  Number(
    (
      await h.store.db
        .selectFrom('audit_log')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('command', '=', command)
        .executeTakeFirstOrThrow()
    ).n,
  );

describe('Slack HTTP mode: replays and body size', () => {
  it('runs a signed request once; the identical request again is refused with 409 and does not run', async () => {
    const body = new URLSearchParams(
      slashCommandFields({ command: '/help', text: 'admin', response_url: h.fake.responseUrl('replay-1') }),
    ).toString();
    const headers = signSlackRequest(SIGNING_SECRET, body);
    const before = await auditCount('help');
    expect((await send(body, headers)).status).toBe(200);
    await h.fake.waitFor(() => responseBodies(h.fake, 'replay-1').length > 0);
    const replays = await Promise.all([send(body, headers), send(body, headers)]);
    expect(replays.map((r) => r.status)).toEqual([409, 409]);
    await h.adapter.idle();
    expect(responseBodies(h.fake, 'replay-1')).toHaveLength(1);
    expect(await auditCount('help')).toBe(before + 1);
    // remembered in the database, where every instance looks
    const receipt = await h.store.db
      .selectFrom('request_receipts')
      .selectAll()
      .where('signature', '=', headers['x-slack-signature'])
      .executeTakeFirst();
    expect(Number(receipt?.expires_at)).toBe((Number(headers['x-slack-request-timestamp']) + 300) * 1000);
  });

  it('the same body signed again at another time is a new request', async () => {
    const body = new URLSearchParams(slashCommandFields({ command: '/help', response_url: h.fake.responseUrl('replay-2') })).toString();
    const now = Math.floor(Date.now() / 1000);
    expect((await send(body, signSlackRequest(SIGNING_SECRET, body, now - 1))).status).toBe(200);
    expect((await send(body, signSlackRequest(SIGNING_SECRET, body, now))).status).toBe(200);
    await h.adapter.idle();
  });

  it('a forged request is left to Bolt (401) and does not poison the cache for the real one', async () => {
    const body = new URLSearchParams(slashCommandFields({ command: '/help', response_url: h.fake.responseUrl('replay-3') })).toString();
    const real = signSlackRequest(SIGNING_SECRET, body);
    const forged = { ...real, 'x-slack-signature': real['x-slack-signature'].replace(/.$/, (c) => (c === 'a' ? 'b' : 'a')) };
    expect((await send(body, forged)).status).toBe(401);
    expect((await send(body, forged)).status).toBe(401);
    expect((await send(body, real)).status).toBe(200);
    await h.adapter.idle();
  });

  it('refuses a body over the cap with 413, by Content-Length or while streaming', async () => {
    const big = `text=${'a'.repeat(SLACK_MAX_BODY_BYTES + 10)}`;
    expect((await send(big, signSlackRequest(SIGNING_SECRET, big))).status).toBe(413);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 40; i++) controller.enqueue(new Uint8Array(16 * 1024).fill(97));
        controller.close();
      },
    });
    const streamed = await fetch(`${h.baseUrl}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...signSlackRequest(SIGNING_SECRET, 'x') },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(413);
  });
});

describe('ReplayCache and the signature check', () => {
  it('remembers within the window, forgets after it, and stays bounded', () => {
    const cache = new ReplayCache(3);
    expect(cache.remember('a', 1000, 0)).toBe(true);
    expect(cache.remember('a', 1000, 500)).toBe(false);
    expect(cache.remember('a', 3000, 1500)).toBe(true);
    for (const s of ['b', 'c', 'd', 'e']) cache.remember(s, 10_000, 1600);
    expect(cache.size).toBe(3);
  });

  it('the database store refuses a signature another instance already saw, until it expires', async () => {
    const one = new DatabaseReplayStore(h.store.db);
    const two = new DatabaseReplayStore(h.store.db);
    const t0 = 1_800_000_000_000;
    expect(await one.remember('v0=shared', t0 + 300_000, t0)).toBe(true);
    expect(await two.remember('v0=shared', t0 + 300_000, t0 + 1000)).toBe(false);
    const results = await Promise.all([one.remember('v0=race', t0 + 300_000, t0), two.remember('v0=race', t0 + 300_000, t0)]);
    expect(results.sort()).toEqual([false, true]);
    expect(await two.remember('v0=shared', t0 + 900_000, t0 + 300_001)).toBe(true);
    // pruned once expired
    await two.remember('v0=later', t0 + 2_000_000, t0 + 1_000_000);
    expect(
      (await h.store.db.selectFrom('request_receipts').select('signature').where('signature', 'in', ['v0=shared', 'v0=race']).execute())
        .length,
    ).toBe(0);
  });

  it('the shared store: replays to this instance refused in memory; a receipt another instance stored first comes back false', async () => {
    const one = new SharedReplayStore(h.bot.writes);
    const two = new SharedReplayStore(h.bot.writes);
    const t0 = Date.now();
    expect(one.remember('v0=both', t0 + 300_000, t0)).toBe(true);
    expect(one.remember('v0=both', t0 + 300_000, t0 + 10)).toBe(false);
    expect(two.remember('v0=both', t0 + 300_000, t0 + 10)).toBe(true);
    expect(await Promise.all([one.receipt('v0=both', t0 + 300_000, t0), two.receipt('v0=both', t0 + 300_000, t0 + 10)])).toEqual([
      true,
      false,
    ]);
    expect(await h.store.db.selectFrom('request_receipts').select('signature').where('signature', '=', 'v0=both').execute()).toHaveLength(
      1,
    );
  });

  it('accepts only the exact v0 signature, of any length, in constant time', () => {
    const body = Buffer.from('a=1');
    const { 'x-slack-signature': signature, 'x-slack-request-timestamp': ts } = signSlackRequest(SIGNING_SECRET, 'a=1', 1_700_000_000);
    expect(validSlackSignature(SIGNING_SECRET, ts, body, signature)).toBe(true);
    expect(validSlackSignature(SIGNING_SECRET, ts, Buffer.from('a=2'), signature)).toBe(false);
    expect(validSlackSignature(SIGNING_SECRET, String(Number(ts) + 1), body, signature)).toBe(false);
    expect(validSlackSignature(SIGNING_SECRET, ts, body, `${signature}0`)).toBe(false);
    expect(validSlackSignature(SIGNING_SECRET, ts, body, '')).toBe(false);
  });
});
