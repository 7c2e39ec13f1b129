import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Bot } from '../../src/core/bot.ts';
import { createTestBot, run } from '../helpers/bot.ts';
import { createTestStore, type TestStore } from '../helpers/store.ts';

let store: TestStore;
let bot: Bot;
let files: string;
let n = 0;

function file(content: string | Buffer, name = `file-${++n}.csv`): string {
  const target = path.join(files, name);
  writeFileSync(target, content);
  return target;
}

const lines = (...rows: string[]) => `${rows.join('\n')}\n`;

async function clear() {
  // the fingerprints too: a file imported again after a clear is read again, not "unchanged"
  for (const table of ['customer_attributes', 'orders', 'customers', 'spend', 'events', 'import_fingerprints'] as const)
    await store.db.deleteFrom(table).execute();
}

async function count(table: 'customers' | 'orders' | 'spend' | 'events' | 'customer_attributes'): Promise<number> {
  const row = await store.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

interface RejectionRow {
  line: string;
  column: string;
  reason: string;
  value: string;
}

/** Runs an import that must succeed; returns its data and the rejections file's rows by line. */
async function importOk(text: string) {
  const reply = await run(bot, text);
  expect(reply.ok, JSON.stringify(reply.data)).toBe(true);
  const data = reply.data as { read: number; rejected: number; rejections_file: string | null; inserted: number };
  const rejected = data.rejections_file
    ? (parse(readFileSync(data.rejections_file, 'utf8'), { columns: true }) as RejectionRow[])
    : ([] as RejectionRow[]);
  return { data, rejected, byLine: new Map(rejected.map((r) => [Number(r.line), r])) };
}

async function importError(text: string): Promise<{ code: string; message: string; hint?: string }> {
  const reply = await run(bot, text);
  expect(reply.ok, JSON.stringify(reply.data)).toBe(false);
  return (reply.data as { error: { code: string; message: string; hint?: string } }).error;
}

/** Best of three runs: a slow machine or a GC pause does not fail the test, a super-linear parser does. */
async function fastest(action: () => Promise<unknown>): Promise<number> {
  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    const started = performance.now();
    await action();
    best = Math.min(best, performance.now() - started);
    if (best < 100) break;
  }
  return best;
}

beforeAll(async () => {
  store = await createTestStore();
  files = path.join(store.dir, 'files');
  mkdirSync(files, { recursive: true });
  bot = await createTestBot(store.db, store.dir, { now: () => new Date('2026-11-25T10:00:00Z') });
});
afterAll(async () => store.close());
beforeEach(clear);

describe('amounts and numbers', () => {
  it('rejects amounts outside ±10^12, NaN and infinities at the row, with the reason, and keeps the valid rows', async () => {
    const csv = file(
      lines(
        'order_id,customer_id,order_date,amount',
        'O1,C1,2026-01-01,1e308', // 2
        'O2,C1,2026-01-01,-1e13', // 3
        'O3,C1,2026-01-01,NaN', // 4
        'O4,C1,2026-01-01,Infinity', // 5
        'O5,C1,2026-01-01,-inf', // 6
        `O6,C1,2026-01-01,${'9'.repeat(400)}`, // 7
        'O7,C1,2026-01-01,1000000000000.01', // 8
        'O8,C1,2026-01-01,"1,000,000,000,000"', // 9: the bound itself is kept
        'O9,C1,2026-01-01,-999999999999.99', // 10
        'O10,C1,2026-01-01,12.50', // 11
      ),
    );
    const { data, byLine } = await importOk(`/import orders ${csv}`);
    expect(data).toMatchObject({ read: 10, rejected: 7 });
    for (const line of [2, 3, 7, 8])
      expect(byLine.get(line), `line ${line}`).toMatchObject({ column: 'amount', reason: 'number outside ±1,000,000,000,000' });
    for (const line of [4, 5, 6])
      expect(byLine.get(line), `line ${line}`).toMatchObject({ column: 'amount', reason: 'not a finite number' });
    const orders = await store.db.selectFrom('orders').select(['order_id', 'net_cents']).orderBy('order_id').execute();
    expect(orders.map((o) => [o.order_id, Number(o.net_cents)])).toEqual([
      ['O10', 1250],
      ['O8', 100_000_000_000_000],
      ['O9', -99_999_999_999_999],
    ]);
  });

  it('rejects a quantity × unit_price past the bound, spend amounts and numeric attributes out of range', async () => {
    const orders = file(
      lines(
        'order_id,customer_id,order_date,quantity,unit_price',
        'L1,C1,2026-01-01,10000000,1000000',
        'L2,C1,2026-01-01,2,1e308',
        'L3,C1,2026-01-01,2,3.5',
      ),
    );
    const o = await importOk(`/import orders ${orders}`);
    expect(o.data).toMatchObject({ read: 3, rejected: 2 });
    expect(o.byLine.get(2)).toMatchObject({ column: 'unit_price', reason: 'quantity × unit_price: number outside ±1,000,000,000,000' });
    expect(o.byLine.get(3)).toMatchObject({ column: 'unit_price', reason: 'number outside ±1,000,000,000,000' });
    const spend = file(lines('date,channel,amount', '2026-01-01,google,1e308', '2026-01-02,google,NaN', '2026-01-03,google,99.99'));
    const s = await importOk(`/import spend ${spend}`);
    expect(s.data).toMatchObject({ read: 3, rejected: 2 });
    expect(await count('spend')).toBe(1);
    const customers = file(lines('customer_id,name,points', 'A1,Ann,12', 'A2,Bob,1e308', 'A3,Cy,7'));
    const c = await importOk(`/import customers ${customers}`);
    expect(c.data).toMatchObject({ read: 3, rejected: 1 });
    expect(c.byLine.get(3)).toMatchObject({ column: 'points', reason: 'number outside ±1,000,000,000,000' });
    const values = await store.db.selectFrom('customer_attributes').select(['customer_id', 'value']).orderBy('customer_id').execute();
    expect(values.map((v) => [v.customer_id, Number(v.value)])).toEqual([
      ['A1', 12],
      ['A3', 7],
    ]);
  });

  it('with strict=true a single bad value writes nothing and says so', async () => {
    const csv = file(lines('order_id,customer_id,order_date,amount', 'S1,C1,2026-01-01,10', 'S2,C1,2026-01-01,1e308'));
    const reply = await run(bot, `/import orders ${csv} strict=true`);
    expect(reply.ok).toBe(false);
    expect(reply.data).toMatchObject({ read: 2, rejected: 1, committed: false });
    expect(reply.view.text).toMatch(/Nothing was imported/);
    expect(await count('orders')).toBe(0);
    expect(await count('customers')).toBe(0);
  });
});

