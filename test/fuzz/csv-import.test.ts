import { writeFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bot } from '../../src/core/bot.ts';
import type { Reply } from '../../src/core/reply.ts';
import { createTestBot, run } from '../helpers/bot.ts';
import { createTestStore, type TestStore } from '../helpers/store.ts';

const SEED = 9001;
let store: TestStore;
let bot: Bot;

beforeAll(async () => {
  store = await createTestStore();
  bot = await createTestBot(store.db, store.dir, { now: () => new Date('2026-11-25T12:00:00Z') });
});
afterAll(async () => store.close());

const HEADERS = {
  customers: ['customer_id', 'email', 'name', 'signup_date', 'country', 'acquisition_channel', 'consent', 'age'],
  orders: ['order_id', 'customer_id', 'order_date', 'amount', 'quantity', 'unit_price', 'currency'],
  spend: ['date', 'channel', 'campaign', 'amount'],
  events: ['customer_id', 'campaign_id', 'type', 'occurred_at'],
} as const;
type Kind = keyof typeof HEADERS;

const nastyCell = fc.constantFrom(
  "=cmd|' /C calc'!A0",
  '+1+1',
  '@SUM(A1)',
  '-1',
  '"',
  '""',
  'a"b',
  'a,b',
  'line\nbreak',
  'cr\rbreak',
  '',
  ' ',
  '\u0000',
  '\ufeff',
  'é',
  'Ünïcödé',
  '😀',
  'NaN',
  '1e309',
  '-0',
  '12,50',
  '1.234,56',
  '$12.00',
  '€5',
  '2026-02-30',
  '31/12/2026',
  '2026-13-01',
  'true',
  'yes',
  'maybe',
  'x'.repeat(70_000),
);
const goodCell = fc.oneof(
  fc.integer({ min: 1, max: 30 }).map((i) => `C${i}`),
  fc.integer({ min: 1, max: 500 }).map((i) => `O${i}`),
  fc.date({ min: new Date('2024-01-01'), max: new Date('2026-11-01'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
  fc.float({ min: -100, max: 1000, noNaN: true }).map((x) => x.toFixed(2)),
  fc.constantFrom('USD', 'EUR', 'organic', 'google_ads', 'delivered', 'clicked', 'true', 'false', 'a@example.com'),
);
const cell = fc.oneof(
  { weight: 12, arbitrary: goodCell },
  { weight: 1, arbitrary: nastyCell },
  { weight: 1, arbitrary: fc.string({ maxLength: 15 }) },
);

interface CsvCase {
  kind: Kind;
  header: string[];
  rows: string[][];
  quoting: 'rfc' | 'none' | 'broken';
  newline: string;
  bom: boolean;
  encoding: 'utf8' | 'utf16le' | 'latin1' | 'truncated';
}

const header = (kind: Kind) =>
  fc.oneof(
    { weight: 3, arbitrary: fc.shuffledSubarray([...HEADERS[kind]], { minLength: HEADERS[kind].length }) },
    // a column dropped, doubled or unknown
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          fc.shuffledSubarray([...HEADERS[kind]], { minLength: 1 }),
          fc.constantFrom('extra', 'CUSTOMER_ID', ' customer_id ', '', 'amount'),
        )
        .map(([h, extra]) => [...h, extra]),
    },
  );

const csvCase: fc.Arbitrary<CsvCase> = fc
  .constantFrom<Kind>('customers', 'orders', 'spend', 'events')
  .chain((kind) => header(kind).map((h) => [kind, h] as const))
  .chain(([kind, h]) =>
    fc.record({
      kind: fc.constant(kind),
      header: fc.constant(h),
      // rows as wide as the header, some ragged
      rows: fc.array(
        fc.oneof(
          { weight: 5, arbitrary: fc.array(cell, { minLength: h.length, maxLength: h.length }) },
          { weight: 1, arbitrary: fc.array(cell, { maxLength: h.length + 3 }) },
        ),
        { maxLength: 12 },
      ),
      quoting: fc.constantFrom<CsvCase['quoting']>('rfc', 'rfc', 'rfc', 'none', 'broken'),
      newline: fc.constantFrom('\n', '\r\n', '\r'),
      bom: fc.boolean(),
      encoding: fc.constantFrom<CsvCase['encoding']>('utf8', 'utf8', 'utf8', 'utf8', 'utf8', 'utf16le', 'latin1', 'truncated'),
    }),
  );

function serialize(c: CsvCase): Buffer {
  const quote = (v: string) =>
    c.quoting === 'rfc' ? (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v) : c.quoting === 'broken' ? `"${v}` : v;
  const text = (c.bom ? '\ufeff' : '') + [c.header, ...c.rows].map((row) => row.map(quote).join(',')).join(c.newline) + c.newline;
  if (c.encoding === 'utf16le') return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text.replace(/^\ufeff/, ''), 'utf16le')]);
  if (c.encoding === 'latin1') return Buffer.from(text, 'latin1');
  const bytes = Buffer.from(text, 'utf8');
  return c.encoding === 'truncated' ? bytes.subarray(0, Math.max(1, bytes.length - 1 - (bytes.length % 7))) : bytes;
}

