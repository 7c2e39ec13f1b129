import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApprovalDeps } from '../../src/campaigns/approvals.ts';
import { isPlausibleAddress, isTemporarySmtpError } from '../../src/campaigns/delivery/email.ts';
import { parseRetryAfter, retryDelayMs, retryPolicy, seededRandom } from '../../src/campaigns/delivery/retry.ts';
import { launchCampaign, resumeLaunches, type CampaignDeps } from '../../src/campaigns/launcher.ts';
import { startCampaignScheduler } from '../../src/campaigns/scheduler.ts';
import { campaignDeps } from '../../src/campaigns/services.ts';
import type { Bot } from '../../src/core/bot.ts';
import { createTestBot, run } from '../helpers/bot.ts';
import { createTestStore, type TestStore } from '../helpers/store.ts';
import { approver, captureCards, expectOk, grantRoles, ids, marketer, seedCustomers, seedSegment, viewer } from './fixtures.ts';

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'launch-child.ts');
const SECRET = 'test-webhook-secret';
/** Small retry waits: 20 ms, doubled each time, jittered; retried for 10 minutes unless a test says otherwise. */
const RETRY = { DELIVERY_RETRY_BASE_SECONDS: '0.02', DELIVERY_RETRY_HOURS: '0.2' };

let store: TestStore;
const members = ids('d', 20);

beforeAll(async () => {
  store = await createTestStore();
  await grantRoles(store.db);
  await seedCustomers(
    store.db,
    members.map((id) => ({ id })),
  );
  await seedSegment(store.db, 'deliverees', members);
});

afterAll(async () => {
  await store.close();
});

