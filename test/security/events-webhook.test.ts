import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EVENTS_PATH,
  EVENTS_SIGNATURE_HEADER,
  EVENTS_TIMESTAMP_HEADER,
  eventsWebhookHandler,
  signEvents,
} from '../../src/campaigns/events-endpoint.ts';
import { startHttpServer, type RunningHttpServer } from '../../src/http/server.ts';
import { createTestStore, type TestStore } from '../helpers/store.ts';

const SECRET = 'test-events-secret';
const NOW = new Date('2026-11-25T12:00:00Z');
const nowSeconds = Math.floor(NOW.getTime() / 1000);
const CAP = 64 * 1024;

let store: TestStore;
let server: RunningHttpServer;
let unconfigured: RunningHttpServer;

beforeAll(async () => {
  store = await createTestStore();
  server = await startHttpServer(
    [
      {
        method: 'POST',
        path: EVENTS_PATH,
        handler: eventsWebhookHandler({ db: store.db, secret: SECRET, now: () => NOW, maxBodyBytes: CAP }),
      },
    ],
    0,
    '127.0.0.1',
  );
  unconfigured = await startHttpServer(
    [{ method: 'POST', path: EVENTS_PATH, handler: eventsWebhookHandler({ db: store.db, secret: undefined, now: () => NOW }) }],
    0,
    '127.0.0.1',
  );
});
afterAll(async () => {
  await server.close();
  await unconfigured.close();
  await store.close();
});

interface Sent {
  status: number;
  body: { ok: boolean; error?: string; recorded?: number };
}

function post(body: Buffer | string, headers: Record<string, string>, options: { port?: number; chunked?: boolean } = {}): Promise<Sent> {
  const data = Buffer.isBuffer(body) ? body : Buffer.from(body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: options.port ?? server.port,
        path: EVENTS_PATH,
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(options.chunked ? {} : { 'content-length': String(data.length) }), ...headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') }));
      },
    );
    req.on('error', (error: NodeJS.ErrnoException) =>
      error.code === 'ECONNRESET' || error.code === 'EPIPE' ? resolve({ status: 413, body: { ok: false, error: 'reset' } }) : reject(error),
    );
    if (options.chunked) {
      for (let i = 0; i < data.length; i += 16 * 1024) req.write(data.subarray(i, i + 16 * 1024));
      req.end();
    } else req.end(data);
  });
}