describe('dates and time zones', () => {
  it('keeps 1900-01-01 to 2100-12-31 and offsets up to ±14:00; rejects the rest with the reason', async () => {
    const csv = file(
      lines(
        'customer_id,campaign_id,type,occurred_at',
        'E1,K,opened,1899-12-31', // 2
        'E2,K,opened,1900-01-01', // 3
        'E3,K,opened,2100-12-31T23:59:59Z', // 4
        'E4,K,opened,2101-01-01', // 5
        'E5,K,opened,2026-03-01T10:00:00+15:00', // 6
        'E6,K,opened,2026-03-01T10:00:00-1500', // 7
        'E7,K,opened,2026-03-01T10:00:00+14:00', // 8
        'E8,K,opened,2026-03-01T10:00:00-14:00', // 9
        'E9,K,opened,0001-01-01', // 10
        'E10,K,opened,2026-03-01T10:00:00+05:75', // 11
      ),
    );
    const { data, byLine } = await importOk(`/import events ${csv}`);
    expect(data).toMatchObject({ read: 10, rejected: 6 });
    for (const line of [2, 5, 10])
      expect(byLine.get(line), `line ${line}`).toMatchObject({ column: 'occurred_at', reason: 'date before 1900 or after 2100' });
    for (const line of [6, 7])
      expect(byLine.get(line), `line ${line}`).toMatchObject({ column: 'occurred_at', reason: 'time-zone offset outside ±14:00' });
    expect(byLine.get(11)).toMatchObject({ reason: 'invalid date (expected YYYY-MM-DD)' });
    const kept = await store.db.selectFrom('events').select(['customer_id', 'occurred_at']).orderBy('customer_id').execute();
    expect(Object.fromEntries(kept.map((e) => [e.customer_id, e.occurred_at]))).toEqual({
      E2: '1900-01-01',
      E3: '2100-12-31T23:59:59.000Z',
      E7: '2026-02-28T20:00:00.000Z',
      E8: '2026-03-02T00:00:00.000Z',
    });
  });

  it('date_format= is read in linear time: a 10 KB format is refused at once, a 10 KB value is rejected at once', async () => {
    const csv = file(lines('order_id,customer_id,order_date,amount', `D1,C1,${'1'.repeat(10_000)},1`, 'D2,C1,2026111,1', 'D3,C1,2026x,1'));
    const format = `YYYY${'MD'.repeat(5000)}`;
    let error: Awaited<ReturnType<typeof importError>> | undefined;
    const refuse = await fastest(async () => {
      error = await importError(`/import orders ${csv} date_format=${format}`);
    });
    expect(error!.code).toBe('invalid_date_format');
    expect(error!.message).toMatch(/^`date_format=YYYYMDMD.{0,40}` is 10004 characters long; a date format has at most 64\.$/);
    expect(refuse).toBeLessThan(1000);
    expect((await importError(`/import orders ${csv} date_format=YYYYMDMD`)).message).toMatch(/gives the month twice/);
    // One-or-two-digit tokens side by side read greedily, never backtrack.
    let result: Awaited<ReturnType<typeof importOk>> | undefined;
    const rows = await fastest(async () => {
      await clear();
      result = await importOk(`/import orders ${csv} date_format=YYYYMD`);
    });
    expect(result!.data).toMatchObject({ read: 3, rejected: 2 });
    expect(result!.byLine.get(2)?.reason).toBe('invalid date (expected YYYYMD)');
    const kept = await store.db.selectFrom('orders').select(['order_id', 'order_date']).execute();
    expect(kept).toEqual([{ order_id: 'D2', order_date: '2026-11-01' }]);
    expect(rows).toBeLessThan(2000);
  });
});

