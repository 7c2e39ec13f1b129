import { createReadStream, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Bot } from '../../src/core/bot.ts';
import { consoleCaller, createTestBot, run } from '../helpers/bot.ts';
import { createTestStore, type TestStore } from '../helpers/store.ts';

let store: TestStore;
let bot: Bot;
let files: string;
let n = 0;

/** Writes a CSV under the test folder and returns its path. */
function csv(lines: string[], name = `file-${++n}.csv`): string {
  const file = path.join(files, name);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

async function clear() {
  for (const table of ['customer_attributes', 'orders', 'customers', 'spend', 'events'] as const)
    await store.db.deleteFrom(table).execute();
}

async function stagingRows(): Promise<number> {
  let total = 0;
  for (const table of [
    'import_staging_customers',
    'import_staging_attributes',
    'import_staging_order_lines',
    'import_staging_spend',
    'import_staging_events',
  ] as const) {
    const row = await store.db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    total += Number(row.n);
  }
  return total;
}

beforeAll(async () => {
  store = await createTestStore();
  files = path.join(store.dir, 'files');
  mkdirSync(files, { recursive: true });
  // the URL tests' server is on 127.0.0.1, over http
  bot = await createTestBot(store.db, store.dir, {
    now: () => new Date('2026-11-25T10:00:00Z'),
    env: { IMPORT_ALLOW_HTTP: 'true', IMPORT_URL_ALLOW: '127.0.0.1' },
  });
});
afterAll(async () => store.close());
beforeEach(clear);

describe('/import customers', () => {
  it('matches aliased headers, trims values, lower-cases emails and keeps numeric columns as attributes', async () => {
    const file = csv([
      'Customer ID,E-mail,Full Name,Signup,Country,Channel,Opt In,Age,Annual Income (k$),Spending Score (1-100),Genre',
      ' c1 , Ann@Example.COM ,Ann Lee,2025-01-05,FR,Google Ads,yes,34,15,39,Female',
      'c2,bob@example.com,Bob,2025-02-01,DE,organic,false,,20,81,Male',
      'c3,,,,,,,51,,,',
    ]);
    const reply = await run(bot, `/import customers ${file}`);
    expect(reply.ok).toBe(true);
    expect(reply.data).toMatchObject({ read: 3, inserted: 3, updated: 0, unchanged: 0, rejected: 0, rejections_file: null });
    const customers = await store.db.selectFrom('customers').selectAll().orderBy('customer_id').execute();
    expect(customers.map((c) => [c.customer_id, c.email, c.name, c.signup_date, c.acquisition_channel, c.consent])).toEqual([
      ['c1', 'ann@example.com', 'Ann Lee', '2025-01-05', 'google_ads', 1],
      ['c2', 'bob@example.com', 'Bob', '2025-02-01', 'organic', 0],
      // an empty consent cell on a new customer: DEFAULT_CONSENT, false unless set
      ['c3', null, null, null, null, 0],
    ]);
    const attributes = await store.db.selectFrom('customer_attributes').selectAll().orderBy('customer_id').orderBy('name').execute();
    expect(attributes.map((a) => `${a.customer_id}.${a.name}=${a.value}`)).toEqual([
      'c1.age=34',
      'c1.annual_income=15',
      'c1.spending_score=39',
      'c2.annual_income=20',
      'c2.spending_score=81',
      'c3.age=51',
    ]);
  });

  it('rejects bad rows with line, column and reason, and writes all of them to a CSV with formulas neutralized', async () => {
    const file = csv([
      'customer_id,email,signup_date,consent',
      'a1,a1@example.com,2025-01-01,true',
      'a2,=HYPERLINK("http://evil"),2025-01-01,true',
      ',nobody@example.com,2025-01-01,true',
      'a4,a4@example.com,31/01/2025,true',
      'a5,a5@example.com,2025-01-01,maybe',
    ]);
    const reply = await run(bot, `/import customers ${file}`);
    expect(reply.ok).toBe(true);
    expect(reply.data).toMatchObject({ read: 5, inserted: 1, rejected: 4 });
    expect(reply.view.tables![0]!.rows).toEqual([
      [3, 'email', 'not an email address', '=HYPERLINK("http://evil")'],
      [4, 'customer_id', 'missing customer_id', ''],
      [5, 'signup_date', 'invalid date (expected YYYY-MM-DD)', '31/01/2025'],
      [6, 'consent', 'not true or false', 'maybe'],
    ]);
    expect(reply.data.rejection_reasons).toMatchObject({ 'not an email address': 1, 'missing customer_id': 1 });
    const written = readFileSync(reply.data.rejections_file, 'utf8');
    expect(written).toBe(
      [
        'line,column,reason,value',
        `3,email,not an email address,"'=HYPERLINK(""http://evil"")"`,
        '4,customer_id,missing customer_id,',
        '5,signup_date,invalid date (expected YYYY-MM-DD),31/01/2025',
        '6,consent,not true or false,maybe',
        '',
      ].join('\n'),
    );
    expect(reply.view.files![0]!.path).toBe(reply.data.rejections_file);
    expect(path.dirname(reply.data.rejections_file)).toBe(path.join(store.dir, 'out'));
  });

  it('with strict=true commits nothing when a row is rejected', async () => {
    const file = csv(['customer_id,email', 's1,s1@example.com', 's2,not-an-email', 's3,s3@example.com']);
    const reply = await run(bot, `/import customers ${file} strict=true`);
    expect(reply.ok).toBe(false);
    expect(reply.data).toMatchObject({ read: 3, inserted: 0, rejected: 1, committed: false });
    expect(reply.view.text).toMatch(/Nothing was imported/);
    expect(await store.db.selectFrom('customers').selectAll().execute()).toEqual([]);
    expect(await stagingRows()).toBe(0);
  });

  it('is idempotent: the same file twice changes nothing and says so; a changed value is an update', async () => {
    const lines = ['customer_id,email,age', 'i1,i1@example.com,30', 'i2,i2@example.com,40'];
    const first = await run(bot, `/import customers ${csv(lines)}`);
    expect(first.data).toMatchObject({ inserted: 2, updated: 0, unchanged: 0 });
    const before = await store.db.selectFrom('customers').select(['customer_id', 'updated_at']).execute();
    const same = await run(bot, `/import customers ${csv(lines)}`);
    expect(same.data).toMatchObject({ read: 0, inserted: 0, updated: 0, unchanged: 2, unchanged_since: expect.any(String) });
    expect(same.view.text).toMatch(/^Nothing new: this file is unchanged since the import of .* UTC \(2 rows\), so it was not read again/);
    // force=true reads it again: the merge itself changes nothing either
    const again = await run(bot, `/import customers ${csv(lines)} force=true`);
    expect(again.data).toMatchObject({ read: 2, inserted: 0, updated: 0, unchanged: 2, rejected: 0 });
    expect(again.view.text).toMatch(/^Nothing new: 2 customers unchanged/);
    expect(await store.db.selectFrom('customers').select(['customer_id', 'updated_at']).execute()).toEqual(before);
    const changed = await run(
      bot,
      `/import customers ${csv(['customer_id,email,age', 'i1,i1@example.com,31', 'i2,i2@example.com,40', 'i3,,'])}`,
    );
    expect(changed.data).toMatchObject({ inserted: 1, updated: 1, unchanged: 1 });
  });

  it('reads a file shared in the chat (ctx.uploads) when no source is given', async () => {
    const file = csv(['customer_id,email', 'u1,u1@example.com']);
    const upload = { name: 'shared.csv', open: async () => createReadStream(file) };
    const reply = await run(bot, '/import customers', consoleCaller, { uploads: [upload] });
    expect(reply.data).toMatchObject({ read: 1, inserted: 1, source: 'shared.csv' });
    const named = await run(bot, '/import customers shared.csv', consoleCaller, { uploads: [upload] });
    expect(named.data).toMatchObject({ unchanged: 1 });
  });
});

describe('/import orders', () => {
  it('sums lines of one order, nets returns, never counts returns as orders, counts a free order as a purchase, and creates unknown customers', async () => {
    await run(bot, `/import customers ${csv(['customer_id,signup_date', 'known,2024-01-01'])}`);
    const file = csv([
      'InvoiceNo,StockCode,Quantity,InvoiceDate,UnitPrice,CustomerID,Country',
      '1001,A,2,2025-03-02 10:00:00,1.50,known,France',
      '1002,B,1,2025-03-05 09:00:00,10.00,newbie,Spain',
      '1001,B,1,2025-03-01 08:00:00,0.10,known,France',
      '1001,C,-1,2025-03-02 10:00:00,1.50,known,France',
      'C1003,A,-2,2025-03-07 11:00:00,1.50,known,France',
      '1004,D,0,2025-03-08 11:00:00,4.00,newbie,Spain',
      '1005,E,3,2025-03-09 11:00:00,0,newbie,Spain',
    ]);
    const reply = await run(bot, `/import orders ${file}`);
    expect(reply.ok).toBe(true);
    expect(reply.data).toMatchObject({ read: 7, inserted: 5, updated: 0, unchanged: 0, rejected: 0, customers_created: 1 });
    const orders = await store.db.selectFrom('orders').selectAll().orderBy('order_id').execute();
    expect(
      orders.map((o) => [o.order_id, o.customer_id, o.order_date, o.gross_cents, o.net_cents, o.lines, o.is_purchase, o.currency]),
    ).toEqual([
      ['1001', 'known', '2025-03-01T08:00:00.000Z', 310, 160, 3, 1, 'USD'],
      ['1002', 'newbie', '2025-03-05T09:00:00.000Z', 1000, 1000, 1, 1, 'USD'],
      ['1004', 'newbie', '2025-03-08T11:00:00.000Z', 0, 0, 1, 0, 'USD'],
      ['1005', 'newbie', '2025-03-09T11:00:00.000Z', 0, 0, 1, 1, 'USD'],
      ['C1003', 'known', '2025-03-07T11:00:00.000Z', 0, -300, 1, 0, 'USD'],
    ]);
    const newbie = await store.db.selectFrom('customers').selectAll().where('customer_id', '=', 'newbie').executeTakeFirstOrThrow();
    // created from an order: DEFAULT_CONSENT (false), no marketing consent until a customers file says so;
    // acquired at the instant of that order (its business day is read in BUSINESS_TZ)
    expect(newbie).toMatchObject({ signup_date: '2025-03-05T09:00:00.000Z', country: 'Spain', consent: 0 });
    const known = await store.db.selectFrom('customers').selectAll().where('customer_id', '=', 'known').executeTakeFirstOrThrow();
    expect(known.signup_date).toBe('2024-01-01');

    const again = await run(bot, `/import orders ${file} force=true`);
    expect(again.data).toMatchObject({ read: 7, inserted: 0, updated: 0, unchanged: 5 });
    expect(again.view.text).toMatch(/^Nothing new: 5 orders unchanged/);
  });

  it('masks emails in the rejections file it posts in the channel; private=true keeps them for the caller alone', async () => {
    const lines = ['order_id,customer_id,order_date,amount', 'o1,c1,2025-01-05,10', 'o2,c2,2025-01-06,paid by bob@example.com'];
    const shared = await run(bot, `/import orders ${csv(lines)}`);
    expect(shared.data).toMatchObject({ inserted: 1, rejected: 1 });
    const posted = readFileSync(shared.data.rejections_file, 'utf8');
    expect(posted).not.toContain('bob@example.com');
    expect(posted).toMatch(/^3,amount,.*paid by b.*@example\.com/m);
    const mine = await run(bot, `/import orders ${csv(lines)} private=true force=true`);
    expect(mine.view.ephemeral).toBe(true);
    expect(readFileSync(mine.data.rejections_file, 'utf8')).toMatch(/^3,amount,.*,paid by bob@example\.com$/m);
  });

  it('aggregates lines of one order that are far apart across staging batches', async () => {
    const lines = ['order_id,customer_id,order_date,amount'];
    for (let i = 0; i < 2500; i++) lines.push(`o${i % 7},c${i % 7},2025-01-${String((i % 28) + 1).padStart(2, '0')},1.01`);
    const reply = await run(bot, `/import orders ${csv(lines)}`);
    expect(reply.data).toMatchObject({ read: 2500, inserted: 7 });
    const total = await store.db
      .selectFrom('orders')
      .select((eb) => [eb.fn.sum<number>('gross_cents').as('gross'), eb.fn.sum<number>('lines').as('lines')])
      .executeTakeFirstOrThrow();
    expect(Number(total.gross)).toBe(2500 * 101);
    expect(Number(total.lines)).toBe(2500);
    const o0 = await store.db.selectFrom('orders').selectAll().where('order_id', '=', 'o0').executeTakeFirstOrThrow();
    expect(o0.order_date).toBe('2025-01-01');
  });

  it('takes map= and date_format= for files with their own conventions', async () => {
    const file = csv(
      ['Ref;Client;When;Total;Curr', 'r1;k1;31/12/2025;"1.234,5";EUR']
        .map((l) => l)
        .slice(0, 1)
        .concat(['r1;k1;31/12/2025;1234.50;eur', 'r2;k1;01/13/2025;5;EUR']),
    );
    const reply = await run(
      bot,
      `/import orders ${file} map="Ref:order_id,Client:customer_id,When:order_date,Total:amount,Curr:currency" date_format=DD/MM/YYYY`,
    );
    expect(reply.data).toMatchObject({ read: 2, inserted: 1, rejected: 1 });
    expect(reply.view.tables![0]!.rows[0]).toEqual([3, 'order_date', 'invalid date (expected DD/MM/YYYY)', '01/13/2025']);
    const order = await store.db.selectFrom('orders').selectAll().executeTakeFirstOrThrow();
    expect(order).toMatchObject({ order_id: 'r1', order_date: '2025-12-31', gross_cents: 123450, currency: 'EUR' });
  });

  it('fails before writing anything when a required column is missing, naming it and the columns found', async () => {
    const reply = await run(bot, `/import orders ${csv(['Ref,Client,When,Total', 'r1,k1,2025-01-01,3'])}`);
    expect(reply.ok).toBe(false);
    expect(reply.data.error.code).toBe('missing_columns');
    expect(reply.data.error.message).toMatch(/no `order_id`, `customer_id`, `order_date` columns for orders/);
    expect(reply.data.error.hint).toMatch(/Columns found: `Ref`, `Client`, `When`, `Total`\. .*map=/);
    expect(await store.db.selectFrom('orders').selectAll().execute()).toEqual([]);
  });

  it('detects gzip by its magic bytes, whatever the file name', async () => {
    const file = path.join(files, 'compressed.csv');
    writeFileSync(file, gzipSync('order_id,customer_id,order_date,amount\ng1,gc,2025-01-01,9.99\n'));
    const reply = await run(bot, `/import orders ${file}`);
    expect(reply.data).toMatchObject({ read: 1, inserted: 1 });
  });

  it('refuses what is not CSV and a missing file, before writing anything; reads UTF-16 by its byte order mark', async () => {
    const binary = path.join(files, 'image.csv');
    writeFileSync(binary, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]));
    const html = csv(['<!DOCTYPE html>', '<html><body>Sign in</body></html>'], 'page.csv');
    const json = csv(['[{"order_id": 1}]'], 'data.csv');
    for (const [file, what] of [
      [binary, 'binary data'],
      [html, 'HTML'],
      [json, 'JSON'],
    ] as const) {
      const reply = await run(bot, `/import orders ${file}`);
      expect(reply.data.error.code).toBe('not_csv');
      expect(reply.data.error.message).toContain(what);
    }
    const text = 'order_id,customer_id,order_date,amount,currency\nO1,C1,2026-01-02,10.00,USD\n';
    const le = path.join(files, 'unicode-le.csv');
    writeFileSync(le, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]));
    const be = path.join(files, 'unicode-be.csv');
    writeFileSync(be, Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, 'utf16le').swap16()]));
    const gzipped = path.join(files, 'unicode-le.csv.gz');
    writeFileSync(gzipped, gzipSync(readFileSync(le)));
    for (const file of [le, be, gzipped]) {
      const reply = await run(bot, `/import orders ${file}`);
      expect(reply.data, file).toMatchObject({ read: 1, rejected: 0 });
      const order = await store.db.selectFrom('orders').select(['order_id', 'net_cents']).executeTakeFirstOrThrow();
      expect(order).toEqual({ order_id: 'O1', net_cents: 1000 });
      await clear();
    }
    const missing = await run(bot, '/import orders no/such/file.csv');
    expect(missing.data.error.code).toBe('source_not_found');
    expect(missing.data.error.message).toMatch(/`no\/such\/file.csv`.*relative to the bot's working directory/);
    expect(await store.db.selectFrom('orders').selectAll().execute()).toEqual([]);
    expect(await stagingRows()).toBe(0);
  });
});

