import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import http, { type Server } from 'node:http';
import path from 'node:path';
import { Writable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSlackAdapter, type RunningSlackAdapter } from '../../adapters/slack/start.ts';
import { loadRegistry } from '../../commands/index.ts';
import { loadConfig } from '../../src/config/config.ts';
import { Bot } from '../../src/core/bot.ts';
import { createLogger } from '../../src/logger.ts';
import { FakeSlack, postSlashCommand } from '../fakes/slack.ts';
import { closeServer, listen } from '../fakes/http-body.ts';
import {
  answersTo,
  MARKETING_ROLE,
  startHarness as startDiscordHarness,
  type Harness as DiscordHarness,
} from '../discord/helpers/harness.ts';
import { consoleCaller, createTestBot, run } from '../helpers/bot.ts';
import { createTestStore, type TestStore } from '../helpers/store.ts';

// An analyst in Slack trying to read the bot's machine and network through /import, with the
// real Bolt app in HTTP mode against FakeSlack; the console, whose user owns the machine, where its rule differs.

const BOT_TOKEN = 'xoxb-import-sources-bot';
const SIGNING_SECRET = 'planted-signing-secret-S1';
const WEBHOOK_SECRET = 'planted-webhook-secret-S2';
const URL_TOKEN = 'plantedQueryTokenQ3';
const URL_PASSWORD = 'plantedPasswordP4';
const ROW_TOKEN = 'plantedRowTokenR5';
const SECRETS = [SIGNING_SECRET, WEBHOOK_SECRET, URL_TOKEN, URL_PASSWORD, ROW_TOKEN];
const MAX_BYTES = 2 * 1024 * 1024;
const MAX_UNZIPPED = 4 * 1024 * 1024;

let store: TestStore;
let fake: FakeSlack;
let bot: Bot;
let adapter: RunningSlackAdapter;
let baseUrl: string;
let importDir: string;
let outDir: string;
const logLines: string[] = [];

/** The server the allow list lets through (127.0.0.1:<port>), and an "internal service" it does not. */
let files: Server;
let filesUrl: string;
let internal: Server;
let internalPort: number;
let internalHits = 0;
const served = new Map<string, (req: http.IncomingMessage, res: http.ServerResponse) => void>();
const stalled: http.ServerResponse[] = [];

const CUSTOMERS = 'customer_id,email\nc1,c1@example.com\nc2,c2@example.com\n';

beforeAll(async () => {
  store = await createTestStore();
  importDir = path.join(store.dir, 'imports');
  outDir = path.join(store.dir, 'out');
  mkdirSync(importDir, { recursive: true });
  writeFileSync(path.join(importDir, 'customers.csv'), CUSTOMERS);
  writeFileSync(path.join(store.dir, 'secret.csv'), 'customer_id,email\nleak,leak@example.com\n');
  symlinkSync(path.join(store.dir, 'secret.csv'), path.join(importDir, 'escape.csv'));
  symlinkSync('/proc/self/environ', path.join(importDir, 'environ.csv'));
  symlinkSync('/etc', path.join(importDir, 'etc'));
  execFileSync('mkfifo', [path.join(importDir, 'pipe.csv')]);

  internal = http.createServer((_req, res) => {
    internalHits++;
    res.writeHead(200, { 'content-type': 'text/csv' }).end('customer_id,email\ninternal,admin@internal.example\n');
  });
  internalPort = await listen(internal);
  files = http.createServer((req, res) => {
    const handler = served.get((req.url ?? '').replace(/\?.*$/, ''));
    if (handler) handler(req, res);
    else res.writeHead(404).end('not found');
  });
  const filesPort = await listen(files);
  filesUrl = `http://127.0.0.1:${filesPort}`;

  fake = new FakeSlack({ botToken: BOT_TOKEN });
  await fake.start();
  const capture = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logLines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      callback();
    },
  });
  const logger = createLogger('trace', capture);
  const config = loadConfig({
    DATABASE_URL: store.url,
    OUT_DIR: outDir,
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: fake.apiUrl,
    WEBHOOK_URL: 'https://hooks.example.com/growthbot',
    WEBHOOK_SECRET,
    DEFAULT_ROLE: 'analyst',
    IMPORT_DIR: importDir,
    IMPORT_ALLOW_HTTP: 'true',
    IMPORT_URL_ALLOW: `127.0.0.1:${filesPort}`,
    IMPORT_IDLE_TIMEOUT_S: '1',
    IMPORT_MAX_BYTES: String(MAX_BYTES),
    IMPORT_MAX_UNZIPPED_BYTES: String(MAX_UNZIPPED),
    // one attacker fires many imports here; the per-user rate limit has its own test
    RATE_LIMIT_PER_MIN: '0',
  });
  bot = new Bot({ db: store.db, config, logger, registry: await loadRegistry(), outDir });
  adapter = await startSlackAdapter({
    bot,
    config,
    logger,
    host: '127.0.0.1',
    port: 0,
    retryConfig: { retries: 0 },
    limits: { channelPostIntervalMs: 0 },
  });
  baseUrl = `http://127.0.0.1:${adapter.port}`;
}, 30_000);

