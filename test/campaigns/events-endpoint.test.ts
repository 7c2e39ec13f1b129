import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EVENTS_PATH,
  EVENTS_SIGNATURE_HEADER,
  EVENTS_TIMESTAMP_HEADER,
  handleEventsRequest,
  signEvents,
} from '../../src/campaigns/events-endpoint.ts';
import { startCampaignServices, type CampaignServices } from '../../src/campaigns/services.ts';
import type { Bot } from '../../src/core/bot.ts';
import { createTestBot, run } from '../helpers/bot.ts';
import { createTestStore, type TestStore } from '../helpers/store.ts';
import { approver, captureNotifications, expectOk, grantRoles, ids, marketer, seedCustomers, seedSegment, testClock } from './fixtures.ts';

const SECRET = 'events-secret';
const clock = testClock('2026-11-20T10:00:00.000Z');
let store: TestStore;
let bot: Bot;
let services: CampaignServices;
let url: string;
const members = ids('e', 40);

beforeAll(async () => {
  store = await createTestStore();
  bot = await createTestBot(store.db, store.dir, { now: clock.now, env: { EVENTS_WEBHOOK_SECRET: SECRET } });
  captureNotifications(bot);
  await grantRoles(store.db);
  await seedCustomers(
    store.db,
    members.map((id) => ({ id })),
  );
  await seedSegment(store.db, 'everyone', members);
  services = await startCampaignServices(bot, { httpPort: 0, httpHost: '127.0.0.1', tickMs: 0 });
  url = `http://127.0.0.1:${services.http!.port}${EVENTS_PATH}`;
});

afterAll(async () => {
  await services.stop();
  await store.close();
});

const seconds = () => Math.floor(clock.now().getTime() / 1000);

function post(body: string, headers: Record<string, string>) {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
}

function signed(body: string, timestamp = seconds(), secret = SECRET) {
  return post(body, { [EVENTS_TIMESTAMP_HEADER]: String(timestamp), [EVENTS_SIGNATURE_HEADER]: signEvents(secret, timestamp, body) });
}

