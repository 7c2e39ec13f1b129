import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resumeLaunches } from '../../src/campaigns/launcher.ts';
import { campaignDeps, campaignRoutes } from '../../src/campaigns/services.ts';
import { SMS_OPT_OUT } from '../../src/campaigns/delivery/sms.ts';
import type { Bot } from '../../src/core/bot.ts';
import { startHttpServer, type RunningHttpServer } from '../../src/http/server.ts';
import { TWILIO_SIGNATURE_HEADER, twilioSignature } from '../../src/sms/signature.ts';
import { FakeTwilio } from '../fakes/twilio.ts';
import { createTestBot, run } from '../helpers/bot.ts';
import { freePort } from '../helpers/spawn-bot.ts';
import { createTestStore, type TestStore } from '../helpers/store.ts';
import { approver, expectOk, grantRoles, marketer, testClock, viewer } from '../campaigns/fixtures.ts';

// The SMS channel in one process against a fake Twilio-compatible API, on SQLite and PostgreSQL:
// consent and phones decide who is reached, quiet hours hold messages in each customer's zone,
// receipts and replies arrive through the signed webhook, retries never send twice.

const SID = `AC${'0123456789abcdef'.repeat(2)}`;
const TOKEN = 'sms-auth-token-7f3a9c';
const FROM = '+15005550006';
const PHONES = {
  tokyo: '+81312345678',
  la: '+13105550101',
  utc: '+447700900123',
  berlin: '+4915123456789',
  ny: '+12125550123',
  nosms: '+12125550199',
  unsub: '+12125550188',
};
// 148 characters of GSM-7, [ and ] two septets each; with the opt-out line 171 characters, 173 septets: two segments
const MESSAGE = `Winter sale: 20% off everything in store and online until Sunday [code WINTER]. ${'x'.repeat(149 - 81)}`;

let store: TestStore;
let fake: FakeTwilio;
let http: RunningHttpServer;
let statusUrl: string;
let env: Record<string, string>;
const clock = testClock('2026-12-08T03:00:00.000Z');
let bot: Bot;

async function outbox(id: number) {
  const rows = await store.db.selectFrom('campaign_outbox').selectAll().where('campaign_id', '=', id).orderBy('customer_id').execute();
  return Object.fromEntries(rows.map((r) => [r.customer_id, r]));
}

async function smsConsent(id: string): Promise<number> {
  return Number(
    (await store.db.selectFrom('customers').select('sms_consent').where('customer_id', '=', id).executeTakeFirstOrThrow()).sms_consent,
  );
}

async function audits(command: string) {
  return store.db.selectFrom('audit_log').selectAll().where('command', '=', command).orderBy('id').execute();
}

async function approvedSmsCampaign(b: Bot, name: string, message = MESSAGE): Promise<{ id: number; submitted: any }> {
  const id = expectOk(
    await run(b, `/campaign create name=${name} segment=all channel=sms message="${message}" cost_per_send=0.01 holdout=0%`, marketer),
  ).data.campaign.id as number;
  const submitted = expectOk(await run(b, `/campaign submit ${id}`, marketer));
  expectOk(await run(b, `/campaign approve ${id}`, approver));
  return { id, submitted };
}

beforeAll(async () => {
  store = await createTestStore();
  await grantRoles(store.db);
  fake = new FakeTwilio(SID, TOKEN, clock.now);
  await fake.start();
  const port = await freePort();
  statusUrl = `http://127.0.0.1:${port}/webhooks/sms`;
  env = {
    SMS_API_URL: fake.apiUrl,
    SMS_ACCOUNT_SID: SID,
    SMS_AUTH_TOKEN: TOKEN,
    SMS_FROM: FROM,
    SMS_STATUS_URL: statusUrl,
    SMS_RATE_PER_SECOND: '1000',
    DELIVERY_RETRY_BASE_SECONDS: '0.01',
    BUSINESS_TZ: 'UTC',
  };
  bot = await createTestBot(store.db, store.dir, { now: clock.now, env });
  http = await startHttpServer(campaignRoutes(bot), port, '127.0.0.1');
  const files = path.join(store.dir, 'files');
  mkdirSync(files, { recursive: true });
  const file = path.join(files, 'customers.csv');
  writeFileSync(
    file,
    [
      'customer_id,name,phone,sms_consent,time_zone,consent',
      `c-tokyo,Aiko,${PHONES.tokyo},yes,Asia/Tokyo,yes`,
      `c-la,Lee,${PHONES.la},yes,America/Los_Angeles,no`,
      `c-utc,Uma,${PHONES.utc},yes,,yes`,
      `c-berlin,Ben,${PHONES.berlin},yes,Europe/Berlin,yes`,
      `c-ny,Nia,${PHONES.ny},yes,America/New_York,yes`,
      `c-nosms,Noa,${PHONES.nosms},no,UTC,yes`,
      `c-nophone,Pia,,yes,UTC,yes`,
      `c-unsub,Una,${PHONES.unsub},yes,UTC,yes`,
      '',
    ].join('\n'),
  );
  expectOk(await run(bot, `/import customers ${file}`));
  await store.db
    .insertInto('events')
    .values({
      customer_id: 'c-unsub',
      campaign_id: '1',
      type: 'unsubscribed',
      occurred_at: '2026-12-01T00:00:00.000Z',
      updated_at: '2026-12-01T00:00:00.000Z',
    })
    .execute();
});