const signed = (body: string, timestamp = nowSeconds) => ({
  [EVENTS_TIMESTAMP_HEADER]: String(timestamp),
  [EVENTS_SIGNATURE_HEADER]: signEvents(SECRET, timestamp, body),
});
const eventCount = async () =>
  Number(
    (
      await store.db
        .selectFrom('events')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );
let sequence = 0;
const body = (customer = `C${++sequence}`) =>
  JSON.stringify({ events: [{ customer_id: customer, campaign_id: '1', type: 'clicked', occurred_at: '2026-11-25T11:00:00Z' }] });

describe('POST /webhooks/events: signature, timestamp, replay, size', () => {
  it('accepts a correctly signed, fresh request', async () => {
    const b = body();
    const answer = await post(b, signed(b));
    expect(answer).toMatchObject({ status: 200, body: { ok: true, recorded: 1 } });
  });

  it('refuses unsigned requests, wrong signatures of any length, a signature for another body or timestamp', async () => {
    const b = body();
    const good = signed(b);
    const before = await eventCount();
    const flipped = good[EVENTS_SIGNATURE_HEADER]!.replace(/.$/, (c) => (c === '0' ? '1' : '0'));
    const cases: Record<string, string>[] = [
      {},
      { [EVENTS_TIMESTAMP_HEADER]: good[EVENTS_TIMESTAMP_HEADER]! },
      { ...good, [EVENTS_SIGNATURE_HEADER]: flipped },
      { ...good, [EVENTS_SIGNATURE_HEADER]: 'v1=' },
      { ...good, [EVENTS_SIGNATURE_HEADER]: `${good[EVENTS_SIGNATURE_HEADER]}00` },
      { ...good, [EVENTS_SIGNATURE_HEADER]: good[EVENTS_SIGNATURE_HEADER]!.toUpperCase() },
      { ...good, [EVENTS_SIGNATURE_HEADER]: signEvents('another-secret', nowSeconds, b) },
      { ...good, [EVENTS_SIGNATURE_HEADER]: signEvents(SECRET, nowSeconds, body()) },
      // the signature covers the timestamp: moving it to pass the freshness check breaks the signature
      { ...good, [EVENTS_TIMESTAMP_HEADER]: String(nowSeconds + 1) },
      { ...good, [EVENTS_TIMESTAMP_HEADER]: 'yesterday' },
    ];
    for (const headers of cases) {
      const answer = await post(b, headers);
      expect(answer.status, JSON.stringify(headers)).toBe(401);
      expect(answer.body.ok).toBe(false);
    }
    expect(await eventCount()).toBe(before);
  });

  it('refuses a stale or future timestamp even when correctly signed', async () => {
    for (const timestamp of [nowSeconds - 301, nowSeconds + 301, 0]) {
      const b = body();
      expect((await post(b, signed(b, timestamp))).body.error).toBe('stale_timestamp');
    }
    const b = body();
    expect((await post(b, signed(b, nowSeconds - 299))).status).toBe(200);
  });

  it('refuses a replayed request (same signature) and records its events once', async () => {
    const b = body();
    const headers = signed(b);
    const before = await eventCount();
    expect((await post(b, headers)).status).toBe(200);
    const replays = await Promise.all([post(b, headers), post(b, headers), post(b, headers)]);
    expect(replays.map((r) => [r.status, r.body.error])).toEqual(Array(3).fill([409, 'replayed']));
    expect(await eventCount()).toBe(before + 1);
  });

  it('caps the body: a large Content-Length and a large chunked body are refused with 413 and nothing is stored', async () => {
    const before = await eventCount();
    const events = Array.from({ length: 2000 }, (_, i) => ({
      customer_id: `BIG${i}`,
      campaign_id: '1',
      type: 'opened',
      occurred_at: '2026-11-25T11:00:00Z',
    }));
    const big = JSON.stringify({ events });
    expect(big.length).toBeGreaterThan(CAP);
    expect((await post(big, signed(big))).status).toBe(413);
    expect((await post(big, signed(big), { chunked: true })).status).toBe(413);
    expect(await eventCount()).toBe(before);
  });

  it('refuses everything with 503 when no secret is configured', async () => {
    const b = body();
    expect((await post(b, signed(b), { port: unconfigured.port })).status).toBe(503);
  });

  it('compares signatures in constant time (static check of the endpoint)', () => {
    const source = readFileSync(new URL('../../src/campaigns/events-endpoint.ts', import.meta.url), 'utf8');
    expect(source).toMatch(/timingSafeEqual\(given, expected\)/);
    expect(source).not.toMatch(/signature\s*[!=]==\s*expected|expected\s*[!=]==\s*signature/);
  });
});

describe('random webhook bodies', () => {
  const json = fc.oneof(
    fc.json({ maxDepth: 3 }),
    fc.string({ maxLength: 200 }),
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc
      .array(
        fc.record(
          {
            customer_id: fc.oneof(fc.string({ maxLength: 12 }), fc.integer(), fc.constant(null)),
            campaign_id: fc.oneof(fc.string({ maxLength: 5 }), fc.integer(), fc.constant(undefined)),
            type: fc.oneof(fc.constantFrom('delivered', 'opened', 'clicked', 'converted', 'unsubscribed'), fc.string({ maxLength: 8 })),
            occurred_at: fc.oneof(
              fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
              fc.string({ maxLength: 25 }),
              fc.constant(undefined),
            ),
          },
          { requiredKeys: [] },
        ),
        { maxLength: 5 },
      )
      .map((events) => JSON.stringify({ events })),
  );

  it('signed random bodies get 200 or a 400 with a message, never a 500; the store only grows on 200', async () => {
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(json, async (b) => {
        const before = await eventCount();
        const answer = await post(b, signed(b));
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        expect([200, 400, 409], `${answer.status} ${JSON.stringify(answer.body)} for ${b.slice(0, 200)}`).toContain(answer.status);
        if (answer.status !== 200) expect(await eventCount()).toBe(before);
        if (answer.status === 400) expect(String((answer.body as { message?: string }).message ?? '').length).toBeGreaterThan(5);
      }),
      { seed: 424242, numRuns: 300 },
    );
    expect(statuses.get(200) ?? 0).toBeGreaterThan(0);
    expect(statuses.get(400) ?? 0).toBeGreaterThan(0);
  }, 120_000);

  it('random headers with random bodies are refused with 401 and store nothing', async () => {
    const before = await eventCount();
    await fc.assert(
      fc.asyncProperty(json, fc.string({ maxLength: 80 }), fc.string({ maxLength: 14 }), async (b, signature, timestamp) => {
        const headers: Record<string, string> = {};
        // header values must be sendable: keep printable ASCII
        const ascii = (s: string) => s.replace(/[^\x20-\x7e]/g, '');
        if (ascii(signature)) headers[EVENTS_SIGNATURE_HEADER] = ascii(signature);
        if (ascii(timestamp)) headers[EVENTS_TIMESTAMP_HEADER] = ascii(timestamp);
        const answer = await post(b, headers);
        expect(answer.status).toBe(401);
      }),
      { seed: 424243, numRuns: 200 },
    );
    expect(await eventCount()).toBe(before);
  }, 120_000);
});
