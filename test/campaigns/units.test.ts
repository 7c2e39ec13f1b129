import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drawHoldout, holdoutCount } from '../../src/campaigns/audience.ts';
import { signBody, webhookDeliverer, WEBHOOK_SIGNATURE_HEADER } from '../../src/campaigns/delivery/webhook.ts';
import { forecastRevenue } from '../../src/campaigns/forecast.ts';
import { parseHoldout, parseStart, parseWindow } from '../../src/campaigns/options.ts';
import { idempotencyKey, newRecipientKey } from '../../src/campaigns/outbox.ts';
import type { Campaign } from '../../src/campaigns/repository.ts';
import { assertTransition, CAMPAIGN_STATES, canTransition, TRANSITIONS } from '../../src/campaigns/states.ts';
import { UserError } from '../../src/core/errors.ts';
import { randomInt, seededRandom } from '../../src/util/random.ts';
import { createTestStore, type TestStore } from '../helpers/store.ts';
import { ids, seedCustomers } from './fixtures.ts';

describe('transition table', () => {
  const allowed = new Set(Object.entries(TRANSITIONS).flatMap(([from, tos]) => tos.map((to) => `${from}>${to}`)));

  it('is exactly the lifecycle of issue 7', () => {
    expect([...allowed].sort()).toEqual(
      [
        'draft>pending_approval',
        'draft>cancelled',
        'pending_approval>approved',
        'pending_approval>rejected',
        'pending_approval>draft',
        'pending_approval>cancelled',
        'approved>launching',
        'approved>draft',
        'approved>cancelled',
        'rejected>pending_approval',
        'rejected>draft',
        'rejected>cancelled',
        'launching>live',
        'launching>paused',
        'launching>cancelled',
        'paused>launching',
        'paused>cancelled',
        'live>completed',
        'live>launching',
      ].sort(),
    );
  });

  for (const from of CAMPAIGN_STATES) {
    for (const to of CAMPAIGN_STATES) {
      const ok = allowed.has(`${from}>${to}`);
      it(`${from} -> ${to} is ${ok ? 'allowed' : 'refused with the state and the moves allowed'}`, () => {
        expect(canTransition(from, to)).toBe(ok);
        if (ok) return expect(() => assertTransition({ id: 7, state: from }, to)).not.toThrow();
        try {
          assertTransition({ id: 7, state: from }, to);
          expect.unreachable();
        } catch (error) {
          expect(error).toBeInstanceOf(UserError);
          const e = error as UserError;
          expect(e.code).toBe('invalid_transition');
          expect(e.message).toContain(`is *${from.replace('_', ' ')}*`);
          expect(e.context).toEqual({ from, to, allowed: TRANSITIONS[from] });
          for (const next of TRANSITIONS[from]) expect(e.hint).toContain(next.replace('_', ' '));
          if (TRANSITIONS[from].length === 0) expect(e.hint).toContain('final');
        }
      });
    }
  }
});

describe('holdout draw', () => {
  const eligible = ids('h', 1000);

  it('is deterministic for a seed, whatever order the members come in', () => {
    const a = drawHoldout(eligible, 10, 42);
    const b = drawHoldout([...eligible].reverse(), 10, 42);
    expect(a).toEqual(b);
    expect(a.holdout).toHaveLength(100);
    expect(a.recipients).toHaveLength(900);
    expect(new Set([...a.holdout, ...a.recipients]).size).toBe(1000);
  });

  it('differs between seeds and is roughly uniform', () => {
    const a = drawHoldout(eligible, 10, 42);
    const b = drawHoldout(eligible, 10, 43);
    expect(a.holdout).not.toEqual(b.holdout);
    const firstHalf = a.holdout.filter((id) => id <= 'h500').length;
    expect(firstHalf).toBeGreaterThan(35);
    expect(firstHalf).toBeLessThan(65);
  });

  it('rounds the holdout size; 0% holds out nobody', () => {
    expect(holdoutCount(43, 25)).toBe(11);
    expect(drawHoldout(eligible.slice(0, 5), 0, 1).holdout).toEqual([]);
  });
});

describe('options', () => {
  it('parse holdout, window and start', () => {
    expect(parseHoldout('10%')).toBe(10);
    expect(parseHoldout('12.5')).toBe(12.5);
    expect(() => parseHoldout('60%')).toThrow(/0% to 50%/);
    expect(parseWindow('7d')).toBe(7);
    expect(parseWindow('2w')).toBe(14);
    expect(() => parseWindow('0d')).toThrow(/1 to 365/);
    expect(parseStart('2026-12-01')).toBe('2026-12-01T00:00:00.000Z');
    expect(parseStart('2026-12-01T09:30')).toBe('2026-12-01T09:30:00.000Z');
    expect(() => parseStart('tomorrow')).toThrow(/2026-12-01/);
  });

  it('idempotency keys derive from the random recipient key, never from the customer id', () => {
    const key = newRecipientKey();
    expect(key).toMatch(/^[0-9a-f]{32}$/);
    expect(newRecipientKey()).not.toBe(key);
    expect(idempotencyKey(3, key)).toBe(idempotencyKey(3, key));
    expect(idempotencyKey(3, key)).not.toBe(idempotencyKey(4, key));
    expect(idempotencyKey(3, key)).toBe(`gb-3-${key.slice(0, 24)}`);
  });
});