afterAll(async () => {
  await http?.close();
  await fake?.stop();
  await store?.close();
});

describe('an SMS campaign', () => {
  let id: number;

  it('is costed per segment, reaches only SMS-consenting customers with a phone, and holds those in their quiet hours', async () => {
    const launchedAt = clock.now();
    const { id: campaignId, submitted } = await approvedSmsCampaign(bot, 'Texts');
    id = campaignId;
    const preview = JSON.stringify(submitted.view);
    // five reachable (marketing consent is not what SMS asks for: c-la has none and is reached)
    expect(preview).toContain('2 segments (GSM-7, 171 characters)');
    expect(preview).toContain('$0.10 (5 messages × 2 segments at $0.01 per segment)');
    expect(preview).toMatch(/excluded: 1 without SMS consent, 1 unsubscribed, 1 without a phone number/);

    const launched = expectOk(await run(bot, `/campaign launch ${id}`, marketer));
    // 03:00 UTC: 12:00 in Tokyo and 19:00 in Los Angeles are sent; 03:00 UTC, 04:00 in Berlin and 22:00 in New York wait
    expect(launched.data.launch.outbox).toMatchObject({ total: 5, sent: 2, pending: 3, quiet_hours: 3 });
    expect([...fake.countsByNumber().keys()].sort()).toEqual([PHONES.la, PHONES.tokyo].sort());
    const basic = `Basic ${Buffer.from(`${SID}:${TOKEN}`).toString('base64')}`;
    const rows = await outbox(id);
    for (const message of fake.messages) {
      expect(message).toMatchObject({ authorization: basic, from: FROM, body: `${MESSAGE}\n${SMS_OPT_OUT}` });
      expect(message.contentType).toMatch(/^application\/x-www-form-urlencoded/);
      const row = Object.values(rows).find((r) => r.provider_message_id === message.sid)!;
      expect(message.statusCallback).toBe(`${statusUrl}?key=${row.idempotency_key}`);
      expect(message.idempotencyKey).toBe(row.idempotency_key);
    }
    expect(rows['c-berlin']).toMatchObject({ status: 'pending', attempts: 0, quiet_until: '2026-12-08T08:00:00.000Z' });
    expect(rows['c-utc']).toMatchObject({ status: 'pending', attempts: 0, quiet_until: '2026-12-08T09:00:00.000Z' });
    expect(rows['c-ny']).toMatchObject({ status: 'pending', attempts: 0, quiet_until: '2026-12-08T14:00:00.000Z' });
    expect(launchedAt.toISOString()).toBe('2026-12-08T03:00:00.000Z');

    const report = expectOk(await run(bot, `/campaign report ${id}`, viewer));
    expect(report.data.sends).toMatchObject({ sent: 2, pending: 3, quiet_hours: 3 });
    expect(JSON.stringify(report.view)).toContain('3 still owed, 3 of them waiting for their quiet hours to end');
    const shown = expectOk(await run(bot, `/campaign show ${id}`, viewer));
    expect(JSON.stringify(shown.view)).toContain('3 waiting (3 for their quiet hours to end)');
  });

  it('a signed STOP withdraws SMS consent at once and is audited; forged, unsigned and replayed ones change nothing', async () => {
    const sid = 'SM11111111111111111111111111111111';
    const stop = await fake.inbound(statusUrl, PHONES.ny, 'Stop', TOKEN, sid);
    expect(stop.status).toBe(200);
    expect(stop.body).toContain('<Response>');
    expect(await smsConsent('c-ny')).toBe(0);
    const optOuts = await audits('sms opt-out');
    expect(optOuts).toHaveLength(1);
    expect(optOuts[0]).toMatchObject({ platform: 'webhook', user_id: 'sms', outcome: 'ok' });
    expect(JSON.parse(optOuts[0]!.options)).toEqual({ reply: 'STOP', from: '+1212…23', customers: 'c-ny' });

    expect((await fake.inbound(statusUrl, PHONES.ny, 'Stop', TOKEN, sid)).status).toBe(200); // replayed
    expect(await audits('sms opt-out')).toHaveLength(1);

    const forged = await fake.inbound(statusUrl, PHONES.berlin, 'STOP', 'not-the-token');
    expect(forged.status).toBe(403);
    const unsigned = await fake.inbound(statusUrl, PHONES.berlin, 'STOP', null);
    expect(unsigned.status).toBe(403);
    expect(await smsConsent('c-berlin')).toBe(1);
    const refused = await audits('sms webhook');
    expect(refused.map((r) => [r.outcome, r.detail])).toEqual([
      ['denied', 'Refused an SMS webhook request: the X-Twilio-Signature does not match the request.'],
      ['denied', 'Refused an SMS webhook request: no X-Twilio-Signature.'],
    ]);
    // a signature over another URL (the same parameters signed for elsewhere) does not verify either
    const params = { MessageSid: 'SM2', From: PHONES.berlin, Body: 'STOP' };
    const elsewhere = await fetch(statusUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        [TWILIO_SIGNATURE_HEADER]: twilioSignature(TOKEN, 'https://other.example.com/webhooks/sms', params),
      },
      body: new URLSearchParams(params).toString(),
    });
    expect(elsewhere.status).toBe(403);
    expect(await smsConsent('c-berlin')).toBe(1);
  });

  it('the held messages go when each zone’s window ends; the one who replied STOP meanwhile is skipped', async () => {
    clock.set('2026-12-08T08:30:00.000Z');
    await resumeLaunches(campaignDeps(bot));
    expect((await outbox(id))['c-berlin']).toMatchObject({ status: 'sent', quiet_until: null });
    expect((await outbox(id))['c-utc']).toMatchObject({ status: 'pending', quiet_until: '2026-12-08T09:00:00.000Z' });
    clock.set('2026-12-08T14:30:00.000Z');
    await resumeLaunches(campaignDeps(bot));
    const rows = await outbox(id);
    expect(Object.fromEntries(Object.entries(rows).map(([c, r]) => [c, r.status]))).toEqual({
      'c-berlin': 'sent',
      'c-la': 'sent',
      'c-ny': 'skipped',
      'c-tokyo': 'sent',
      'c-utc': 'sent',
    });
    // one message per number, never to the one who stopped, nor to anyone without SMS consent or a phone
    expect(Object.fromEntries(fake.countsByNumber())).toEqual({
      [PHONES.tokyo]: 1,
      [PHONES.la]: 1,
      [PHONES.berlin]: 1,
      [PHONES.utc]: 1,
    });
    expect((await store.db.selectFrom('campaigns').select('state').where('id', '=', id).executeTakeFirstOrThrow()).state).toBe('live');
  });

  it('delivery receipts update the outbox: delivered (a delivery event), undelivered with the provider’s error code', async () => {
    const to = (phone: string) => fake.messages.find((m) => m.to === phone)!;
    expect((await fake.receipt(to(PHONES.tokyo), 'sent')).status).toBe(200);
    expect((await fake.receipt(to(PHONES.tokyo), 'delivered')).status).toBe(200);
    expect((await fake.receipt(to(PHONES.la), 'undelivered', '30003')).status).toBe(200);
    const rows = await outbox(id);
    expect(rows['c-tokyo']).toMatchObject({ receipt_status: 'delivered', receipt_error: null, receipt_at: '2026-12-08T14:30:00.000Z' });
    expect(rows['c-la']).toMatchObject({ receipt_status: 'undelivered', receipt_error: '30003' });
    expect(rows['c-utc']!.receipt_status).toBeNull();
    const report = expectOk(await run(bot, `/campaign report ${id}`, viewer));
    expect(report.data.sends).toMatchObject({ delivered: 1, undelivered: 1 });
    expect(JSON.stringify(report.view)).toContain("1 undelivered (the provider's receipts)");
    // the same receipt again is no second delivery
    await fake.receipt(to(PHONES.tokyo), 'delivered');
    const delivered = await store.db.selectFrom('events').select('customer_id').where('type', '=', 'delivered').execute();
    expect(delivered).toEqual([{ customer_id: 'c-tokyo' }]);
    // a receipt signed with another token is refused
    const forged = await fake.post(
      to(PHONES.utc).statusCallback,
      { MessageSid: to(PHONES.utc).sid, MessageStatus: 'failed', ErrorCode: '30007' },
      'wrong',
    );
    expect(forged.status).toBe(403);
    expect((await outbox(id))['c-utc']!.receipt_status).toBeNull();
  });

  it('START gives SMS consent back to who had replied STOP, and to no one else', async () => {
    expect((await fake.inbound(statusUrl, PHONES.ny, 'START')).status).toBe(200);
    expect(await smsConsent('c-ny')).toBe(1);
    expect((await fake.inbound(statusUrl, PHONES.nosms, 'START')).status).toBe(200);
    expect(await smsConsent('c-nosms')).toBe(0);
    expect((await audits('sms opt-in')).map((r) => r.detail)).toEqual([
      'SMS consent given back: 1 customer.',
      'No customer who had replied STOP with that number: nothing changed.',
    ]);
  });
});