describe('/import from a URL', () => {
  let server: http.Server;
  let base: string;
  /** Bytes served per path; `/broken` sends a first part and then drops the connection. */
  const served = new Map<string, Buffer | string>();
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      if (req.url === '/broken') {
        res.writeHead(200, { 'content-type': 'text/csv' });
        res.write(served.get('/broken')!);
        setTimeout(() => res.socket?.destroy(), 50);
        return;
      }
      if (req.url === '/private' && req.headers.authorization !== 'Bearer files-token') {
        res.writeHead(403).end('forbidden');
        return;
      }
      const body = served.get(req.url ?? '');
      if (body === undefined) {
        res.writeHead(404).end('not found');
        return;
      }
      res.writeHead(200, { 'content-type': 'text/csv', 'content-length': Buffer.byteLength(body) }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('imports over http, gzip included, and names a 404', async () => {
    served.set('/spend.csv.gz', gzipSync('date,channel,campaign,amount\n2026-01,Google Ads,brand,1200.50\n2026-01-15,facebook,,300\n'));
    const reply = await run(bot, `/import spend ${base}/spend.csv.gz`);
    expect(reply.data).toMatchObject({ read: 2, inserted: 2 });
    const spend = await store.db.selectFrom('spend').selectAll().orderBy('channel').execute();
    expect(spend.map((s) => [s.date, s.channel, s.campaign, s.amount_cents])).toEqual([
      ['2026-01-15', 'facebook', '', 30000],
      ['2026-01-01', 'google_ads', 'brand', 120050],
    ]);
    const missing = await run(bot, `/import spend ${base}/nope.csv`);
    expect(missing.data.error.code).toBe('source_http_error');
    expect(missing.data.error.message).toMatch(/404/);
  });

  it('fetches a shared file from its platform URL with its auth header', async () => {
    served.set('/private', 'customer_id,email\np1,p1@example.com\n');
    const upload = {
      name: 'private.csv',
      url: `${base}/private`,
      headers: { authorization: 'Bearer files-token' },
      open: async (): Promise<NodeJS.ReadableStream> => {
        throw new Error('the URL is used, not open()');
      },
    };
    const reply = await run(bot, '/import customers private.csv', consoleCaller, { uploads: [upload] });
    expect(reply.data).toMatchObject({ read: 1, inserted: 1, source: 'private.csv' });
    const denied = await run(bot, '/import customers', consoleCaller, { uploads: [{ ...upload, headers: {} }] });
    expect(denied.data.error.code).toBe('source_http_error');
    expect(denied.data.error.message).toMatch(/403/);
  });

  it('leaves nothing half-written when the source fails halfway, and a second run completes the import', async () => {
    const header = 'order_id,customer_id,order_date,amount\n';
    const rows = Array.from({ length: 3000 }, (_, i) => `h${i},hc${i % 50},2025-02-01,1.00\n`).join('');
    served.set('/broken', header + rows.slice(0, rows.length / 2));
    const broken = await run(bot, `/import orders ${base}/broken`);
    expect(broken.ok).toBe(false);
    expect(broken.data.error.code).toBe('source_read_failed');
    expect(await store.db.selectFrom('orders').selectAll().execute()).toEqual([]);
    expect(await store.db.selectFrom('customers').selectAll().execute()).toEqual([]);
    expect(await stagingRows()).toBe(0);
    served.set('/whole.csv', header + rows);
    const whole = await run(bot, `/import orders ${base}/whole.csv`);
    expect(whole.data).toMatchObject({ read: 3000, inserted: 3000, customers_created: 50 });
  });
});

describe('/import events and the worker thread', () => {
  it('runs in a worker thread against the store file and returns the --json data contract', async () => {
    const workerBot = await createTestBot(store.db, store.dir, { env: { DATABASE_URL: store.url } });
    const file = csv([
      'Customer ID,Campaign,Event,Timestamp',
      'e1,spring,Open,2026-03-01T10:00:00Z',
      'e1,spring,clicked,2026-03-01 10:05:00',
      'e2,spring,bounced,2026-03-01 10:05:00',
      'e2,spring,delivered,2026-03-01',
    ]);
    const reply = await run(workerBot, `/import events ${file}`);
    expect(Object.keys(reply.data).slice(0, 7)).toEqual([
      'read',
      'inserted',
      'updated',
      'unchanged',
      'rejected',
      'rejections_file',
      'seconds',
    ]);
    expect(reply.data).toMatchObject({ read: 4, inserted: 3, updated: 0, unchanged: 0, rejected: 1, kind: 'events' });
    expect(typeof reply.data.seconds).toBe('number');
    const events = await store.db.selectFrom('events').select(['customer_id', 'type', 'occurred_at']).orderBy('occurred_at').execute();
    expect(events.map((e) => e.type)).toEqual(['delivered', 'opened', 'clicked']);
    const again = await run(workerBot, `/import events ${file}`);
    expect(again.data).toMatchObject({ inserted: 0, unchanged: 3 });
  });
});
