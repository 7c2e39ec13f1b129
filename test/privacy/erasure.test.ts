/**
 * Complete erasure, end to end (#18 point 4): the deployed bot (`npm start`, console, --json)
 * imports customers, orders and events (one row rejected with the person's email in it), shows the
 * customer, segments and exports; then `/customer forget`. Afterwards every table, the raw SQLite
 * file (and its WAL), OUT_DIR and the whole session's logs are scanned for the person's id, email
 * and name; the original files are imported again and the person stays gone, counted as suppressed.
 * On PostgreSQL (TEST_DATABASE_URL) the same run scans every table of the schema.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killAllBots, spawnBot, SPAWN_TEST_TIMEOUT_MS, type SpawnedBot } from '../helpers/spawn-bot.ts';
import { createEmptyTestStore, type TestStore } from '../helpers/store.ts';

const PERSON = { id: 'ERZ-7731', email: 'wilhelmina.quartz@example.net', name: 'Wilhelmina Quartz' };
/** What must be found nowhere: the id, the email, the name and each of its parts (any case). */
const NEEDLES = [PERSON.id, PERSON.email, PERSON.name, 'wilhelmina', 'quartz'];

const CUSTOMERS = [
  'customer_id,email,name,signup_date,country,acquisition_channel,consent',
  `${PERSON.id},${PERSON.email},${PERSON.name},2026-01-05,DE,google_ads,yes`,
  'ERZ-1001,otto.keller@example.org,Otto Keller,2026-02-01,US,organic,yes',
  'ERZ-1002,mara.lind@example.com,Mara Lind,2026-02-03,FR,organic,no',
  'ERZ-1003,ivo.brandt@example.com,Ivo Brandt,2026-02-09,DE,referral,yes',
  // rejected ("not an email address"): the rejections file holds the person's email
  `${PERSON.id},${PERSON.email} (work),${PERSON.name},2026-01-05,DE,google_ads,yes`,
  '',
].join('\n');

/** The same email under a new id (and in capitals): found by the email's hash. */
const SAME_EMAIL = [
  'customer_id,email,name,signup_date,consent',
  `ERZ-9999,${PERSON.email.toUpperCase()},Someone Else,2026-09-01,yes`,
  'ERZ-1004,lea.moll@example.com,Lea Moll,2026-09-02,yes',
  '',
].join('\n');

const ORDERS = [
  'order_id,customer_id,order_date,amount,currency',
  `O-1,${PERSON.id},2026-03-01,120.00,EUR`,
  `O-2,${PERSON.id},2026-05-11,80.50,EUR`,
  'O-3,ERZ-1001,2026-03-04,40.00,EUR',
  'O-4,ERZ-1002,2026-04-10,15.00,EUR',
  'O-5,ERZ-1003,2026-06-01,220.00,EUR',
  'O-6,ERZ-1001,2026-07-01,60.00,EUR',
  '',
].join('\n');

const EVENTS = [
  'customer_id,campaign_id,type,occurred_at',
  `${PERSON.id},spring,clicked,2026-03-02T10:00:00Z`,
  `${PERSON.id},spring,converted,2026-03-02T10:05:00Z`,
  'ERZ-1001,spring,opened,2026-03-02T11:00:00Z',
  '',
].join('\n');

type JsonReply = { command: string; ok: boolean; text: string; data: Record<string, any> };

let store: TestStore;
let cwd: string;
let bot: SpawnedBot;
let replies: JsonReply[] = [];

/** Sends one command and waits for its JSON line on standard output. */
async function send(line: string): Promise<JsonReply> {
  const before = replies.length;
  bot.write(`${line}\n`);
  await bot.waitForOutput(new RegExp(`^(?:.*\\n){${before + 1}}`), 90_000);
  replies = bot.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as JsonReply);
  return replies[before]!;
}

/** Every needle found in `text` (case-insensitive). */
function found(text: string): string[] {
  const lower = text.toLowerCase();
  return NEEDLES.filter((needle) => lower.includes(needle.toLowerCase()));
}

