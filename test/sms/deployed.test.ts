import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SMS_OPT_OUT } from '../../src/campaigns/delivery/sms.ts';
import { countSegments } from '../../src/sms/segments.ts';
import { FakeSlack, postSlashCommand } from '../fakes/slack.ts';
import { FakeTwilio } from '../fakes/twilio.ts';
import { freePort, killAllBots, spawnBot, type SpawnedBot } from '../helpers/spawn-bot.ts';
import { createTestStore, type TestStore } from '../helpers/store.ts';

// #25.5 as deployed: `npm start` with env vars only, Slack in HTTP mode against the fake, SMS through a fake
// Twilio-compatible API on 127.0.0.1. Customers with phones are imported, an SMS campaign is created, approved
// and launched; the bot is killed (SIGKILL) while the provider holds the answer to a message it has already
// created, and started again: it looks that message up instead of sending it twice, and finishes. Then
// delivery receipts, a signed STOP and a forged one reach the status webhook.

const BOT_TOKEN = 'xoxb-sms-bot-token';
const SIGNING_SECRET = 'sms-signing-secret';
const CHANNEL = 'C0SMS';
const ADMIN = 'U0ADMIN';
const MARKETER = 'U0MARKETER';
const APPROVER = 'U0APPROVER';
const SID = `AC${'5a5a5a5a5a5a5a5a'.repeat(2)}`;
const TOKEN = 'deployed-sms-auth-token-4d1e8b2f';
const FROM = '+15005550006';
const ANSWER_TIMEOUT_MS = 45_000;
/** Awake customers: UTC+12 all year, outside the quiet window set around the current UTC hour. */
const AWAKE = Array.from({ length: 8 }, (_, i) => ({ id: `s${i + 1}`, phone: `+6421555010${i}` }));
/** Asleep: UTC, inside it. */
const ASLEEP = { id: 's-night', phone: '+447700900999' };
// 142 characters, one of them € (two septets); with the opt-out line: 2 segments of GSM-7
const MESSAGE = `Hello from the winter sale: everything is 20% off until Sunday, and orders over €50 ship free. Show this text in store or use code WINTER online`;

let store: TestStore;
let slack: FakeSlack;
let twilio: FakeTwilio;
let importDir: string;
let port: number;
let env: Record<string, string>;
const bots: SpawnedBot[] = [];

async function slash(user: string, text: string, command = '/campaign'): Promise<string> {
  const id = `r${Math.random().toString(36).slice(2)}`;
  const result = await postSlashCommand(`http://127.0.0.1:${port}`, SIGNING_SECRET, {
    command,
    text,
    channel_id: CHANNEL,
    user_id: user,
    response_url: slack.responseUrl(id),
  });
  expect(result.status).toBe(200);
  return id;
}

async function answered(id: string): Promise<string> {
  await slack.waitFor(() => slack.responsesTo(id).length > 0, ANSWER_TIMEOUT_MS);
  return JSON.stringify(slack.responsesTo(id));
}

function start(): SpawnedBot {
  const bot = spawnBot({ databaseUrl: store.url, env });
  bots.push(bot);
  return bot;
}

async function outbox() {
  return store.db.selectFrom('campaign_outbox').selectAll().orderBy('customer_id').execute();
}

beforeAll(async () => {
  store = await createTestStore();
  const at = '2026-11-01T00:00:00.000Z';
  await store.db
    .insertInto('role_grants')
    .values([
      { platform: 'slack', user_id: MARKETER, role: 'marketer', granted_by: 'seed', granted_at: at },
      { platform: 'slack', user_id: APPROVER, role: 'approver', granted_by: 'seed', granted_at: at },
    ])
    .execute();
  slack = new FakeSlack({ botToken: BOT_TOKEN });
  await slack.start();
  twilio = new FakeTwilio(SID, TOKEN);
  await twilio.start();
  importDir = mkdtempSync(path.join(os.tmpdir(), 'growthbot-sms-'));
  writeFileSync(
    path.join(importDir, 'customers.csv'),
    [
      'customer_id,name,mobile,sms_consent,time_zone',
      ...AWAKE.map((c) => `${c.id},Customer ${c.id},${c.phone.replace(/^\+64/, '+64 ')},yes,Etc/GMT-12`),
      `${ASLEEP.id},Night Owl,${ASLEEP.phone},yes,UTC`,
      's-nosms,No Texts,+6421555099,no,Etc/GMT-12',
      '',
    ].join('\n'),
  );
  port = await freePort();
  const hour = new Date().getUTCHours();
  env = {
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slack.apiUrl,
    PORT: String(port),
    BOT_ADMINS: ADMIN,
    IMPORT_DIR: importDir,
    LOG_LEVEL: 'debug',
    BUSINESS_TZ: 'UTC',
    SMS_API_URL: twilio.apiUrl,
    SMS_ACCOUNT_SID: SID,
    SMS_AUTH_TOKEN: TOKEN,
    SMS_FROM: FROM,
    SMS_STATUS_URL: `http://127.0.0.1:${port}/webhooks/sms`,
    // two hours from the current UTC hour: quiet in UTC, midday in UTC+12
    SMS_QUIET_HOURS: `${hour}-${(hour + 2) % 24}`,
    SMS_RATE_PER_SECOND: '100',
  };
});

afterAll(async () => {
  await killAllBots();
  await slack?.stop();
  await twilio?.stop();
  await store?.close();
  rmSync(importDir, { recursive: true, force: true });
});