afterAll(async () => {
  for (const res of stalled) res.destroy();
  await adapter?.stop();
  await fake?.stop();
  await closeServer(files);
  await closeServer(internal);
  await store?.close();
});

let seq = 0;
/** `/import <text>` from Slack as the analyst U0ATTACK; everything the bot posted for it, as one text. */
async function slackImport(text: string, fields: Record<string, string> = {}): Promise<string> {
  const id = `imp${++seq}`;
  const before = fake.calls.length;
  const ack = await postSlashCommand(baseUrl, SIGNING_SECRET, {
    command: '/import',
    text,
    user_id: 'U0ATTACK',
    channel_id: 'C0ATTACK',
    response_url: fake.responseUrl(id),
    ...fields,
  });
  expect(ack.status).toBe(200);
  await adapter.idle();
  await bot.settled();
  return [
    JSON.stringify(ack.body),
    ...fake.responsesTo(id).map((r) => JSON.stringify(r)),
    ...fake.calls.slice(before).map((c) => JSON.stringify(c.params)),
  ].join('\n');
}

async function customerIds(): Promise<string[]> {
  const rows = await store.db.selectFrom('customers').select('customer_id').orderBy('customer_id').execute();
  return rows.map((r) => r.customer_id);
}

describe('/import from Slack: local files only inside IMPORT_DIR', () => {
  it('imports a file inside IMPORT_DIR by relative and by absolute path', async () => {
    expect(await slackImport('customers customers.csv')).toMatch(/2 customers inserted|Read 2/);
    expect(await customerIds()).toEqual(['c1', 'c2']);
    expect(await slackImport(`customers ${path.join(importDir, 'customers.csv')}`)).toMatch(/2 customers unchanged|unchanged/);
  });

  it('refuses /etc/passwd, ../ escapes, symlinks out of the folder, /proc/self/environ and the bot’s .env, without showing a byte', async () => {
    writeFileSync(path.join(store.dir, '.env'), `# growthbot env\nWEBHOOK_SECRET=${WEBHOOK_SECRET}\n`);
    for (const source of [
      '/etc/passwd',
      '../secret.csv',
      `${importDir}/../secret.csv`,
      'escape.csv',
      'etc/passwd',
      'environ.csv',
      '/proc/self/environ',
      '../.env map="# growthbot env:customer_id"',
    ]) {
      const text = await slackImport(`customers ${source}`);
      expect(text, source).toContain('outside the import folder');
      expect(text, source).not.toMatch(/root:|leak|growthbot env|PATH=/);
      if (!source.includes(importDir)) expect(text, source).not.toContain(importDir);
    }
    expect(await slackImport('customers .env map="# growthbot env:customer_id"')).toContain(
      'no such file in the import folder (IMPORT_DIR)',
    );
    expect(await customerIds()).toEqual(['c1', 'c2']);
  });

  it('refuses a FIFO (and does not wait on it) and a directory', async () => {
    expect(await slackImport('customers pipe.csv')).toContain('is not a regular file');
    expect(await slackImport('customers etc')).toContain('outside the import folder');
    mkdirSync(path.join(importDir, 'folder'), { recursive: true });
    expect(await slackImport('customers folder')).toContain('is a directory');
  });

  it('without IMPORT_DIR, chat reads no local file at all and says how to share one; the console still reads any path', async () => {
    const open = await createTestBot(store.db, store.dir, { env: { DATABASE_URL: store.url, DEFAULT_ROLE: 'analyst' } });
    const slack = { platform: 'slack' as const, userId: 'U0ADMIN', channelId: 'C1' };
    const refused = await run(open, `/import customers ${path.join(importDir, 'customers.csv')}`, slack);
    expect(refused.data.error.code).toBe('local_files_off');
    expect(refused.data.error.hint).toMatch(/Share the CSV file in the chat.*IMPORT_DIR/);
    const discord = await run(open, '/import customers /etc/passwd', { platform: 'discord', userId: '1', channelId: '2' });
    expect(discord.data.error.code).toBe('local_files_off');
    const local = await run(open, `/import customers ${path.join(store.dir, 'secret.csv')}`, consoleCaller);
    expect(local.data).toMatchObject({ read: 1, inserted: 1 });
    const fifo = await run(open, `/import customers ${path.join(importDir, 'pipe.csv')}`, consoleCaller);
    expect(fifo.data.error.code).toBe('source_not_file');
    await store.db.deleteFrom('customers').where('customer_id', '=', 'leak').execute();
  });
});

