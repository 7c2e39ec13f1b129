import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bot } from '../../src/core/bot.ts';
import type { Caller } from '../../src/core/context.ts';
import { loadSources } from '../../src/sources/config.ts';
import { getSourceState } from '../../src/sources/state.ts';
import { syncSource } from '../../src/sources/sync.ts';
import { createTestBot, run } from '../helpers/bot.ts';
import { createTestStore, testPostgresUrl, type TestStore } from '../helpers/store.ts';

// URL, directory and SQLite sources against real parts: an HTTP server on 127.0.0.1, files in a temp
// folder, a SQLite file. The bot's store is SQLite or PostgreSQL (TEST_DATABASE_URL).
const TOKEN = 'tok-url-source-9f3';
const ORDERS = 'order_id,customer_id,order_date,amount\nU1,C1,2026-11-20,10.00\nU2,C2,2026-11-21,20.00\nU3,C3,2026-11-22,not-a-number\n';

let store: TestStore;
let bot: Bot;
let server: http.Server;
let base: string;
let exportsDir: string;
const requests: { url: string; auth: string | undefined }[] = [];
const notices: { channelId: string; title: string }[] = [];
const analyst: Caller = { platform: 'slack', userId: 'U_ANALYST', channelId: 'C1' };
const viewer: Caller = { platform: 'slack', userId: 'U_VIEWER', channelId: 'C1' };

