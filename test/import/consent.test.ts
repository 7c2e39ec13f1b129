import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { eligibleMembers } from '../../src/campaigns/audience.ts';
import { EVENTS_SIGNATURE_HEADER, EVENTS_TIMESTAMP_HEADER, handleEventsRequest, signEvents } from '../../src/campaigns/events-endpoint.ts';
import type { Bot } from '../../src/core/bot.ts';
import { createTestBot, run } from '../helpers/bot.ts';
import { createTestStore, type TestStore } from '../helpers/store.ts';

// Consent changes only by an explicit value: a missing column or an empty cell keeps what is stored.
const EXAMPLES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../examples');
const NOW = '2026-11-25T10:00:00.000Z';

let store: TestStore;
let bot: Bot;
let optimist: Bot;
let files: string;
let n = 0;

function csv(lines: string[]): string {
  const file = path.join(files, `file-${++n}.csv`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

async function consentOf(...ids: string[]): Promise<Record<string, number>> {
  const rows = await store.db.selectFrom('customers').select(['customer_id', 'consent']).where('customer_id', 'in', ids).execute();
  return Object.fromEntries(rows.map((r) => [r.customer_id, Number(r.consent)]));
}

async function count(where: 'consent_no' | 'all'): Promise<number> {
  let query = store.db.selectFrom('customers').select((eb) => eb.fn.countAll<number>().as('n'));
  if (where === 'consent_no') query = query.where('consent', '=', 0);
  return Number((await query.executeTakeFirstOrThrow()).n);
}

beforeAll(async () => {
  store = await createTestStore();
  files = path.join(store.dir, 'files');
  mkdirSync(files, { recursive: true });
  bot = await createTestBot(store.db, store.dir, { now: () => new Date(NOW) });
  optimist = await createTestBot(store.db, store.dir, { now: () => new Date(NOW), env: { DEFAULT_CONSENT: 'true' } });
});
afterAll(async () => store.close());
beforeEach(async () => {
  for (const table of ['customer_attributes', 'orders', 'events', 'customers'] as const) await store.db.deleteFrom(table).execute();
});

describe('consent on /import customers', () => {
  it('a file without a consent column re-opts nobody in: the demo opt-outs survive a customer_id,country file', async () => {
    const first = await run(bot, `/import customers ${path.join(EXAMPLES, 'customers.csv')}`);
    expect(first.data).toMatchObject({ inserted: 5000, consent_changes: { opted_in: 0, opted_out: 0, kept_unsubscribed: 0 } });
    const optedOut = readFileSync(path.join(EXAMPLES, 'customers.csv'), 'utf8')
      .split('\n')
      .filter((l) => l.includes(',false,')).length;
    expect(optedOut).toBe(574);
    expect(await count('consent_no')).toBe(optedOut);
    const ids = readFileSync(path.join(EXAMPLES, 'customers.csv'), 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(',')[0]!);
    const reply = await run(bot, `/import customers ${csv(['customer_id,country', ...ids.map((id) => `${id},ZZ`)])}`);
    expect(reply.ok).toBe(true);
    expect(reply.data).toMatchObject({ read: 5000, updated: 5000, consent_changes: { opted_in: 0, opted_out: 0, kept_unsubscribed: 0 } });
    expect(reply.data).not.toHaveProperty('consent_source');
    expect(reply.view.text).toMatch(/0 customers opted out, 0 opted in\.$/);
    expect(reply.view.notes).toContainEqual(expect.stringMatching(/^The file has no consent column: stored customers keep their consent/));
    expect(await count('consent_no')).toBe(optedOut);
  });

  it('an empty cell keeps the stored value; explicit yes and no change it and are counted', async () => {
    await run(bot, `/import customers ${csv(['customer_id,consent', 'a,yes', 'b,no', 'c,yes', 'd,no', 'e,yes'])}`);
    const reply = await run(bot, `/import customers ${csv(['customer_id,consent', 'a,', 'b,', 'c,no', 'd,yes', 'e,no', 'f,'])}`);
    expect(reply.data).toMatchObject({ inserted: 1, updated: 3, unchanged: 2, consent_changes: { opted_in: 1, opted_out: 2 } });
    expect(reply.view.text).toMatch(/2 customers opted out, 1 opted in\.$/);
    expect(reply.view.fields).toContainEqual({ label: 'Consent changes', value: '2 opted out, 1 opted in' });
    // f is new with an empty cell: DEFAULT_CONSENT (false)
    expect(await consentOf('a', 'b', 'c', 'd', 'e', 'f')).toEqual({ a: 1, b: 0, c: 0, d: 1, e: 0, f: 0 });
  });

  it('refuses an orders file imported as customers, and changes nothing', async () => {
    await run(bot, `/import customers ${path.join(EXAMPLES, 'customers.csv')}`);
    const before = await store.db.selectFrom('customers').select(['customer_id', 'consent', 'updated_at']).orderBy('customer_id').execute();
    const reply = await run(bot, `/import customers ${path.join(EXAMPLES, 'orders.csv')}`);
    expect(reply.ok).toBe(false);
    expect(reply.data.error.code).toBe('wrong_kind');
    expect(reply.data.error.message).toMatch(
      /^This looks like an orders file, not a customers file: it has `order_id`, `order_date`, `quantity`, `unit_price` columns\. Nothing was imported\.$/,
    );
    expect(reply.data.error.hint).toMatch(/^Import it with \/import orders\. .* map="order_id:last_order_id"\.$/);
    expect(
      await store.db.selectFrom('customers').select(['customer_id', 'consent', 'updated_at']).orderBy('customer_id').execute(),
    ).toEqual(before);
  });

  it('accepts such columns once map= says what they are; an events file is refused too', async () => {
    const file = csv(['customer_id,Order ID,Total,consent', 'm1,1001,12.50,yes']);
    const refused = await run(bot, `/import customers ${file}`);
    expect(refused.data.error).toMatchObject({ code: 'wrong_kind' });
    expect(refused.data.error.message).toMatch(/looks like an orders file/);
    const mapped = await run(bot, `/import customers ${file} map="Order ID:last_order_id"`);
    expect(mapped.ok).toBe(true);
    expect(mapped.data).toMatchObject({ inserted: 1 });
    expect(await consentOf('m1')).toEqual({ m1: 1 });
    const events = await run(bot, `/import customers ${path.join(EXAMPLES, 'events.csv')}`);
    expect(events.data.error.message).toMatch(/^This looks like an events file/);
  });
});

describe('DEFAULT_CONSENT', () => {
  const orders = () => csv(['order_id,customer_id,order_date,amount', 'o1,new1,2026-01-02,10', 'o2,new2,2026-01-03,20']);

  it('false (the default): new customers without a value and customers created from orders get no consent', async () => {
    await run(bot, `/import customers ${csv(['customer_id,email', 'n1,n1@example.com'])}`);
    const reply = await run(bot, `/import orders ${orders()}`);
    expect(reply.data).toMatchObject({ customers_created: 2 });
    expect(reply.view.notes).toContainEqual(expect.stringMatching(/^The 2 customers created from these orders got DEFAULT_CONSENT \(no/));
    expect(await consentOf('n1', 'new1', 'new2')).toEqual({ n1: 0, new1: 0, new2: 0 });
  });

  it('true: they get consent, except a customer who unsubscribed; stored customers keep theirs', async () => {
    await run(optimist, `/import customers ${csv(['customer_id,consent', 'kept,no'])}`);
    await run(optimist, `/import events ${csv(['customer_id,campaign_id,type,occurred_at', 'new2,c1,unsubscribed,2026-01-01T00:00:00Z'])}`);
    await run(optimist, `/import customers ${csv(['customer_id,email', 'n1,n1@example.com', 'kept,kept@example.com'])}`);
    await run(optimist, `/import orders ${orders()}`);
    expect(await consentOf('n1', 'kept', 'new1', 'new2')).toEqual({ n1: 1, kept: 0, new1: 1, new2: 0 });
  });
});

describe('unsubscribes', () => {
  it('an unsubscribe event sets consent false; a later yes counts only with a newer consent_updated_at', async () => {
    await run(bot, `/import customers ${csv(['customer_id,email,consent', 'u1,u1@example.com,yes', 'u2,u2@example.com,yes'])}`);
    const events = await run(
      bot,
      `/import events ${csv(['customer_id,campaign_id,type,occurred_at', 'u1,c1,unsubscribed,2026-03-01T12:00:00Z', 'u2,c1,opened,2026-03-01T12:00:00Z'])}`,
    );
    expect(events.data).toMatchObject({ inserted: 2, consent_changes: { opted_in: 0, opted_out: 1 } });
    expect(events.view.text).toMatch(/1 customer opted out, 0 opted in\.$/);
    const row = await store.db
      .selectFrom('customers')
      .select(['consent', 'consent_updated_at'])
      .where('customer_id', '=', 'u1')
      .executeTakeFirst();
    expect(row).toEqual({ consent: 0, consent_updated_at: '2026-03-01T12:00:00.000Z' });

    // a yes without a date, or dated before the unsubscribe, is not enough
    for (const line of ['u1,yes,', 'u1,yes,2026-02-01']) {
      const reply = await run(bot, `/import customers ${csv(['customer_id,consent,consent_updated_at', line])}`);
      expect(reply.data.consent_changes).toEqual({ opted_in: 0, opted_out: 0, kept_unsubscribed: 1 });
      expect(reply.view.notes).toContainEqual(
        expect.stringMatching(/^1 row says yes for customers who unsubscribed since: they stay opted out/),
      );
      expect(await consentOf('u1')).toEqual({ u1: 0 });
    }
    expect((await eligibleMembers(store.db, ['u1', 'u2'], 'email')).excluded).toMatchObject({ unsubscribed: 1 });

    // a yes dated after it re-subscribes, and the audience takes the customer back
    const back = await run(bot, `/import customers ${csv(['customer_id,consent,consent_updated_at', 'u1,yes,2026-04-01T09:00:00Z'])}`);
    expect(back.data.consent_changes).toEqual({ opted_in: 1, opted_out: 0, kept_unsubscribed: 0 });
    expect(await consentOf('u1')).toEqual({ u1: 1 });
    expect(await eligibleMembers(store.db, ['u1', 'u2'], 'email')).toEqual({
      eligible: ['u1', 'u2'],
      excluded: { no_consent: 0, unsubscribed: 0, no_email: 0, no_phone: 0, unknown: 0 },
    });
    // re-importing the old unsubscribe changes nothing; a newer one withdraws consent again
    const again = await run(
      bot,
      `/import events ${csv(['customer_id,campaign_id,type,occurred_at', 'u1,c1,unsubscribed,2026-03-01T12:00:00Z'])}`,
    );
    expect(again.data.consent_changes).toMatchObject({ opted_out: 0 });
    const newer = await run(
      bot,
      `/import events ${csv(['customer_id,campaign_id,type,occurred_at', 'u1,c2,unsubscribed,2026-05-01T00:00:00Z'])}`,
    );
    expect(newer.data.consent_changes).toMatchObject({ opted_out: 1 });
    expect(await consentOf('u1')).toEqual({ u1: 0 });
  });

  it('an unsubscribe through POST /webhooks/events withdraws consent the same way', async () => {
    await run(bot, `/import customers ${csv(['customer_id,email,consent', 'w1,w1@example.com,yes', 'w2,w2@example.com,yes'])}`);
    const secret = 'events-secret';
    const body = Buffer.from(
      JSON.stringify({ events: [{ customer_id: 'w1', campaign_id: 'c9', type: 'unsubscribed', occurred_at: '2026-11-25T09:00:00Z' }] }),
    );
    const ts = Math.floor(Date.parse(NOW) / 1000);
    const response = await handleEventsRequest(
      { db: store.db, secret, now: () => new Date(NOW) },
      { [EVENTS_TIMESTAMP_HEADER]: String(ts), [EVENTS_SIGNATURE_HEADER]: signEvents(secret, ts, body) },
      body,
    );
    expect(response.status).toBe(200);
    expect(await consentOf('w1', 'w2')).toEqual({ w1: 0, w2: 1 });
    const yes = await run(bot, `/import customers ${csv(['customer_id,consent', 'w1,true'])}`);
    expect(yes.data.consent_changes).toMatchObject({ opted_in: 0, kept_unsubscribed: 1 });
    expect(await consentOf('w1')).toEqual({ w1: 0 });
  });
});

describe('the demo walkthrough', () => {
  it('customers, orders, spend, events, then a campaign on segment=all: a sensible audience, the excluded counted', async () => {
    for (const kind of ['customers', 'orders', 'spend', 'events'])
      expect((await run(bot, `/import ${kind} ${path.join(EXAMPLES, `${kind}.csv`)}`)).ok, kind).toBe(true);
    const created = await run(bot, '/campaign create name="Demo" segment=all channel=log');
    expect(created.ok, JSON.stringify(created.data)).toBe(true);
    const submitted = await run(bot, `/campaign submit ${created.data.campaign.id}`);
    expect(submitted.ok, JSON.stringify(submitted.data)).toBe(true);
    const preview = submitted.data.preview;
    const all = await count('all');
    const unsubscribers = new Set(
      readFileSync(path.join(EXAMPLES, 'events.csv'), 'utf8')
        .split('\n')
        .filter((l) => l.includes(',unsubscribed,'))
        .map((l) => l.split(',')[0]),
    ).size;
    expect(unsubscribers).toBeGreaterThan(0);
    expect(preview.segment_members).toBe(all);
    expect(preview.excluded.unsubscribed).toBe(unsubscribers);
    // the demo's opt-outs plus any customer only known from an order
    expect(preview.excluded.no_consent).toBe((await count('consent_no')) - unsubscribers);
    expect(preview.excluded.no_consent).toBeGreaterThanOrEqual(574 - unsubscribers);
    expect(preview.audience).toBe(all - preview.excluded.no_consent - unsubscribers);
    expect(preview.audience).toBeGreaterThan(all * 0.8);
    const audience = submitted.view.fields?.find((f: { label: string }) => f.label === 'Audience');
    expect(audience?.value).toMatch(
      new RegExp(`\\(excluded: ${preview.excluded.no_consent.toLocaleString('en-US')} without consent, ${unsubscribers} unsubscribed\\)`),
    );
  });
});