describe('/import from Slack: URLs reach public hosts only', () => {
  it('refuses 127.0.0.1 in every spelling, localhost, and a redirect into the internal service; never connects to it', async () => {
    const port = internalPort;
    for (const url of [
      `http://127.0.0.1:${port}/customers.csv`,
      `http://[::ffff:127.0.0.1]:${port}/customers.csv`,
      `http://[::ffff:7f00:1]:${port}/customers.csv`,
      `http://[::1]:${port}/customers.csv`,
      `http://2130706433:${port}/customers.csv`,
      `http://0x7f.1:${port}/customers.csv`,
      `http://017700000001:${port}/customers.csv`,
      `http://localhost:${port}/customers.csv`,
      `http://[::ffff:127.0.0.1]:${new URL(filesUrl).port}/customers.csv`,
    ]) {
      expect(await slackImport(`customers ${url}`), url).toContain('is an internal address');
    }
    served.set('/to-internal', (_req, res) => res.writeHead(302, { location: `http://127.0.0.1:${port}/customers.csv` }).end());
    served.set('/to-mapped', (_req, res) => res.writeHead(307, { location: `http://[::ffff:127.0.0.1]:${port}/` }).end());
    expect(await slackImport(`customers ${filesUrl}/to-internal`)).toContain('is an internal address');
    expect(await slackImport(`customers ${filesUrl}/to-mapped`)).toContain('is an internal address');
    expect(internalHits).toBe(0);
  });

  it('follows up to 5 redirects on allowed hosts, not 6', async () => {
    served.set('/customers.csv', (_req, res) => res.writeHead(200, { 'content-type': 'text/csv' }).end(CUSTOMERS));
    for (let i = 1; i <= 6; i++)
      served.set(`/hop${i}`, (_req, res) => res.writeHead(302, { location: i === 1 ? '/customers.csv' : `/hop${i - 1}` }).end());
    expect(await slackImport(`customers ${filesUrl}/hop5`)).toMatch(/2 customers unchanged|unchanged/);
    expect(await slackImport(`customers ${filesUrl}/hop6`)).toContain('redirects more than 5 times');
  });

  it('answers every connection failure with one message, so errors do not tell open ports from closed ones', async () => {
    const closed = http.createServer();
    const closedPort = await listen(closed);
    await closeServer(closed);
    const allowOpen = await createTestBot(store.db, store.dir, {
      env: {
        DEFAULT_ROLE: 'analyst',
        IMPORT_ALLOW_HTTP: 'true',
        IMPORT_URL_ALLOW: `127.0.0.1:${closedPort},no-such-host.invalid`,
        IMPORT_IDLE_TIMEOUT_S: '1',
      },
    });
    const slack = { platform: 'slack' as const, userId: 'U0ADMIN', channelId: 'C1' };
    const refused = await run(allowOpen, `/import customers http://127.0.0.1:${closedPort}/x.csv`, slack);
    const unknown = await run(allowOpen, '/import customers http://no-such-host.invalid/x.csv', slack);
    expect(refused.data.error.code).toBe('source_unreachable');
    expect(unknown.data.error.code).toBe('source_unreachable');
    const shape = (message: string) => message.replace(/from \S+:/, 'from HOST:');
    expect(shape(refused.data.error.message)).toBe(shape(unknown.data.error.message));
    expect(refused.data.error.message).toContain('IMPORT_IDLE_TIMEOUT_S');
  });

  it('only https unless IMPORT_ALLOW_HTTP=true, and no credentials in a URL from chat', async () => {
    const strict = await createTestBot(store.db, store.dir, { env: { DEFAULT_ROLE: 'analyst' } });
    const slack = { platform: 'slack' as const, userId: 'U0ADMIN', channelId: 'C1' };
    const plain = await run(strict, '/import customers http://files.example.com/customers.csv', slack);
    expect(plain.data.error.code).toBe('url_scheme');
    expect(plain.data.error.hint).toContain('IMPORT_ALLOW_HTTP=true');
    const text = await slackImport(`customers https://analyst:${URL_PASSWORD}@files.example.com/customers.csv`);
    expect(text).toContain('URLs with a user name or password cannot be imported from chat');
  });

  it('the console may give credentials: they are sent as Basic auth and kept out of replies', async () => {
    const consoleBot = await createTestBot(store.db, store.dir, {
      env: { IMPORT_ALLOW_HTTP: 'true', IMPORT_URL_ALLOW: `127.0.0.1:${new URL(filesUrl).port}` },
    });
    served.set('/basic.csv', (req, res) => {
      const ok = req.headers.authorization === `Basic ${Buffer.from(`analyst:${URL_PASSWORD}`).toString('base64')}`;
      res.writeHead(ok ? 200 : 401).end(ok ? CUSTOMERS : 'no');
    });
    const reply = await run(consoleBot, `/import customers http://analyst:${URL_PASSWORD}@127.0.0.1:${new URL(filesUrl).port}/basic.csv`);
    expect(reply.ok).toBe(true);
    expect(JSON.stringify(reply)).not.toContain(URL_PASSWORD);
    await consoleBot.settled();
  });
});