beforeAll(async () => {
  server = http.createServer((req, res) => {
    requests.push({ url: req.url ?? '', auth: req.headers.authorization });
    if (req.headers.authorization !== `Bearer ${TOKEN}`) {
      res.writeHead(401).end('no');
      return;
    }
    if (req.url === '/orders.csv') res.writeHead(200, { 'content-type': 'text/csv' }).end(ORDERS);
    else if (req.url === '/spend.csv.gz')
      res.writeHead(200).end(gzipSync('date,channel,amount\n2026-11-01,google_ads,100\n2026-11-02,google_ads,120.5\n'));
    else if (req.url === '/elsewhere') res.writeHead(302, { location: 'http://127.0.0.2:9/secret.csv' }).end();
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;

  store = await createTestStore();
  exportsDir = path.join(store.dir, 'exports');
  mkdirSync(exportsDir);
  const sqliteFile = path.join(store.dir, 'app.db');
  const app = new Database(sqliteFile);
  app.exec(`create table users (id text primary key, mail text, joined text, seq integer);
    insert into users values ('S1', 'ada@example.com', '2026-10-01', 1), ('S2', 'bob@example', '2026-10-02', 2), ('S3', null, '2026-10-03', 10);`);
  app.close();
  const file = path.join(store.dir, 'sources.yaml');
  writeFileSync(
    file,
    `sources:
  shop-orders:
    type: url
    kind: orders
    url: ${base}/orders.csv
    headers:
      Authorization: "Bearer \${SHOP_TOKEN}"
  ad-spend:
    type: url
    kind: spend
    url: ${base}/spend.csv.gz
    headers:
      Authorization: "Bearer \${SHOP_TOKEN}"
  no-token:
    type: url
    kind: orders
    url: ${base}/orders.csv
  redirected:
    type: url
    kind: orders
    url: ${base}/elsewhere
    headers:
      Authorization: "Bearer \${SHOP_TOKEN}"
  exports:
    type: directory
    kind: orders
    path: ${exportsDir}
    glob: "orders-*.csv"
    date_format: DD/MM/YYYY
  app-users:
    type: sqlite
    kind: customers
    path: ${sqliteFile}
    query: select id, mail as email, joined as signup_date, seq from users where :since is null or seq > :since order by seq
    map: "id:customer_id"
    incremental: seq
`,
  );
  bot = await createTestBot(store.db, store.dir, {
    env: {
      DATABASE_URL: store.url,
      BOT_ADMINS: 'U_ADMIN',
      ADMIN_CHANNEL: 'console:admins',
      // plain http for the local server; IMPORT_URL_ALLOW names it (a source's own host is allowed anyway)
      IMPORT_ALLOW_HTTP: 'true',
      IMPORT_URL_ALLOW: `127.0.0.1:${port}`,
    },
    now: () => new Date('2026-11-25T10:00:00Z'),
    sources: loadSources(file, { SHOP_TOKEN: TOKEN }),
  });
  bot.setNotifier('console', async (target, reply) => {
    notices.push({ channelId: target.channelId, title: reply.view.title ?? '' });
  });
  await run(bot, '/admin grant U_ANALYST analyst', { platform: 'slack', userId: 'U_ADMIN', channelId: 'C1' });
});

afterAll(async () => {
  server?.close();
  await store?.close();
});

describe(`URL, directory and SQLite sources (bot store on ${testPostgresUrl() ? 'PostgreSQL' : 'SQLite'})`, () => {
  it('a URL source downloads with its bearer token and imports; rejections are reported, the sync counts', async () => {
    const answer = await run(bot, '/source sync shop-orders', analyst);
    expect(answer.ok, answer.view.text).toBe(true);
    expect(answer.data).toMatchObject({ read: 3, inserted: 2, rejected: 1, source: 'shop-orders', data_through: '2026-11-21' });
    expect(requests.at(-1)).toEqual({ url: '/orders.csv', auth: `Bearer ${TOKEN}` });
    expect(JSON.stringify(answer)).not.toContain(TOKEN);
  });

  it('a gzip URL source', async () => {
    const outcome = await syncSource(bot, 'ad-spend', { trigger: 'digest' });
    expect(outcome).toMatchObject({ rows: 2, dataThrough: '2026-11-02', cursor: null });
    const runs = await store.db.selectFrom('source_runs').select(['fire_time', 'trigger']).where('source', '=', 'ad-spend').execute();
    expect(runs).toEqual([{ fire_time: expect.stringMatching(/^digest:/), trigger: 'digest' }]);
  });

  it('a source may reach its own host at a private address without IMPORT_URL_ALLOW; /import from chat still may not', async () => {
    const strict = await createTestBot(store.db, store.dir, {
      env: { DATABASE_URL: store.url, BOT_ADMINS: 'U_ADMIN', IMPORT_ALLOW_HTTP: 'true' },
      sources: [...bot.sources],
    });
    expect(await syncSource(strict, 'ad-spend', { trigger: 'command' })).toMatchObject({ rows: 2 });
    const chat = await run(strict, `/import spend ${base}/spend.csv.gz`, { platform: 'slack', userId: 'U_ADMIN', channelId: 'C1' });
    expect(chat.data.error.code).toBe('url_internal');
  });

  it('a refused download marks the source failing; a redirect to another internal host is refused', async () => {
    const refused = await run(bot, '/source sync no-token', analyst);
    expect(refused.data.error.code).toBe('source_http_error');
    expect((await getSourceState(store.db, 'no-token'))?.failing_since).toBe('2026-11-25T10:00:00.000Z');
    const redirected = await run(bot, '/source sync redirected', analyst);
    expect(redirected.data.error.code).toBe('url_internal');
    // a typed sync is a run like a scheduled one: recorded, and ADMIN_CHANNEL told once per failing spell
    await run(bot, '/source sync no-token', analyst);
    expect(notices).toEqual([
      { channelId: 'admins', title: 'Data source no-token is failing' },
      { channelId: 'admins', title: 'Data source redirected is failing' },
    ]);
    const runs = await store.db
      .selectFrom('source_runs')
      .select(['source', 'status', 'trigger'])
      .where('source', '=', 'no-token')
      .execute();
    expect(runs).toEqual([
      { source: 'no-token', status: 'failed', trigger: 'command' },
      { source: 'no-token', status: 'failed', trigger: 'command' },
    ]);
  });

  it('a directory source imports the newest matching file', async () => {
    writeFileSync(path.join(exportsDir, 'orders-1.csv'), 'order_id,customer_id,order_date,amount\nD1,C1,01/11/2026,5\n');
    writeFileSync(
      path.join(exportsDir, 'orders-2.csv'),
      'order_id,customer_id,order_date,amount\nD2,C1,02/11/2026,6\nD3,C2,03/11/2026,7\n',
    );
    writeFileSync(path.join(exportsDir, 'notes.txt'), 'not an export');
    utimesSync(path.join(exportsDir, 'orders-1.csv'), new Date('2026-11-01'), new Date('2026-11-01'));
    utimesSync(path.join(exportsDir, 'orders-2.csv'), new Date('2026-11-03'), new Date('2026-11-03'));
    utimesSync(path.join(exportsDir, 'notes.txt'), new Date('2026-11-05'), new Date('2026-11-05'));
    const first = await run(bot, '/source sync exports', analyst);
    expect(first.ok, first.view.text).toBe(true);
    expect(first.data).toMatchObject({ read: 2, inserted: 2, source: 'exports', data_through: '2026-11-03' });
    writeFileSync(path.join(exportsDir, 'orders-3.csv'), 'order_id,customer_id,order_date,amount\nD4,C3,04/11/2026,8\n');
    utimesSync(path.join(exportsDir, 'orders-3.csv'), new Date('2026-11-04'), new Date('2026-11-04'));
    const test = await run(bot, '/source test exports', analyst);
    expect(test.data).toMatchObject({ read: 1, valid: 1 });
    expect(test.view.title).toContain('/source test exports');
    const ids = await store.db.selectFrom('orders').select('order_id').where('order_id', 'like', 'D%').orderBy('order_id').execute();
    expect(ids.map((r) => r.order_id)).toEqual(['D2', 'D3']);
  });

  it('a SQLite source reads incrementally; /source test writes nothing and shows the first rejections', async () => {
    const test = await run(bot, '/source test app-users', analyst);
    expect(test.ok, test.view.text).toBe(true);
    expect(test.data).toMatchObject({ read: 3, valid: 2 });
    expect(test.data.rejections[0]).toMatchObject({ line: 3, column: 'email', reason: 'not an email address' });
    expect(test.data.columns).toEqual([
      { column: 'id', field: 'customer_id' },
      { column: 'email', field: 'email' },
      { column: 'signup_date', field: 'signup_date' },
      { column: 'seq', field: 'attribute' },
    ]);
    expect(await getSourceState(store.db, 'app-users')).toBeUndefined();
    const first = await syncSource(bot, 'app-users', { trigger: 'command' });
    expect(first).toMatchObject({ rows: 3, cursor: '10' });
    const db = new Database(path.join(store.dir, 'app.db'));
    db.exec(
      "insert into users values ('S4', 'cy@example.com', '2026-10-04', 11); update users set mail = 'bob@example.com', seq = 12 where id = 'S2'",
    );
    db.close();
    const second = await syncSource(bot, 'app-users', { trigger: 'command' });
    expect(second).toMatchObject({ rows: 2, cursor: '12' });
    const customers = await store.db
      .selectFrom('customers')
      .select(['customer_id', 'email'])
      .where('customer_id', 'like', 'S%')
      .orderBy('customer_id')
      .execute();
    expect(customers).toEqual([
      { customer_id: 'S1', email: 'ada@example.com' },
      { customer_id: 'S2', email: 'bob@example.com' },
      { customer_id: 'S3', email: null },
      { customer_id: 'S4', email: 'cy@example.com' },
    ]);
  });

  it('/source list is for viewers; sync and test need an analyst; an unknown name gets the nearest suggestion', async () => {
    const list = await run(bot, '/source list', viewer);
    expect(list.ok).toBe(true);
    expect(list.data.sources.map((s: { name: string }) => s.name)).toEqual([
      'shop-orders',
      'ad-spend',
      'no-token',
      'redirected',
      'exports',
      'app-users',
    ]);
    expect(list.data.sources[0]).toMatchObject({ type: 'url', kind: 'orders', rows: 3, next_run: null, failing_since: null });
    expect(JSON.stringify(list)).not.toContain(TOKEN);
    expect((await run(bot, '/source sync exports', viewer)).data.error.code).toBe('forbidden');
    expect((await run(bot, '/source test exports', viewer)).data.error.code).toBe('forbidden');
    const unknown = await run(bot, '/source sync shop-order', analyst);
    expect(unknown.data.error).toMatchObject({
      code: 'unknown_source',
      message: 'There is no source named `shop-order`. Did you mean `shop-orders`?',
    });
    expect(unknown.data.error.hint).toContain('`app-users`');
  });
});