async function counts(): Promise<Record<string, number>> {
  const tables = ['customers', 'customer_attributes', 'orders', 'spend', 'events'] as const;
  const entries = await Promise.all(
    tables.map(
      async (t) =>
        [
          t,
          Number(
            (
              await store.db
                .selectFrom(t)
                .select((eb) => eb.fn.countAll<number>().as('n'))
                .executeTakeFirstOrThrow()
            ).n,
          ),
        ] as const,
    ),
  );
  return Object.fromEntries(entries);
}

function errorOf(reply: Reply): { code: string; message: string } | undefined {
  return reply.ok ? undefined : (reply.data as { error: { code: string; message: string } }).error;
}

describe('malformed CSV files at /import', () => {
  it('strict=true: every file is imported whole or refused whole with a clear error; never a crash or a half-write', async () => {
    let n = 0;
    const outcomes = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(csvCase, async (c) => {
        const file = path.join(store.dir, `fuzz-${n++}.csv`);
        writeFileSync(file, serialize(c));
        const before = await counts();
        const reply = await run(bot, `/import ${c.kind} ${file} strict=true`);
        const after = await counts();
        const error = errorOf(reply);
        const data = reply.data as { read?: number; rejected?: number; inserted?: number; updated?: number; committed?: boolean };
        const key = error ? error.code : data.rejected ? 'strict_refused' : 'imported';
        outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
        expect(error?.code, `${error?.message}\n${JSON.stringify(c).slice(0, 500)}`).not.toBe('internal_error');
        if (error) {
          expect(error.message.trim().length).toBeGreaterThan(10);
          expect(after).toEqual(before);
        } else if ((data.rejected ?? 0) > 0) {
          // strict: a rejected row means nothing was written, and the reply says so
          expect(after, JSON.stringify(c).slice(0, 300)).toEqual(before);
          expect(reply.view.text ?? '').toMatch(/strict|nothing|not (imported|written)/i);
        } else {
          expect(Object.values(after).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(Object.values(before).reduce((a, b) => a + b, 0));
        }
      }),
      { seed: SEED, numRuns: 100 },
    );
    expect(outcomes.get('imported') ?? 0, JSON.stringify(Object.fromEntries(outcomes))).toBeGreaterThan(0);
    expect(outcomes.size, JSON.stringify(Object.fromEntries(outcomes))).toBeGreaterThan(2);
  }, 300_000);

  it('without strict: bad rows are rejected one by one with reasons, never a crash', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(csvCase, async (c) => {
        const file = path.join(store.dir, `loose-${n++}.csv`);
        writeFileSync(file, serialize(c));
        const reply = await run(bot, `/import ${c.kind} ${file}`);
        const error = errorOf(reply);
        expect(error?.code, error?.message).not.toBe('internal_error');
        if (error) expect(error.message.trim().length).toBeGreaterThan(10);
      }),
      { seed: SEED + 1, numRuns: 40 },
    );
  }, 300_000);
});