describe('text encodings', () => {
  it('rejects the rows holding bytes that are not UTF-8, naming the column, and keeps the others', async () => {
    const csv = file(
      Buffer.concat([
        Buffer.from('customer_id,name,country\nU1,Ann,FR\nU2,'),
        Buffer.from([0x4a, 0x6f, 0x73, 0xe9]), // "Josй" in latin1
        Buffer.from(',FR\nU3,'),
        Buffer.from([0xc3]), // a sequence cut short
        Buffer.from('\nU4,Zoë,FR\n'),
        // past the first 4 KiB (where a NUL means a binary file): a NUL, which no store keeps as text
        Buffer.from(Array.from({ length: 500 }, (_, i) => `P${i},Pad,FR\n`).join('')),
        Buffer.from('U5,Bad\u0000Nul,FR\n'),
      ]),
    );
    const { data, byLine } = await importOk(`/import customers ${csv}`);
    expect(data).toMatchObject({ read: 505, rejected: 3 });
    expect(byLine.get(3)).toMatchObject({ column: 'name', value: 'Jos\uFFFD' });
    expect(byLine.get(3)!.reason).toMatch(/^not valid UTF-8 text .*encoding=/);
    expect(byLine.get(4)).toMatchObject({ column: 'name' });
    expect(byLine.get(506)).toMatchObject({ column: 'name', value: 'Bad\uFFFDNul' });
    const names = await store.db
      .selectFrom('customers')
      .select(['customer_id', 'name'])
      .where('name', '<>', 'Pad')
      .orderBy('customer_id')
      .execute();
    expect(names).toEqual([
      { customer_id: 'U1', name: 'Ann' },
      { customer_id: 'U4', name: 'Zoë' },
    ]);
    expect(await count('customers')).toBe(502);
  });

  it('refuses a file whose header is not UTF-8, pointing to encoding=; reads it with encoding=latin1 or windows-1252', async () => {
    const text = 'customer_id,name,Pays d’origine\nL1,José,FR\nL2,Renée €,BE\n';
    const csv = file(Buffer.from([...text].map((c) => (c === '€' ? 0x80 : c === '’' ? 0x92 : c.charCodeAt(0)))));
    const error = await importError(`/import customers ${csv}`);
    expect(error.code).toBe('invalid_text');
    expect(error.message).toMatch(/header row .* is not valid UTF-8 text/);
    expect(error.hint).toMatch(/encoding=windows-1252/);
    expect(await count('customers')).toBe(0);
    for (const encoding of ['latin1', 'windows-1252']) {
      await clear();
      const { data } = await importOk(`/import customers ${csv} encoding=${encoding}`);
      expect(data).toMatchObject({ read: 2, rejected: 0 });
      const names = await store.db.selectFrom('customers').select('name').orderBy('customer_id').execute();
      expect(names.map((r) => r.name)).toEqual(['José', 'Renée €']);
    }
  });

  it('reads UTF-16 by its byte order mark, or with encoding=utf-16 without one', async () => {
    const text = 'customer_id,name\nW1,Émilie\nW2,😀 Zoë\n';
    const withBom = file(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]));
    const bigEndian = file(Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, 'utf16le').swap16()]));
    const noBom = file(Buffer.from(text, 'utf16le'));
    for (const command of [
      `/import customers ${withBom}`,
      `/import customers ${bigEndian}`,
      `/import customers ${noBom} encoding=utf-16`,
    ]) {
      await clear();
      const { data } = await importOk(command);
      expect(data, command).toMatchObject({ read: 2, rejected: 0 });
      const names = await store.db.selectFrom('customers').select('name').orderBy('customer_id').execute();
      expect(names.map((r) => r.name)).toEqual(['Émilie', '😀 Zoë']);
    }
    // A lone surrogate is not text either.
    await clear();
    const broken = Buffer.concat([
      Buffer.from([0xff, 0xfe]),
      Buffer.from('customer_id,name\nW3,', 'utf16le'),
      Buffer.from([0x00, 0xd8]),
      Buffer.from('x\nW4,ok\n', 'utf16le'),
    ]);
    const { data, byLine } = await importOk(`/import customers ${file(broken)}`);
    expect(data).toMatchObject({ read: 2, rejected: 1 });
    expect(byLine.get(2)?.reason).toMatch(/^not valid UTF-16 text/);
  });

  it('refuses duplicate header names, naming the column, before writing anything', async () => {
    const same = await importError(
      `/import orders ${file(lines('order_id,customer_id,order_date,amount,amount', 'O1,C1,2026-01-01,1,2'))}`,
    );
    expect(same.code).toBe('duplicate_column');
    expect(same.message).toBe('The file has two columns named `amount`; nothing was written.');
    const alike = await importError(`/import customers ${file(lines('customer_id,Score,score!', 'A,1,2'))}`);
    expect(alike.message).toBe(
      'The file has two columns named `Score` and `score!` (the same name, ignoring case and punctuation); nothing was written.',
    );
    expect(await count('orders')).toBe(0);
    expect(await count('customers')).toBe(0);
    // Unnamed columns (trailing commas of a spreadsheet export) are not duplicates.
    const { data } = await importOk(`/import customers ${file(lines('customer_id,name,,', 'A,Ann,,'))}`);
    expect(data).toMatchObject({ read: 1, rejected: 0 });
  });
});