describe('retries', () => {
  it('a temporary failure is retried, a refusal fails at once (an opt-out with the provider withdraws SMS consent), and an answer lost after the provider took the message sends nothing twice', async () => {
    const awake = await createTestBot(store.db, store.dir, { now: clock.now, env: { ...env, SMS_QUIET_HOURS: 'off' } });
    const before = fake.messages.length;
    const tries = new Map<string, number>();
    fake.onSend = (message) => {
      const n = (tries.get(message.to) ?? 0) + 1;
      tries.set(message.to, n);
      if (message.to === PHONES.la)
        return { status: 400, body: { code: 21610, message: `Attempt to send to unsubscribed recipient ${PHONES.la}`, status: 400 } };
      if (message.to === PHONES.tokyo && n === 1)
        return { status: 503, body: { code: 20503, message: 'Service unavailable', status: 503 } };
      // created, but the answer is lost on the way back
      if (message.to === PHONES.utc && n === 1) return { status: 502, body: {}, keep: true };
      return undefined;
    };
    const { id } = await approvedSmsCampaign(awake, 'Again', 'Last call: the winter sale ends tonight.');
    const launched = expectOk(await run(awake, `/campaign launch ${id}`, marketer));
    expect(launched.data.launch.outbox).toMatchObject({ total: 5, sent: 2, failed: 1, pending: 2, quiet_hours: 0 });
    let rows = await outbox(id);
    expect(rows['c-la']).toMatchObject({ status: 'failed', failure_kind: 'permanent' });
    expect(rows['c-la']!.last_error).toContain('error 21610');
    expect(rows['c-la']!.last_error).not.toContain(PHONES.la); // the number is masked in what is stored
    // 21610: the number opted out with the provider itself; SMS consent is withdrawn here too
    expect(await smsConsent('c-la')).toBe(0);
    expect((await audits('sms opt-out')).at(-1)).toMatchObject({
      outcome: 'ok',
      detail: expect.stringContaining('the provider refused the text'),
    });
    expect(rows['c-tokyo']).toMatchObject({ status: 'pending', attempts: 1 });
    expect(rows['c-utc']).toMatchObject({ status: 'pending', attempts: 1 });

    const lookups = fake.lookups;
    clock.set('2026-12-08T14:31:00.000Z');
    await resumeLaunches(campaignDeps(awake));
    fake.onSend = undefined;
    rows = await outbox(id);
    expect(Object.fromEntries(Object.entries(rows).map(([c, r]) => [c, r.status]))).toMatchObject({
      'c-tokyo': 'sent',
      'c-utc': 'sent',
      'c-la': 'failed',
    });
    // both were looked up before being sent again; only the one the provider did not have was sent
    expect(fake.lookups - lookups).toBe(2);
    const mine = fake.messages.slice(before);
    const count = (phone: string) => mine.filter((m) => m.to === phone).length;
    expect([count(PHONES.tokyo), count(PHONES.utc), count(PHONES.la)]).toEqual([1, 1, 0]);
    expect(rows['c-utc']!.provider_message_id).toBe(mine.find((m) => m.to === PHONES.utc)!.sid);
  });
});