/** Every table of the store, every row, as text. */
async function everyTable(): Promise<Record<string, string>> {
  const names =
    store.dialect === 'postgres'
      ? (
          await sql<{
            name: string;
          }>`select table_name as name from information_schema.tables where table_schema = ${store.schema!}`.execute(store.db)
        ).rows.map((r) => r.name)
      : (
          await sql<{ name: string }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%'`.execute(store.db)
        ).rows.map((r) => r.name);
  expect(names).toContain('erasure_suppressions');
  const dump: Record<string, string> = {};
  for (const name of names) dump[name] = JSON.stringify((await sql`select * from ${sql.table(name)}`.execute(store.db)).rows);
  return dump;
}

/** Tables that hold the person, with what was found. */
async function tablesWithPerson(): Promise<Record<string, string[]>> {
  const hits: Record<string, string[]> = {};
  for (const [table, text] of Object.entries(await everyTable())) {
    const inTable = found(text);
    if (inTable.length) hits[table] = inTable;
  }
  return hits;
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((name) => path.join(dir, name))
    .filter((file) => statSync(file).isFile());
}

/** OUT_DIR files that hold the person (read as bytes, latin1, so nothing is lost to decoding). */
function outFilesWithPerson(): Record<string, string[]> {
  const hits: Record<string, string[]> = {};
  for (const file of filesUnder(path.join(cwd, 'out'))) {
    const inFile = found(readFileSync(file).toString('latin1'));
    if (inFile.length) hits[path.basename(file)] = inFile;
  }
  return hits;
}

/** The SQLite file and its WAL, byte for byte, as `strings` would read them. */
function rawDatabaseWithPerson(): string[] {
  const file = store.url.replace(/^sqlite:/, '');
  const bytes = [file, `${file}-wal`, `${file}-journal`]
    .filter((f) => existsSync(f))
    .map((f) => readFileSync(f).toString('latin1'))
    .join('\n');
  return found(bytes);
}

beforeAll(async () => {
  store = await createEmptyTestStore();
  cwd = mkdtempSync(path.join(os.tmpdir(), 'growthbot-erasure-'));
});

afterAll(async () => {
  await killAllBots();
  await store?.close();
  rmSync(cwd, { recursive: true, force: true });
});