describe('/import limits', () => {
  it('a server that stops sending times out (IMPORT_IDLE_TIMEOUT_S), releases the import lock, and the next import runs', async () => {
    served.set('/stall-body', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/csv' });
      res.write('customer_id,email\ns1,s1@example.com\n');
      stalled.push(res);
    });
    served.set('/stall-headers', (_req, res) => {
      stalled.push(res);
    });
    const body = await slackImport(`customers ${filesUrl}/stall-body`);
    expect(body).toContain('stopped sending data: nothing arrived for 1 s (the limit set by IMPORT_IDLE_TIMEOUT_S)');
    const headers = await slackImport(`customers ${filesUrl}/stall-headers`);
    expect(headers).toContain('did not answer within 1 s (the limit set by IMPORT_IDLE_TIMEOUT_S)');
    expect(await customerIds()).toEqual(['c1', 'c2']);
    expect(await slackImport(`customers ${filesUrl}/customers.csv`)).toMatch(/unchanged/);
  });

  it('a server that drips bytes just fast enough to beat the idle timeout is stopped by IMPORT_TIMEOUT_S', async () => {
    const slow = await createTestBot(store.db, store.dir, {
      env: {
        IMPORT_ALLOW_HTTP: 'true',
        IMPORT_URL_ALLOW: `127.0.0.1:${new URL(filesUrl).port}`,
        IMPORT_IDLE_TIMEOUT_S: '1',
        IMPORT_TIMEOUT_S: '2',
      },
    });
    served.set('/drip.csv', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/csv' });
      res.write('customer_id,email\n');
      let i = 0;
      const timer = setInterval(() => (res.destroyed ? clearInterval(timer) : res.write(`d${i++},d@example.com\n`)), 100);
    });
    const reply = await run(slow, `/import customers ${filesUrl}/drip.csv`);
    expect(reply.data.error.code).toBe('source_too_slow');
    expect(reply.data.error.message).toContain('took longer than 2 s (the limit set by IMPORT_TIMEOUT_S)');
    expect(await customerIds()).toEqual(['c1', 'c2']);
  });

  it('stops a gzip bomb, a file that unzips past IMPORT_MAX_UNZIPPED_BYTES and a download past IMPORT_MAX_BYTES; the store is untouched', async () => {
    const bomb = gzipSync(Buffer.concat([Buffer.from('customer_id,email\n'), Buffer.alloc(16 * 1024 * 1024, 'a')]));
    expect(bomb.length).toBeLessThan(MAX_BYTES);
    served.set('/bomb.csv.gz', (_req, res) => res.writeHead(200).end(bomb));
    expect(await slackImport(`customers ${filesUrl}/bomb.csv.gz`)).toContain('gzip bomb');

    const lines = ['customer_id,email'];
    for (let i = 0; i < 250_000; i++) lines.push(`big${i},user${(i * 7919) % 250_000}@example.com`);
    const big = gzipSync(lines.join('\n'));
    expect(big.length * 100).toBeGreaterThan(MAX_UNZIPPED);
    expect(big.length).toBeLessThan(MAX_BYTES);
    served.set('/big.csv.gz', (_req, res) => res.writeHead(200).end(big));
    expect(await slackImport(`customers ${filesUrl}/big.csv.gz`)).toContain(
      'decompresses to more than 4 MiB (the limit set by IMPORT_MAX_UNZIPPED_BYTES)',
    );

    const huge = `customer_id,email\n${'h1,h1@example.com\n'.repeat(MAX_BYTES / 10)}`;
    served.set('/huge.csv', (_req, res) => res.writeHead(200, { 'content-type': 'text/csv' }).end(huge));
    served.set('/huge-chunked.csv', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/csv', 'transfer-encoding': 'chunked' });
      for (let i = 0; i < huge.length; i += 65536) res.write(huge.slice(i, i + 65536));
      res.end();
    });
    for (const name of ['huge.csv', 'huge-chunked.csv']) {
      expect(await slackImport(`customers ${filesUrl}/${name}`), name).toContain(
        'is larger than 2 MiB (the limit set by IMPORT_MAX_BYTES)',
      );
    }
    const shared = fake.addFile({ name: 'huge-shared.csv', content: huge, channels: ['C0ATTACK'], user: 'U0ATTACK' });
    expect(await slackImport('customers')).toContain('is larger than 2 MiB (the limit set by IMPORT_MAX_BYTES)');
    expect(fake.downloads.some((d) => d.fileId === shared.id && d.authorized)).toBe(true);
    expect(await customerIds()).toEqual(['c1', 'c2']);
  }, 60_000);
});