const eventCount = async () =>
  Number(
    (
      await store.db
        .selectFrom('events')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

describe('POST /webhooks/events', () => {
  it('skips and counts events of an erased customer (on the suppression list), never storing them', async () => {
    await seedCustomers(store.db, [{ id: 'gone1' }]);
    expectOk(await run(bot, '/customer forget gone1'));
    const body = JSON.stringify({
      events: [
        { customer_id: 'gone1', campaign_id: 1, type: 'clicked', occurred_at: '2026-11-20T09:10:00Z' },
        { customer_id: 'e039', campaign_id: 1, type: 'clicked', occurred_at: '2026-11-20T09:10:00Z' },
      ],
    });
    const response = await signed(body);
    expect(await response.json()).toEqual({ ok: true, received: 2, recorded: 1, duplicates: 0, suppressed: 1 });
    expect(await store.db.selectFrom('events').selectAll().where('customer_id', '=', 'gone1').execute()).toEqual([]);
    await store.db.deleteFrom('events').where('customer_id', '=', 'e039').execute();
  });

  it('records signed events (one or many) and counts exact repeats as duplicates', async () => {
    const body = JSON.stringify({
      events: [
        { customer_id: 'e001', campaign_id: 1, type: 'delivered', occurred_at: '2026-11-20T09:00:00Z' },
        { customer_id: 'e001', campaign_id: 1, type: 'opened', occurred_at: '2026-11-20T09:05:00Z' },
        { customer_id: 'e001', campaign_id: 1, type: 'opened', occurred_at: '2026-11-20T09:05:00Z' },
      ],
    });
    const response = await signed(body);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true, received: 3, recorded: 2, duplicates: 1 });
    const single = await signed(JSON.stringify({ customer_id: 'e002', campaign_id: '1', type: 'clicked' }));
    expect(single.status).toBe(200);
    const rows = await store.db.selectFrom('events').selectAll().where('customer_id', '=', 'e002').execute();
    expect(rows).toEqual([expect.objectContaining({ campaign_id: '1', type: 'clicked', occurred_at: '2026-11-20T10:00:00.000Z' })]);
  });

  it('refuses unsigned, wrongly signed, tampered, stale and replayed requests without recording anything', async () => {
    const before = await eventCount();
    const body = JSON.stringify({ customer_id: 'e003', campaign_id: 1, type: 'converted' });
    const unsigned = await post(body, {});
    expect(unsigned.status).toBe(401);
    expect(((await unsigned.json()) as { error: string }).error).toBe('unsigned');

    const wrongSecret = await signed(body, seconds(), 'not-the-secret');
    expect(((await wrongSecret.json()) as { error: string }).error).toBe('bad_signature');

    const ts = seconds();
    const tampered = await post(body.replace('converted', 'opened'), {
      [EVENTS_TIMESTAMP_HEADER]: String(ts),
      [EVENTS_SIGNATURE_HEADER]: signEvents(SECRET, ts, body),
    });
    expect(tampered.status).toBe(401);
    const swappedTimestamp = await post(body, {
      [EVENTS_TIMESTAMP_HEADER]: String(ts + 1),
      [EVENTS_SIGNATURE_HEADER]: signEvents(SECRET, ts, body),
    });
    expect(((await swappedTimestamp.json()) as { error: string }).error).toBe('bad_signature');

    const stale = await signed(body, seconds() - 301);
    expect(stale.status).toBe(401);
    expect(((await stale.json()) as { error: string }).error).toBe('stale_timestamp');
    expect(await eventCount()).toBe(before);

    const first = await signed(body, ts);
    expect(first.status).toBe(200);
    const replay = await signed(body, ts);
    expect(replay.status).toBe(409);
    expect(await eventCount()).toBe(before + 1);
  });

  it('a request whose events cannot be written leaves no receipt, so the retry of the same request is accepted', async () => {
    const body = JSON.stringify({ customer_id: 'e003', campaign_id: '1', type: 'opened', occurred_at: '2026-11-20T09:30:00Z' });
    const timestamp = String(seconds());
    const signature = signEvents(SECRET, timestamp, body);
    const headers = { [EVENTS_TIMESTAMP_HEADER]: timestamp, [EVENTS_SIGNATURE_HEADER]: signature };
    const deps = { db: store.db, secret: SECRET, now: clock.now };
    const receipts = async () =>
      (await store.db.selectFrom('campaign_event_receipts').select('signature').where('signature', '=', signature).execute()).length;
    // the events table is briefly unavailable: the insert after the receipt fails
    await sql`ALTER TABLE events RENAME TO events_away`.execute(store.db);
    try {
      await expect(handleEventsRequest(deps, headers, Buffer.from(body))).rejects.toThrow();
    } finally {
      await sql`ALTER TABLE events_away RENAME TO events`.execute(store.db);
    }
    expect(await receipts()).toBe(0);
    const retry = await handleEventsRequest(deps, headers, Buffer.from(body));
    expect(retry).toEqual({ status: 200, body: { ok: true, received: 1, recorded: 1, duplicates: 0 } });
    expect(await receipts()).toBe(1);
    expect((await handleEventsRequest(deps, headers, Buffer.from(body))).status).toBe(409);
  });

  it('refuses bodies over the size cap, bad JSON, unknown event types, and other methods or paths', async () => {
    const huge = JSON.stringify({ events: [], padding: 'x'.repeat(1_100_000) });
    expect((await signed(huge)).status).toBe(413);
    expect((await signed('not json')).status).toBe(400);
    const badType = await signed(JSON.stringify({ customer_id: 'e001', campaign_id: 1, type: 'bounced' }));
    expect(badType.status).toBe(400);
    expect((await fetch(url, { method: 'GET' })).status).toBe(404);
    expect((await fetch(url.replace('events', 'other'), { method: 'POST', body: '{}' })).status).toBe(404);
  });

  it('without EVENTS_WEBHOOK_SECRET every request is refused', async () => {
    const unconfigured = await createTestBot(store.db, store.dir, { now: clock.now });
    const other = await startCampaignServices(unconfigured, { httpPort: 0, httpHost: '127.0.0.1', tickMs: 0 });
    const body = JSON.stringify({ customer_id: 'e001', type: 'opened' });
    const ts = seconds();
    const response = await fetch(`http://127.0.0.1:${other.http!.port}${EVENTS_PATH}`, {
      method: 'POST',
      headers: { [EVENTS_TIMESTAMP_HEADER]: String(ts), [EVENTS_SIGNATURE_HEADER]: signEvents(SECRET, ts, body) },
      body,
    });
    expect(response.status).toBe(503);
    await other.stop();
  });

  it('an unsubscribe received by the webhook is honoured by every later launch', async () => {
    const first = expectOk(await run(bot, '/campaign create name=First segment=everyone holdout=0%', marketer)).data.campaign.id;
    expectOk(await run(bot, `/campaign submit ${first}`, marketer));
    expectOk(await run(bot, `/campaign approve ${first}`, approver));
    const launched = expectOk(await run(bot, `/campaign launch ${first}`, marketer));
    expect(launched.data.launch.recipients).toBe(40);

    clock.advanceHours(1);
    const unsubscribe = await signed(
      JSON.stringify({ events: ['e010', 'e020'].map((customer_id) => ({ customer_id, campaign_id: first, type: 'unsubscribed' })) }),
    );
    expect(unsubscribe.status).toBe(200);

    const second = expectOk(await run(bot, '/campaign create name=Second segment=everyone holdout=0%', marketer)).data.campaign.id;
    const submitted = expectOk(await run(bot, `/campaign submit ${second}`, marketer));
    expect(submitted.data.preview.excluded.unsubscribed).toBe(2);
    expectOk(await run(bot, `/campaign approve ${second}`, approver));
    const relaunch = expectOk(await run(bot, `/campaign launch ${second}`, marketer));
    expect(relaunch.data.launch.recipients).toBe(38);
    const outbox = await store.db.selectFrom('campaign_outbox').select('customer_id').where('campaign_id', '=', second).execute();
    expect(outbox.map((o) => o.customer_id)).not.toContain('e010');
    expect(outbox.map((o) => o.customer_id)).not.toContain('e020');
  });
});