describe('/customer forget on the deployed bot', () => {
  it(
    'leaves no trace in any table, the raw database file, OUT_DIR or the logs, and a re-import does not bring the person back',
    async () => {
      bot = spawnBot({
        databaseUrl: store.url,
        args: ['--json'],
        stdin: 'pipe',
        cwd,
        env: { LOG_LEVEL: 'debug', OUT_DIR: 'out', WORKERS: '1' },
        files: { 'customers.csv': CUSTOMERS, 'orders.csv': ORDERS, 'events.csv': EVENTS, 'same-email.csv': SAME_EMAIL },
      });

      // a session that spreads the person around: imports, a rejection file, a show, a segmentation and its exports
      expect((await send('/import customers customers.csv')).data).toMatchObject({ read: 5, inserted: 4, rejected: 1 });
      expect((await send('/import orders orders.csv')).data).toMatchObject({ read: 6, inserted: 6 });
      expect((await send('/import events events.csv')).data).toMatchObject({ read: 3, inserted: 3 });
      expect((await send(`/customer show ${PERSON.id}`)).data).toMatchObject({ email: PERSON.email, name: PERSON.name });
      const run = await send('/segment run method=rfm');
      expect(run.ok, run.text).toBe(true);
      const segmentIds = JSON.stringify(run.data)
        .match(/"id":\d+/g)!
        .map((m) => m.slice(5));
      for (const id of new Set(segmentIds)) await send(`/segment export ${id}`);
      const before = outFilesWithPerson();
      expect(
        Object.keys(before).some((name) => name.startsWith('import-customers-rejections-')),
        JSON.stringify(before),
      ).toBe(true);
      expect(
        Object.keys(before).some((name) => name.startsWith('segment-')),
        JSON.stringify(before),
      ).toBe(true);
      expect(Object.keys(await tablesWithPerson())).toEqual(expect.arrayContaining(['customers', 'orders', 'events', 'audit_log']));

      // the erasure
      const forget = await send(`/customer forget ${PERSON.id}`);
      expect(forget.ok, forget.text).toBe(true);
      const reference = forget.data.reference as string;
      expect(reference).toMatch(/^ER-[a-z0-9]{10}$/);
      expect(forget.text).toContain(`Erasure ${reference} is done: ${forget.data.records} records touched`);
      expect(forget.data.counts).toMatchObject({ customer: 1, orders: 2, events: 2, suppressions: 2 });
      expect(forget.data.counts.audit_entries).toBeGreaterThanOrEqual(1);
      // the reply never names the person (nor the anonymous id their orders moved to); `command` is the console's echo of the typed line
      const answer = JSON.stringify({ text: forget.text, data: forget.data });
      expect(found(answer)).toEqual([]);
      expect(answer).not.toContain('forgotten-');
      // the files that held the person are listed
      const listed = (forget.data.files as { name: string; action: string }[]).map((f) => f.name).sort();
      expect(listed).toEqual(Object.keys(before).sort());
      expect(forget.text).toContain(listed[0]);

      // nothing left: tables, the raw file (while the bot still runs), OUT_DIR
      expect(await tablesWithPerson()).toEqual({});
      if (store.dialect === 'sqlite') expect(rawDatabaseWithPerson()).toEqual([]);
      expect(outFilesWithPerson()).toEqual({});
      // the other customers' rows are still in the rewritten export
      const exports = filesUnder(path.join(cwd, 'out')).filter((f) => path.basename(f).startsWith('segment-'));
      expect(exports.map((f) => readFileSync(f, 'utf8')).join('\n')).toContain('ERZ-1001');

      // the original files again: the person is skipped and counted as suppressed, never stored
      const customers = await send('/import customers customers.csv');
      expect(customers.data).toMatchObject({ read: 5, suppressed: 2, rejected: 0, inserted: 0 });
      expect(customers.text).toContain('2 rows of erased customers were suppressed');
      expect((await send('/import orders orders.csv')).data).toMatchObject({ read: 6, suppressed: 2, inserted: 0 });
      expect((await send('/import events events.csv')).data).toMatchObject({ read: 3, suppressed: 2 });
      expect((await send('/import customers same-email.csv')).data).toMatchObject({ read: 2, suppressed: 1, inserted: 1 });
      expect(await tablesWithPerson()).toEqual({});
      expect(
        await store.db.selectFrom('customers').select('customer_id').where('customer_id', 'in', [PERSON.id, 'ERZ-9999']).execute(),
      ).toEqual([]);
      expect(outFilesWithPerson()).toEqual({});

      expect(await bot.stop()).toEqual({ code: 0, signal: null });
      if (store.dialect === 'sqlite') expect(rawDatabaseWithPerson()).toEqual([]);
      // the logs of the whole session (debug level) never carried the person
      expect(bot.logs().length).toBeGreaterThan(5);
      expect(found(bot.stderr)).toEqual([]);
      // totals kept: the person's orders are still counted, under the anonymous id
      const orders = await store.db.selectFrom('orders').select(['customer_id']).execute();
      expect(orders).toHaveLength(6);
    },
    SPAWN_TEST_TIMEOUT_MS * 3,
  );

  it(
    'refuses to start when ERASURE_SALT differs from the salt the stored suppression hashes were made with',
    async () => {
      const wrong = spawnBot({ databaseUrl: store.url, stdin: 'pipe', env: { ERASURE_SALT: 'not-the-one-used' } });
      const exit = await wrong.waitForExit(SPAWN_TEST_TIMEOUT_MS - 10_000);
      expect(exit.code, wrong.describe()).not.toBe(0);
      expect(`${wrong.stdout}\n${wrong.stderr}`).toContain(
        'ERASURE_SALT does not match the salt the 2 stored erasure suppression hashes were made with',
      );
    },
    SPAWN_TEST_TIMEOUT_MS,
  );
});