describe('secrets', () => {
  it('a URL’s query values and credentials, and setting values, appear in no table, log line, chat message or rejection file', async () => {
    served.set('/tokened.csv', (req, res) => {
      const ok = new URL(req.url ?? '', 'http://x').searchParams.get('token') === URL_TOKEN;
      res
        .writeHead(ok ? 200 : 403, { 'content-type': 'text/csv' })
        .end(
          ok ? `customer_id,email,signup_date\nt1,t1@example.com,2026-01-01\nt2,t2@example.com,https://x.example/?k=${ROW_TOKEN}\n` : 'no',
        );
    });
    const text = await slackImport(`customers ${filesUrl}/tokened.csv?token=${URL_TOKEN}&page=2`);
    expect(text).toContain('tokened.csv?token=[redacted]&page=[redacted]');
    await slackImport(`customers https://analyst:${URL_PASSWORD}@files.example.com/customers.csv?token=${URL_TOKEN}`);
    await slackImport(`orders ${filesUrl}/missing.csv?token=${URL_TOKEN}`);
    expect(await customerIds()).toContain('t1');

    const chat = JSON.stringify(fake.calls.map((c) => c.params)) + JSON.stringify(fake.responses);
    const tables = await store.db.introspection.getTables();
    const dumps: string[] = [];
    for (const table of tables) {
      if (store.schema && table.schema !== store.schema) continue;
      const rows = await sql`select * from ${sql.table(table.name)}`.execute(store.db);
      dumps.push(`${table.name}: ${JSON.stringify(rows.rows)}`);
    }
    expect(dumps.some((d) => d.startsWith('audit_log') && d.includes('tokened.csv?token=[redacted]'))).toBe(true);
    const rejectionFiles = readdirSync(outDir).filter((f) => f.includes('rejections'));
    expect(rejectionFiles.length).toBeGreaterThan(0);
    const rejections = rejectionFiles.map((f) => readFileSync(path.join(outDir, f), 'utf8')).join('\n');
    expect(rejections).toContain('?k=[redacted]');
    expect(logLines.length).toBeGreaterThan(0);
    for (const secret of SECRETS) {
      expect(chat, `chat: ${secret}`).not.toContain(secret);
      for (const dump of dumps) expect(dump, `table ${dump.slice(0, 30)}: ${secret}`).not.toContain(secret);
      for (const line of logLines) expect(line, `log: ${secret}`).not.toContain(secret);
      expect(rejections, `rejections: ${secret}`).not.toContain(secret);
    }
  });
});