describe('npm start: an SMS campaign killed mid-send and resumed', () => {
  it('imports phones, sends each awake customer exactly one SMS across a kill -9, holds the one asleep, takes receipts and STOP', async () => {
    let bot = start();
    await bot.ready();
    const imported = await answered(await slash(ADMIN, `customers ${path.join(importDir, 'customers.csv')}`, '/import'));
    expect(imported).toContain('10');
    const stored = await store.db.selectFrom('customers').select(['customer_id', 'phone']).where('customer_id', '=', 's1').execute();
    expect(stored).toEqual([{ customer_id: 's1', phone: '+64215550100' }]);

    await answered(await slash(MARKETER, `create name=Texts segment=all channel=sms message="${MESSAGE}" cost_per_send=0.0075 holdout=0%`));
    await slash(MARKETER, 'submit Texts');
    // the approval request carries the segments and the cost per segment
    const card = await slack.waitFor(
      () => slack.callsTo('chat.postMessage').find((c) => JSON.stringify(c.params).includes('segments')),
      ANSWER_TIMEOUT_MS,
    );
    expect(JSON.stringify(card.params)).toContain('9 messages × 2 segments at $0.01 per segment');
    expect(await answered(await slash(APPROVER, 'approve Texts'))).toContain('approved');

    // the provider takes the 4th message but the bot dies before its answer
    twilio.onSend = (_message, index) => {
      if (index !== 4) return undefined;
      void bot.kill();
      return { hold: true };
    };
    await slash(MARKETER, 'launch Texts');
    const exit = await bot.exited;
    expect(exit.signal).toBe('SIGKILL');
    expect(twilio.messages).toHaveLength(4);
    const midway = await outbox();
    expect(midway.filter((r) => r.status === 'sent')).toHaveLength(3);
    const inDoubt = midway.find((r) => r.provider_message_id === null && r.attempts === 1 && r.status === 'pending');
    expect(inDoubt).toBeDefined();
    twilio.onSend = undefined;

    bot = start();
    await bot.ready();
    // the launch lease of the killed process expires (a minute), then the campaign clock finishes the delivery
    await slack.waitFor(async () => (await outbox()).filter((r) => r.status === 'sent').length === AWAKE.length, 150_000);

    const rows = await outbox();
    expect(rows).toHaveLength(AWAKE.length + 1);
    // exactly one SMS per awake number, none to the customer in quiet hours
    expect(Object.fromEntries(twilio.countsByNumber())).toEqual(Object.fromEntries(AWAKE.map((c) => [c.phone, 1])));
    expect(twilio.lookups).toBeGreaterThanOrEqual(1);
    const recovered = rows.find((r) => r.customer_id === inDoubt!.customer_id)!;
    expect(recovered).toMatchObject({ status: 'sent', attempts: 2 });
    expect(recovered.provider_message_id).toBe(twilio.messages[3]!.sid);
    expect(rows.find((r) => r.customer_id === ASLEEP.id)).toMatchObject({ status: 'pending', attempts: 0 });
    expect(rows.find((r) => r.customer_id === ASLEEP.id)!.quiet_until).not.toBeNull();
    // each request as Twilio takes it: Basic auth with the account, form-encoded, the same two-segment text
    const basic = `Basic ${Buffer.from(`${SID}:${TOKEN}`).toString('base64')}`;
    for (const m of twilio.messages) {
      expect(m).toMatchObject({ authorization: basic, from: FROM, body: `${MESSAGE}\n${SMS_OPT_OUT}` });
      expect(m.contentType).toMatch(/^application\/x-www-form-urlencoded/);
      expect(m.statusCallback).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${port}/webhooks/sms\\?key=gb-`));
    }
    expect(countSegments(twilio.messages[0]!.body)).toMatchObject({ encoding: 'GSM-7', segments: 2 });

    // a receipt, a signed STOP and a forged one, through the running bot's webhook
    expect((await twilio.receipt(twilio.messages[0]!, 'delivered')).status).toBe(200);
    expect((await twilio.receipt(twilio.messages[1]!, 'failed', '30007')).status).toBe(200);
    const stop = await twilio.inbound(env.SMS_STATUS_URL!, AWAKE[0]!.phone, 'STOP');
    expect(stop.status).toBe(200);
    const forged = await twilio.inbound(env.SMS_STATUS_URL!, AWAKE[1]!.phone, 'STOP', 'a-forgers-guess');
    expect(forged.status).toBe(403);
    const consent = await store.db
      .selectFrom('customers')
      .select(['customer_id', 'sms_consent', 'sms_opted_out_at'])
      .where('customer_id', 'in', ['s1', 's2'])
      .orderBy('customer_id')
      .execute();
    expect(consent.map((c) => [c.customer_id, Number(c.sms_consent), c.sms_opted_out_at !== null])).toEqual([
      ['s1', 0, true],
      ['s2', 1, false],
    ]);
    const receipts = await outbox();
    expect(receipts.find((r) => r.provider_message_id === twilio.messages[0]!.sid)).toMatchObject({ receipt_status: 'delivered' });
    expect(receipts.find((r) => r.provider_message_id === twilio.messages[1]!.sid)).toMatchObject({
      receipt_status: 'failed',
      receipt_error: '30007',
    });
    const audit = await store.db
      .selectFrom('audit_log')
      .select(['command', 'outcome'])
      .where('command', 'like', 'sms %')
      .orderBy('id')
      .execute();
    expect(audit).toEqual([
      { command: 'sms opt-out', outcome: 'ok' },
      { command: 'sms webhook', outcome: 'denied' },
    ]);

    expect(await bot.stop()).toEqual({ code: 0, signal: null });
    // neither run logged the auth token, or a whole phone number
    const logs = bots.map((b) => b.stderr).join('\n');
    expect(logs.length).toBeGreaterThan(1000);
    expect(logs).not.toContain(TOKEN);
    for (const c of [...AWAKE, ASLEEP]) expect(logs).not.toContain(c.phone);
  }, 240_000);
});
