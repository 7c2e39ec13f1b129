import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchLeaseKey } from '../../src/campaigns/launcher.ts';
import { signBody, WEBHOOK_SIGNATURE_HEADER } from '../../src/campaigns/delivery/webhook.ts';
import type { Bot } from '../../src/core/bot.ts';
import { currentLease } from '../../src/store/locks.ts';
import { createTestBot, run } from '../helpers/bot.ts';
import { createTestStore, type TestStore } from '../helpers/store.ts';
import { approver, captureNotifications, expectOk, grantRoles, ids, marketer, seedCustomers, seedSegment } from './fixtures.ts';

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'launch-child.ts');
const SECRET = 'test-webhook-secret';
/** The children's launch lease: a resume waits for the killed launcher's lease to expire. */
const LEASE_MS = 400;

async function leaseExpired(id: number): Promise<void> {
  while (await currentLease(store.db, launchLeaseKey(id))) await new Promise((resolve) => setTimeout(resolve, 50));
}

let store: TestStore;
let bot: Bot;
const members = ids('k', 60);

beforeAll(async () => {
  store = await createTestStore();
  await grantRoles(store.db);
  await seedCustomers(
    store.db,
    members.map((id) => ({ id })),
  );
  await seedSegment(store.db, 'crashers', members);
});

afterAll(async () => {
  await store.close();
});

interface ChildRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  kill(): void;
  exited: Promise<void>;
}

function startChild(mode: 'launch' | 'resume', campaignId: number, env: Record<string, string>): ChildRun {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, mode, String(campaignId)], {
    env: { ...process.env, DATABASE_URL: store.url, LOG_LEVEL: 'silent', CAMPAIGN_LEASE_MS: String(LEASE_MS), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const state: ChildRun = {
    code: null,
    signal: null,
    stdout: '',
    stderr: '',
    kill: () => child.kill('SIGKILL'),
    exited: new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        state.code = code;
        state.signal = signal;
        resolve();
      });
    }),
  };
  child.stdout.on('data', (chunk) => (state.stdout += chunk));
  child.stderr.on('data', (chunk) => (state.stderr += chunk));
  return state;
}

async function approvedCampaign(name: string, env: Record<string, string>): Promise<number> {
  bot = await createTestBot(store.db, store.dir, { env });
  captureNotifications(bot);
  const id = expectOk(
    await run(
      bot,
      `/campaign create name=${name} segment=crashers channel=${env.WEBHOOK_URL ? 'webhook' : 'email'} subject=Hello message="Hi there" holdout=10%`,
      marketer,
    ),
  ).data.campaign.id;
  expectOk(await run(bot, `/campaign submit ${id}`, marketer));
  expectOk(await run(bot, `/campaign approve ${id}`, approver));
  return id;
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

function listenSmtp(server: SMTPServer): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.server.address() as AddressInfo).port)));
}

async function outboxOf(id: number) {
  return store.db.selectFrom('campaign_outbox').selectAll().where('campaign_id', '=', id).execute();
}

