import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config/config.ts';
import type { Bot } from '../../src/core/bot.ts';
import { currentLease } from '../../src/store/locks.ts';
import { createTestBot, run } from '../helpers/bot.ts';
import { createTestStore, type TestStore } from '../helpers/store.ts';

// Staging rows hold customer PII: an import that dies must not leave them for long.
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
let store: TestStore;
let bot: Bot;
let files: string;

const stagedCustomers = async () =>
  Number(
    (
      await store.db
        .selectFrom('import_staging_customers')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

/** What a crashed customers import leaves: staging rows, and its lease until `expiresAt`. */
async function deadImport(expiresAt: number, importId = '2026-11-25T09:00:00.000Z#dead') {
  await store.db
    .insertInto('import_staging_customers')
    .values(
      ['d1', 'd2', 'd3'].map((customer_id) => ({
        import_id: importId,
        customer_id,
        email: `${customer_id}@example.com`,
        name: 'Dead Import',
        signup_date: null,
        country: null,
        acquisition_channel: null,
        consent: 1,
        consent_updated_at: null,
      })),
    )
    .execute();
  await store.db
    .insertInto('import_staging_attributes')
    .values({ import_id: importId, customer_id: 'd1', name: 'age', value: 40 })
    .execute();
  await store.db
    .insertInto('leases')
    .values({
      key: 'import:customers',
      owner: 'slack:UGONE|job:4242:abc:def',
      expires_at: expiresAt,
      acquired_at: '2026-11-25T09:00:00.000Z',
    })
    .onConflict((oc) => oc.column('key').doUpdateSet({ owner: 'slack:UGONE|job:4242:abc:def', expires_at: expiresAt }))
    .execute();
}

async function until(condition: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

beforeAll(async () => {
  store = await createTestStore();
  files = path.join(store.dir, 'files');
  mkdirSync(files, { recursive: true });
  bot = await createTestBot(store.db, store.dir);
});
afterAll(async () => store.close());
beforeEach(async () => {
  for (const table of ['import_staging_customers', 'import_staging_attributes', 'leases', 'customer_attributes', 'customers'] as const)
    await store.db.deleteFrom(table).execute();
});

const smallFile = () => {
  const file = path.join(files, 'small.csv');
  const out = createWriteStream(file);
  out.end('customer_id,email,consent\nok1,ok1@example.com,yes\n');
  return new Promise<string>((resolve) => out.on('close', () => resolve(file)));
};

describe('leftovers of a dead import', () => {
  it('the next import finds the lease expired, takes it over and removes the dead import’s staging rows', async () => {
    await deadImport(Date.now() - 1);
    expect(await stagedCustomers()).toBe(3);
    const reply = await run(bot, `/import customers ${await smallFile()}`);
    expect(reply.ok, JSON.stringify(reply.data)).toBe(true);
    expect(reply.data).toMatchObject({ inserted: 1 });
    expect(reply.data).not.toHaveProperty('leftovers_removed');
    expect(reply.view.notes).toContainEqual('Removed 4 rows left in staging by an earlier customers import that stopped midway.');
    expect(await stagedCustomers()).toBe(0);
    expect(await store.db.selectFrom('import_staging_attributes').selectAll().execute()).toEqual([]);
    expect(await store.db.selectFrom('customers').select('customer_id').execute()).toEqual([{ customer_id: 'ok1' }]);
  });

  it('while the lease is live the import is refused with when it lapses; right after, the import runs and cleans up', async () => {
    const expiresAt = Date.now() + 1_500;
    await deadImport(expiresAt);
    const refused = await run(bot, `/import customers ${await smallFile()}`);
    expect(refused.data.error.code).toBe('import_running');
    const lapse = `${new Date(expiresAt).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
    expect(refused.data.error.message).toBe(
      `A customers import is already running (started by <@UGONE> at 2026-11-25 09:00 UTC); try again when it finishes. If it was interrupted (its bot stopped or crashed), its lock lapses at ${lapse} and the next import then removes what it left behind.`,
    );
    expect(await stagedCustomers()).toBe(3);
    await until(async () => (await currentLease(store.db, 'import:customers')) === undefined);
    const reply = await run(bot, `/import customers ${await smallFile()}`);
    expect(reply.ok, JSON.stringify(reply.data)).toBe(true);
    expect(await stagedCustomers()).toBe(0);
  });

  it('a start removes them at once when the lease has expired; when it is live, as soon as it lapses', async () => {
    const config = loadConfig({ DATABASE_URL: 'sqlite::memory:', OUT_DIR: path.join(store.dir, 'out'), LOG_LEVEL: 'silent' });
    await deadImport(Date.now() - 1);
    // other kinds' staging, with no lease: also a dead import's
    await store.db
      .insertInto('import_staging_events')
      .values({ import_id: 'x', customer_id: 'e1', campaign_id: '', type: 'opened', occurred_at: '2026-01-01' })
      .execute();
    const app = await createApp({ config, logger: pino({ level: 'silent' }), db: store.db });
    expect(await stagedCustomers()).toBe(0);
    expect(await store.db.selectFrom('import_staging_events').selectAll().execute()).toEqual([]);
    expect(await store.db.selectFrom('leases').selectAll().execute()).toEqual([]);
    await app.bot.settled();

    await deadImport(Date.now() + 1_500);
    const again = await createApp({ config, logger: pino({ level: 'silent' }), db: store.db });
    expect(await stagedCustomers()).toBe(3);
    await until(async () => (await stagedCustomers()) === 0);
    // close without destroying the shared test store
    await again.bot.settled();
  });
});

/** Enough that SQLite's staging (committed every 50,000 rows) shows some while more are read. */
const ROWS = 150_000;

describe('a bot killed mid-import', () => {
  it('leaves staging rows and a lease; once the lease lapses, the next start removes them', async () => {
    const file = path.join(files, 'big.csv');
    const out = createWriteStream(file);
    out.write('customer_id,email,name,consent\n');
    for (let i = 0; i < ROWS; i++) out.write(`k${i},k${i}@example.com,Person ${i},yes\n`);
    await new Promise<void>((resolve) => out.end(resolve));

    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/main.ts')], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: store.url, LOG_LEVEL: 'silent', OUT_DIR: path.join(store.dir, 'out'), JOB_NICENESS: '0' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    // standard input stays open: the console waits for more commands
    child.stdin.write(`/import customers ${file}\n`);
    await until(async () => (await stagedCustomers()) > 0, 150_000).catch((error: unknown) => {
      child.kill('SIGKILL');
      throw new Error(`${String(error)}; the child said: ${output}`);
    });
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    const staged = await stagedCustomers();
    expect(staged).toBeGreaterThan(0);
    expect(staged).toBeLessThan(ROWS);
    expect(await store.db.selectFrom('customers').selectAll().execute()).toEqual([]);
    const lease = await currentLease(store.db, 'import:customers');
    expect(lease).toBeDefined();

    // the lease lapses (its 60 s pass: moved here rather than waited for), then a bot starts
    await store.db
      .updateTable('leases')
      .set({ expires_at: Date.now() - 1 })
      .where('key', '=', 'import:customers')
      .execute();
    const config = loadConfig({ DATABASE_URL: store.url, OUT_DIR: path.join(store.dir, 'out'), LOG_LEVEL: 'silent' });
    const app = await createApp({ config, logger: pino({ level: 'silent' }), db: store.db });
    expect(await stagedCustomers()).toBe(0);
    await app.bot.settled();
  }, 200_000);
});