describe('record limits', () => {
  it('rejects a 70 KiB field and a 300-character customer id at the row; keeps the others', async () => {
    const csv = file(
      lines('customer_id,name', `B1,${'x'.repeat(70 * 1024)}`, `${'c'.repeat(300)},Long`, `${'c'.repeat(256)},Max`, 'B2,Bob'),
    );
    const { data, byLine } = await importOk(`/import customers ${csv}`);
    expect(data).toMatchObject({ read: 4, rejected: 2 });
    expect(byLine.get(2)).toMatchObject({ column: 'name', reason: 'value longer than 65,536 characters', value: `${'x'.repeat(100)}…` });
    expect(byLine.get(3)).toMatchObject({ column: 'customer_id', reason: 'longer than 256 characters' });
    expect(await count('customers')).toBe(2);
  });

  it('rejects a row of 1,001 columns; refuses a header of 1,001 columns; reads 1,000', async () => {
    const wide = (count: number, first: string) => [first, ...Array.from({ length: count - 1 }, (_, i) => `c${i}`)].join(',');
    const rows = file(lines('customer_id,name', `R1,Ann${',x'.repeat(999)}`, 'R2,Bob'));
    const r = await importOk(`/import customers ${rows}`);
    expect(r.data).toMatchObject({ read: 2, rejected: 1 });
    expect(r.byLine.get(2)).toMatchObject({ reason: 'more than 1,000 columns', value: '1,001 columns' });
    const header = await importError(`/import customers ${file(lines(wide(1001, 'customer_id'), 'R3'))}`);
    expect(header.code).toBe('csv_header_too_large');
    expect(header.message).toMatch(/^The file's header row \(line 1\) has more than 1,000 columns: .* Nothing was written\.$/);
    expect(await count('customers')).toBe(1);
    const ok = await importOk(`/import customers ${file(lines(wide(1000, 'customer_id'), 'R4'))}`);
    expect(ok.data).toMatchObject({ read: 1, rejected: 0 });
  });

  it('a huge single record: rejected alone when it closes, a file error when it never does, a file error as a header', async () => {
    const field = 'y'.repeat(60_000);
    const long = file(lines('customer_id,name', `H1,"${Array.from({ length: 20 }, () => field).join('","')}"`, 'H2,Bob'));
    const r = await importOk(`/import customers ${long}`);
    expect(r.data).toMatchObject({ read: 2, rejected: 1 });
    expect(r.byLine.get(2)).toMatchObject({ reason: 'row longer than 1,048,576 characters', value: 'H1…' });
    const unclosed = await importError(`/import customers ${file(`customer_id,name\nH3,"${'z\n'.repeat(2_000_000)}`)}`);
    expect(unclosed.message).toMatch(/quote opened on line 2 is never closed/);
    expect(await count('customers')).toBe(1);
    const oneLine = await importError(`/import customers ${file('customer_id'.padEnd(3_000_000, 'x'))}`);
    expect(oneLine.code).toBe('csv_header_too_large');
    expect(oneLine.message).toMatch(/a column name longer than 65,536 characters/);
    expect(await count('customers')).toBe(1);
  });
});