describe('webhook delivery', () => {
  let server: Server;
  let url: string;
  const script: number[] = []; // status per request; 0 = never answer (timeout)
  const received: { body: string; signature: string | undefined }[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push({ body, signature: req.headers[WEBHOOK_SIGNATURE_HEADER] as string | undefined });
        const status = script.shift() ?? 200;
        if (status === 0) return; // hang: the client times out
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  });

  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  const campaign = { id: 9, name: 'Hook', subject: null, message: 'hi' } as Campaign;
  const recipients = [
    { customer_id: 'a', email: 'a@x.io', name: null, idempotency_key: idempotencyKey(9, 'a0a0a0a0a0a0a0a0a0a0a0a0') },
    { customer_id: 'b', email: null, name: 'B', idempotency_key: idempotencyKey(9, 'b0b0b0b0b0b0b0b0b0b0b0b0') },
  ];

  it('signs the raw body and carries a key per recipient', async () => {
    received.length = 0;
    const results = await webhookDeliverer({ url, secret: 's3cret' }).deliver(campaign, recipients);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(received[0]!.signature).toBe(signBody('s3cret', received[0]!.body));
    expect(JSON.parse(received[0]!.body).recipients.map((r: { idempotency_key: string }) => r.idempotency_key)).toEqual(
      recipients.map((r) => r.idempotency_key),
    );
  });

  it('retries 5xx and timeouts with backoff when asked to try more than once in a pass, with the same body and keys', async () => {
    received.length = 0;
    script.push(503, 0, 500);
    const started = Date.now();
    const results = await webhookDeliverer({ url, secret: 's3cret', backoffMs: 20, timeoutMs: 200, maxAttempts: 5 }).deliver(
      campaign,
      recipients,
    );
    expect(results.every((r) => r.ok)).toBe(true);
    expect(received).toHaveLength(4);
    expect(new Set(received.map((r) => JSON.parse(r.body).recipients[0].idempotency_key)).size).toBe(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(20 + 40 + 80 + 200);
  });

  it('reports temporary failures (5xx, 408, 429 with Retry-After) for the outbox to retry, and a 4xx as a refusal at once', async () => {
    script.push(502, 502, 502);
    const failed = await webhookDeliverer({ url, secret: 's', backoffMs: 1, maxAttempts: 3 }).deliver(campaign, recipients);
    expect(failed.every((r) => !r.ok && r.temporary && r.error!.includes('gave up after 3 tries: HTTP 502'))).toBe(true);
    // one try per pass by default: the outbox schedules the next
    script.push(503);
    const once = await webhookDeliverer({ url, secret: 's' }).deliver(campaign, recipients);
    expect(once.every((r) => !r.ok && r.temporary && r.error === 'HTTP 503')).toBe(true);
    script.push(408);
    expect((await webhookDeliverer({ url, secret: 's' }).deliver(campaign, recipients))[0]).toMatchObject({ temporary: true });
    received.length = 0;
    script.push(400);
    const refused = await webhookDeliverer({ url, secret: 's', backoffMs: 1, maxAttempts: 3 }).deliver(campaign, recipients);
    expect(refused[0]).toMatchObject({ ok: false, temporary: false, error: 'the webhook answered HTTP 400' });
    expect(received).toHaveLength(1);
  });
});

describe('forecast from predicted CLV', () => {
  let store: TestStore;
  const customers = ids('f', 300);

  beforeAll(async () => {
    store = await createTestStore();
    await seedCustomers(
      store.db,
      customers.map((id) => ({ id })),
    );
    const random = seededRandom(7);
    const rows = [];
    for (const [i, id] of customers.entries()) {
      let day = randomInt(random, 0, 200);
      const rate = 0.01 + random() * 0.05;
      while (day < 365) {
        const date = new Date(Date.UTC(2025, 10, 1) + day * 86_400_000).toISOString().slice(0, 10);
        rows.push({
          order_id: `${id}-${day}`,
          customer_id: id,
          order_date: date,
          gross_cents: 3000 + (i % 5) * 500,
          net_cents: 3000 + (i % 5) * 500,
          currency: 'USD',
          lines: 1,
          is_purchase: 1,
          updated_at: date,
        });
        day += 1 + Math.floor(-Math.log(1 - random()) / rate);
      }
    }
    for (let i = 0; i < rows.length; i += 200)
      await store.db
        .insertInto('orders')
        .values(rows.slice(i, i + 200))
        .execute();
  });

  afterAll(async () => {
    await store.close();
  });

  it('uses BG/NBD x Gamma-Gamma when it can be fitted', async () => {
    const f = await forecastRevenue(store.db, customers.slice(0, 100), 30, '2026-10-31', 'USD', 'UTC');
    expect(f.method).toBe('clv');
    // about 0.035 purchases a day at ~$40: roughly $40 a member over 30 days for the active ones
    expect(f.revenue_per_member_cents).toBeGreaterThan(500);
    expect(f.revenue_per_member_cents).toBeLessThan(10_000);
    expect(f.expected_revenue_cents).toBe(Math.round(f.revenue_per_member_cents * 100));
  });

  it('falls back to the historical average, saying why', async () => {
    const f = await forecastRevenue(store.db, customers.slice(0, 10), 30, '2025-11-15', 'USD', 'UTC');
    expect(f.method).toBe('historical');
    expect(f.clv_unavailable_reason).toMatch(/bought more than once/);
  });
});