/** A webhook receiver that can go down (connection refused) and come back on the same port, counting each key it accepts. */
class Receiver {
  accepted = new Map<string, number>();
  requests = 0;
  port = 0;
  server: Server;
  answer: (customers: string[], req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean> = () => false;

  constructor() {
    this.server = this.create();
  }

  private create(): Server {
    return createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => void this.handle(chunks, req, res));
    });
  }

  private async handle(chunks: Buffer[], req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.requests++;
    const body = JSON.parse(Buffer.concat(chunks).toString()) as { recipients: { customer_id: string; idempotency_key: string }[] };
    // the answer may reply itself (429, 400…); otherwise 200 and the keys count as accepted
    if (
      await this.answer(
        body.recipients.map((r) => r.customer_id),
        req,
        res,
      )
    )
      return;
    for (const r of body.recipients) this.accepted.set(r.idempotency_key, (this.accepted.get(r.idempotency_key) ?? 0) + 1);
    res.writeHead(200).end('{}');
  }

  async up(): Promise<void> {
    this.server = this.create();
    await new Promise<void>((resolve) => this.server.listen(this.port, '127.0.0.1', () => resolve()));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async down(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/hook`;
  }
}

async function approved(bot: Bot, name: string): Promise<number> {
  const id = expectOk(
    await run(bot, `/campaign create name=${name} segment=deliverees channel=webhook subject=Hi message="Hello" holdout=0%`, marketer),
  ).data.campaign.id as number;
  expectOk(await run(bot, `/campaign submit ${id}`, marketer));
  expectOk(await run(bot, `/campaign approve ${id}`, approver));
  return id;
}

async function outboxOf(id: number) {
  return store.db.selectFrom('campaign_outbox').selectAll().where('campaign_id', '=', id).orderBy('customer_id').execute();
}

async function stateOf(id: number): Promise<string> {
  return (await store.db.selectFrom('campaigns').select('state').where('id', '=', id).executeTakeFirstOrThrow()).state;
}

/** Polls until the campaign leaves `state` (a bound, not a timing assertion). */
async function leaves(id: number, state: string, boundMs = 30_000): Promise<string> {
  const until = Date.now() + boundMs;
  while ((await stateOf(id)) === state && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 25));
  return stateOf(id);
}

function deps(bot: Bot, extra: Partial<CampaignDeps> = {}): ApprovalDeps {
  return { ...campaignDeps(bot), random: seededRandom(20), ...extra };
}

describe('retry policy', () => {
  it('backs off exponentially with seeded jitter, never below Retry-After, capped', () => {
    const policy = retryPolicy({ DELIVERY_RETRY_HOURS: 24, DELIVERY_RETRY_BASE_SECONDS: 30 }, seededRandom(1));
    const waits = [1, 2, 3, 4].map((n) => retryDelayMs(policy, n));
    waits.forEach((w, i) => {
      expect(w).toBeGreaterThanOrEqual(15_000 * 2 ** i);
      expect(w).toBeLessThanOrEqual(30_000 * 2 ** i);
    });
    const again = retryPolicy({ DELIVERY_RETRY_HOURS: 24, DELIVERY_RETRY_BASE_SECONDS: 30 }, seededRandom(1));
    expect([1, 2, 3, 4].map((n) => retryDelayMs(again, n))).toEqual(waits);
    expect(retryDelayMs(policy, 40)).toBeLessThanOrEqual(3_600_000);
    expect(retryDelayMs(policy, 1, 600_000)).toBe(600_000);
    expect(policy.windowMs).toBe(24 * 3_600_000);
  });

  it('SMTP: 4xx and connection errors are temporary; 5xx and address errors are refusals', () => {
    expect(isTemporarySmtpError({ responseCode: 421 })).toBe(true);
    expect(isTemporarySmtpError({ code: 'ECONNECTION' })).toBe(true);
    expect(isTemporarySmtpError({ responseCode: 550 })).toBe(false);
    expect(isTemporarySmtpError({ code: 'EENVELOPE' })).toBe(false);
    expect(isPlausibleAddress('a@example.com')).toBe(true);
    expect(isPlausibleAddress('not an address')).toBe(false);
    expect(isPlausibleAddress('no-at-sign.example.com')).toBe(false);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = new Date('2026-12-05T12:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Sat, 05 Dec 2026 12:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});

describe('durable deliveries', () => {
  it('a receiver down for a while: everyone waits, then is sent exactly once when it is back; one progress message, one summary', async () => {
    const receiver = new Receiver();
    await receiver.up();
    await receiver.down();
    const bot = await createTestBot(store.db, store.dir, { env: { WEBHOOK_URL: receiver.url, WEBHOOK_SECRET: SECRET, ...RETRY } });
    const cards = captureCards(bot);
    const id = await approved(bot, 'outage');
    const postsBefore = cards.posts.length;

    const launched = expectOk(await run(bot, `/campaign launch ${id}`, marketer));
    expect(launched.data.launch).toMatchObject({ state: 'launching', delivery: 'sending' });
    expect(launched.data.launch.outbox).toMatchObject({ total: 20, pending: 20, sent: 0, failed: 0 });
    const waiting = await outboxOf(id);
    expect(waiting.every((r) => r.status === 'pending' && r.next_attempt_at && r.last_error?.includes('ECONNREFUSED'))).toBe(true);
    const shown = expectOk(await run(bot, `/campaign show ${id}`, viewer));
    expect(shown.data.delivery).toMatchObject({ status: 'sending', sent: 0, waiting: 20, failed: 0 });
    const listed = expectOk(await run(bot, '/campaign list', viewer));
    expect(listed.data.campaigns.find((c: { id: number }) => c.id === id).delivery).toBe('sending');

    await receiver.up();
    const stop = startCampaignScheduler(deps(bot), 100);
    expect(await leaves(id, 'launching')).toBe('live');
    await stop();
    await receiver.down();

    const outbox = await outboxOf(id);
    expect(outbox.every((r) => r.status === 'sent')).toBe(true);
    expect(receiver.accepted.size).toBe(20);
    expect([...receiver.accepted.values()].every((n) => n === 1)).toBe(true);
    expect(new Set(outbox.map((r) => r.idempotency_key))).toEqual(new Set(receiver.accepted.keys()));
    const final = expectOk(await run(bot, `/campaign show ${id}`, viewer));
    expect(final.data.delivery).toMatchObject({ status: 'sent', sent: 20, waiting: 0, failed: 0 });

    const mine = cards.posts.slice(postsBefore);
    expect(mine).toHaveLength(2); // the progress message, then the summary
    expect(mine[0]!.channelId).toBe('CMARKETING');
    expect(mine[0]!.reply.view?.title).toContain('sending');
    expect(mine[1]!.reply.view?.title).toContain(': sent');
    expect(cards.updates.some((u) => u.id === mine[0]!.id && u.reply.view?.title?.includes(': sent'))).toBe(true);
  }, 60_000);

  it('a 429 with Retry-After is honoured: the next try waits at least that long, then the recipient is sent', async () => {
    const receiver = new Receiver();
    await receiver.up();
    let throttled = 0;
    receiver.answer = (_customers, _req, res) => {
      if (throttled++ > 0) return false;
      res.writeHead(429, { 'retry-after': '2' }).end();
      return true;
    };
    const bot = await createTestBot(store.db, store.dir, { env: { WEBHOOK_URL: receiver.url, WEBHOOK_SECRET: SECRET, ...RETRY } });
    captureCards(bot);
    const id = await approved(bot, 'throttled');
    const d = deps(bot);
    const first = await launchCampaign(d, id, { userId: 'UMARKET', platform: 'slack', channelId: 'CMARKETING' });
    expect(first.delivery).toBe('sending');
    const rows = await outboxOf(id);
    expect(rows.every((r) => r.last_error === 'HTTP 429')).toBe(true);
    for (const r of rows) expect(Date.parse(r.next_attempt_at!) - Date.parse(r.updated_at)).toBeGreaterThanOrEqual(2000);
    // a sweep before that time leaves them waiting
    expect(await resumeLaunches(d)).toEqual([]);
    const stop = startCampaignScheduler(d, 100);
    expect(await leaves(id, 'launching')).toBe('live');
    await stop();
    await receiver.down();
    const outbox = await outboxOf(id);
    expect(outbox.every((r) => r.status === 'sent' && r.attempts === 2)).toBe(true);
    expect([...receiver.accepted.values()].every((n) => n === 1)).toBe(true);
  }, 60_000);

  it('a permanent 400 fails that recipient at once (sent with failures); retry failed refuses, retry all sends it once', async () => {
    const receiver = new Receiver();
    await receiver.up();
    let refuse = true;
    receiver.answer = (customers, _req, res) => {
      if (!refuse || !customers.includes('d007')) return false;
      res.writeHead(400).end();
      return true;
    };
    const bot = await createTestBot(store.db, store.dir, { env: { WEBHOOK_URL: receiver.url, WEBHOOK_SECRET: SECRET, ...RETRY } });
    captureCards(bot);
    const id = await approved(bot, 'refused');
    const result = await launchCampaign(deps(bot, { delivery: { webhook: { batchSize: 1 } } }), id, {
      userId: 'UMARKET',
      platform: 'slack',
      channelId: 'CMARKETING',
    });
    expect(result).toMatchObject({ state: 'live', delivery: 'sent with failures' });
    const refused = (await outboxOf(id)).find((r) => r.customer_id === 'd007')!;
    expect(refused).toMatchObject({
      status: 'failed',
      failure_kind: 'permanent',
      attempts: 1,
      last_error: 'the webhook answered HTTP 400',
    });
    const shown = expectOk(await run(bot, `/campaign show ${id}`, viewer));
    expect(shown.data.delivery).toMatchObject({ status: 'sent with failures', sent: 19, failed: 1 });

    expect((await run(bot, `/campaign retry ${id}`, viewer)).data.error.code).toBe('forbidden');
    const nothing = await run(bot, `/campaign retry ${id}`, marketer);
    expect(nothing.data.error.code).toBe('nothing_to_retry');
    expect(nothing.data.error.hint).toContain('all');
    refuse = false;
    const retried = expectOk(await run(bot, `/campaign retry ${id} all`, marketer));
    expect(retried.data).toMatchObject({ requeued: 1, delivery: { status: 'sent', sent: 20, failed: 0 } });
    expect(await stateOf(id)).toBe('live');
    await receiver.down();
    expect(receiver.accepted.size).toBe(20);
    expect([...receiver.accepted.values()].every((n) => n === 1)).toBe(true);
    const audit = await store.db.selectFrom('audit_log').selectAll().where('command', '=', 'campaign retry').execute();
    expect(audit.length).toBeGreaterThanOrEqual(3);
  }, 60_000);

  it('temporary failures past DELIVERY_RETRY_HOURS give up (failed); /campaign retry requeues them and sends each once', async () => {
    const receiver = new Receiver();
    await receiver.up();
    await receiver.down();
    const env = { WEBHOOK_URL: receiver.url, WEBHOOK_SECRET: SECRET, DELIVERY_RETRY_BASE_SECONDS: '0.02', DELIVERY_RETRY_HOURS: '0.00005' };
    const bot = await createTestBot(store.db, store.dir, { env });
    captureCards(bot);
    const id = await approved(bot, 'gaveup');
    await launchCampaign(deps(bot), id, { userId: 'UMARKET', platform: 'slack', channelId: 'CMARKETING' });
    const stop = startCampaignScheduler(deps(bot), 50);
    expect(await leaves(id, 'launching')).toBe('live');
    await stop();
    const failed = await outboxOf(id);
    expect(
      failed.every((r) => r.status === 'failed' && r.failure_kind === 'temporary' && /gave up after \d+ tries/.test(r.last_error!)),
    ).toBe(true);
    const shown = expectOk(await run(bot, `/campaign show ${id}`, viewer));
    expect(shown.data.delivery.status).toBe('sent with failures');

    await receiver.up();
    const retried = expectOk(await run(bot, `/campaign retry ${id} failed`, marketer));
    expect(retried.data).toMatchObject({ requeued: 20, delivery: { status: 'sent', sent: 20 } });
    await receiver.down();
    expect(receiver.accepted.size).toBe(20);
    expect([...receiver.accepted.values()].every((n) => n === 1)).toBe(true);
    const transitions = await store.db.selectFrom('campaign_transitions').selectAll().where('campaign_id', '=', id).orderBy('id').execute();
    expect(transitions.slice(-3).map((t) => `${t.from_state}>${t.to_state}`)).toEqual([
      'launching>live',
      'live>launching',
      'launching>live',
    ]);
  }, 60_000);

  it('pause stops after the batch in flight, resume sends the rest once; nothing is sent while paused', async () => {
    const receiver = new Receiver();
    await receiver.up();
    const bot = await createTestBot(store.db, store.dir, { env: { WEBHOOK_URL: receiver.url, WEBHOOK_SECRET: SECRET, ...RETRY } });
    captureCards(bot);
    const id = await approved(bot, 'paused');
    let first = true;
    receiver.answer = async () => {
      if (first) {
        first = false;
        // paused by a person while the first batch is in flight
        expectOk(await run(bot, `/campaign pause ${id}`, marketer));
      }
      return false;
    };
    const result = await launchCampaign(deps(bot, { delivery: { webhook: { batchSize: 5 } } }), id, {
      userId: 'UMARKET',
      platform: 'slack',
      channelId: 'CMARKETING',
    });
    expect(result).toMatchObject({ state: 'paused', delivery: 'paused' });
    expect(result.outbox).toMatchObject({ sent: 5, pending: 15 });
    expect((await run(bot, `/campaign pause ${id}`, marketer)).data.error.code).toBe('not_sending');
    expect(await resumeLaunches(deps(bot))).toEqual([]);
    expect(receiver.requests).toBe(1);

    const resumed = expectOk(await run(bot, `/campaign resume ${id}`, marketer));
    expect(resumed.data.delivery).toMatchObject({ status: 'sent', sent: 20 });
    expect(await stateOf(id)).toBe('live');
    await receiver.down();
    expect(receiver.accepted.size).toBe(20);
    expect([...receiver.accepted.values()].every((n) => n === 1)).toBe(true);
  }, 60_000);

  it('cancel while sending stops it and reports who was not sent; a later sweep sends nothing', async () => {
    const receiver = new Receiver();
    await receiver.up();
    await receiver.down();
    const bot = await createTestBot(store.db, store.dir, { env: { WEBHOOK_URL: receiver.url, WEBHOOK_SECRET: SECRET, ...RETRY } });
    captureCards(bot);
    const id = await approved(bot, 'stopped');
    await launchCampaign(deps(bot), id, { userId: 'UMARKET', platform: 'slack', channelId: 'CMARKETING' });
    const cancelled = expectOk(await run(bot, `/campaign cancel ${id} reason="wrong offer"`, marketer));
    expect(cancelled.data).toMatchObject({ not_sent: 20, first_not_sent: ['d001', 'd002', 'd003', 'd004', 'd005'] });
    expect(cancelled.view?.text).toContain('20 recipients were not sent (first: d001, d002, d003, d004, d005, …)');
    expect(await stateOf(id)).toBe('cancelled');
    await receiver.up();
    await resumeLaunches(deps(bot));
    await receiver.down();
    expect(receiver.requests).toBe(0);
    expect((await outboxOf(id)).every((r) => r.status === 'cancelled')).toBe(true);
    expect(expectOk(await run(bot, `/campaign show ${id}`, viewer)).data.delivery.status).toBe('cancelled');
  }, 60_000);

  it('a restart resumes waiting rows: a new process sweeps them once the receiver is back', async () => {
    const receiver = new Receiver();
    await receiver.up();
    await receiver.down();
    const env = { WEBHOOK_URL: receiver.url, WEBHOOK_SECRET: SECRET, ...RETRY };
    const bot = await createTestBot(store.db, store.dir, { env });
    captureCards(bot);
    const id = await approved(bot, 'restarted');
    const child = (mode: string) =>
      new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const proc = spawn(process.execPath, ['--import', 'tsx', CHILD, mode, String(id)], {
          env: { ...process.env, DATABASE_URL: store.url, LOG_LEVEL: 'silent', CAMPAIGN_LEASE_MS: '400', ...env },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stderr = '';
        proc.stderr.on('data', (c) => (stderr += c));
        proc.on('exit', (code) => resolve({ code, stderr }));
      });
    const launched = await child('launch');
    expect(launched.code).toBe(0);
    expect(await stateOf(id)).toBe('launching');
    expect((await outboxOf(id)).every((r) => r.status === 'pending' && r.next_attempt_at)).toBe(true);

    await receiver.up();
    const swept = await child('sweep');
    expect(swept.stderr).toBe('');
    expect(swept.code).toBe(0);
    await receiver.down();
    expect(await stateOf(id)).toBe('live');
    expect((await outboxOf(id)).every((r) => r.status === 'sent')).toBe(true);
    expect(receiver.accepted.size).toBe(20);
    expect([...receiver.accepted.values()].every((n) => n === 1)).toBe(true);
  }, 90_000);
});