describe('exactly once across a real crash (kill -9 mid-launch)', () => {
  it('webhook: resumes in a new process, delivers to everyone owed, and each recipient key is accepted once', async () => {
    const deliveries = new Map<string, number>(); // idempotency key -> POSTs that carried it
    const recipientsByKey = new Map<string, string>();
    let batches = 0;
    let badSignatures = 0;
    let child: ChildRun | undefined;
    const killAfterBatch = 3;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks);
        if (req.headers[WEBHOOK_SIGNATURE_HEADER] !== signBody(SECRET, raw)) badSignatures++;
        const body = JSON.parse(raw.toString()) as { recipients: { customer_id: string; idempotency_key: string }[] };
        for (const r of body.recipients) {
          deliveries.set(r.idempotency_key, (deliveries.get(r.idempotency_key) ?? 0) + 1);
          recipientsByKey.set(r.idempotency_key, r.customer_id);
        }
        batches++;
        setTimeout(() => {
          res.writeHead(200).end('{}');
          if (batches === killAfterBatch) child?.kill();
        }, 20);
      });
    });
    const port = await listen(server);
    const env = { WEBHOOK_URL: `http://127.0.0.1:${port}/hook`, WEBHOOK_SECRET: SECRET };
    const id = await approvedCampaign('hooked', env);

    child = startChild('launch', id, env);
    await child.exited;
    expect(child.signal).toBe('SIGKILL');
    const campaign = await store.db.selectFrom('campaigns').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(campaign.state).toBe('launching');
    const midway = await outboxOf(id);
    const sentBefore = midway.filter((r) => r.status === 'sent').length;
    expect(sentBefore).toBeGreaterThanOrEqual(10);
    expect(sentBefore).toBeLessThan(midway.length);

    await leaseExpired(id);
    const resume = startChild('resume', id, env);
    await resume.exited;
    expect(resume.stderr).toBe('');
    expect(resume.code).toBe(0);
    server.close();

    const outbox = await outboxOf(id);
    const audience = await store.db.selectFrom('campaign_audience').selectAll().where('campaign_id', '=', id).execute();
    const holdout = new Set(audience.filter((a) => a.group_name === 'holdout').map((a) => a.customer_id));
    expect(outbox).toHaveLength(54); // 60 members, 6 held out
    expect(outbox.every((r) => r.status === 'sent')).toBe(true);
    // every recipient reached, by exactly one key; nobody in the holdout
    expect(new Set(recipientsByKey.values()).size).toBe(54);
    expect([...recipientsByKey.values()].some((c) => holdout.has(c))).toBe(false);
    expect(new Set(outbox.map((r) => r.idempotency_key))).toEqual(new Set(deliveries.keys()));
    // a repeat can only be the batch in flight at the kill (acknowledged, not yet marked): the receiver drops it by key
    const repeated = [...deliveries].filter(([, n]) => n > 1);
    expect(repeated.length).toBeLessThanOrEqual(5);
    expect(repeated.every(([, n]) => n === 2)).toBe(true);
    expect(badSignatures).toBe(0);
    const final = await store.db.selectFrom('campaigns').select('state').where('id', '=', id).executeTakeFirstOrThrow();
    expect(final.state).toBe('live');
  }, 60_000);

  it('email: SMTP server counts accepted messages per recipient: exactly one each after kill -9 and resume', async () => {
    const accepted = new Map<string, number>();
    const messageIds = new Set<string>();
    let seen = 0;
    let withoutUnsubscribeLink = 0;
    let child: ChildRun | undefined;
    const smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData(stream, session, callback) {
        let text = '';
        stream.on('data', (c: Buffer) => (text += c.toString()));
        stream.on('end', () => {
          seen++;
          if (seen === 7) {
            // the process dies while the 7th message waits for the server's answer: never accepted
            child?.kill();
            return;
          }
          const to = session.envelope.rcptTo.map((r) => r.address).join(',');
          const body = text.replace(/=\r?\n/g, '').replace(/=3D/g, '=');
          if (!body.includes('Unsubscribe: https://example.com/unsubscribe?campaign=')) withoutUnsubscribeLink++;
          messageIds.add(/^Message-ID: (.*)$/im.exec(text)?.[1]?.trim() ?? '');
          setTimeout(() => {
            accepted.set(to, (accepted.get(to) ?? 0) + 1);
            callback();
          }, 10);
        });
      },
    });
    const port = await listenSmtp(smtp);
    const env = {
      SMTP_URL: `smtp://127.0.0.1:${port}`,
      SMTP_FROM: 'growth@example.com',
      UNSUBSCRIBE_URL: 'https://example.com/unsubscribe',
      EVENTS_WEBHOOK_SECRET: 'events-secret',
      EMAIL_RATE_PER_SECOND: '200',
    };
    const id = await approvedCampaign('mailed', env);

    child = startChild('launch', id, env);
    await child.exited;
    expect(child.signal).toBe('SIGKILL');
    expect(accepted.size).toBe(6);

    await leaseExpired(id);
    const resume = startChild('resume', id, env);
    await resume.exited;
    expect(resume.code).toBe(0);
    smtp.close();

    const outbox = await outboxOf(id);
    expect(outbox).toHaveLength(54);
    expect(outbox.every((r) => r.status === 'sent')).toBe(true);
    const emails = new Set(outbox.map((r) => `${r.customer_id}@example.com`));
    expect(new Set(accepted.keys())).toEqual(emails);
    expect([...accepted.values()].every((n) => n === 1)).toBe(true);
    // the message cut off by the kill was retried: one row shows two attempts
    expect(outbox.filter((r) => r.attempts === 2)).toHaveLength(1);
    expect(messageIds.size).toBe(54);
    expect(withoutUnsubscribeLink).toBe(0);
  }, 60_000);
});