describe('/import from Discord (real discord.js against FakeDiscord)', () => {
  let d: DiscordHarness;
  beforeAll(async () => {
    d = await startDiscordHarness();
  }, 30_000);
  afterAll(async () => {
    await d?.close();
  });

  /** `/import customers source=<source>` as a member with the analyst role; all the bot answered, as one text. */
  async function discordImport(source: string, expected: string): Promise<string> {
    const interaction = d.fake.sendInteraction({
      type: 'command',
      name: 'import',
      subcommand: 'customers',
      options: { source },
      roles: [MARKETING_ROLE],
    });
    return d.fake.waitFor(() => {
      const text = JSON.stringify(answersTo(d.fake, interaction));
      return text.includes(expected) && text;
    }, 10_000);
  }

  it('reads no local file without IMPORT_DIR and no internal address, in any spelling', async () => {
    const passwd = await discordImport('/etc/passwd', 'cannot be imported from chat');
    expect(passwd).toContain('IMPORT_DIR');
    expect(passwd).not.toContain('root:');
    for (const url of [
      `https://2130706433:${internalPort}/`,
      `https://[::ffff:127.0.0.1]:${internalPort}/`,
      `https://0x7f.1:${internalPort}/`,
    ]) {
      await discordImport(url, 'is an internal address');
    }
    expect(internalHits).toBe(0);
    expect(await d.store.db.selectFrom('customers').selectAll().execute()).toEqual([]);
  });
});
