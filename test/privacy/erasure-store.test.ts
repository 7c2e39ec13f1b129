/**
 * Erasure details on a real store: a SQLite file written before secure_delete was on is vacuumed
 * once, so its free pages keep nothing; an erasure is refused while an import holds its lock;
 * outbox rows get keys derived from their random recipient key; CSV files in OUT_DIR lose exactly
 * the person's records (quoted multi-line cells included).
 */
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bot } from '../../src/core/bot.ts';
import { csvWithout, cellMatcher, eraseFromFiles } from '../../src/privacy/erase-files.ts';
import { ensureErasureSalt, erasureSalt, suppressionHash } from '../../src/privacy/suppression.ts';
import { createTestBot, run } from '../helpers/bot.ts';
import { createTestStore, type TestStore } from '../helpers/store.ts';

let store: TestStore;
let bot: Bot;
const at = '2026-11-01T00:00:00.000Z';
const customer = (customer_id: string, email: string, name: string) => ({
  customer_id,
  email,
  name,
  signup_date: '2026-01-05',
  country: 'DE',
  acquisition_channel: 'organic',
  consent: 1,
  created_at: at,
  updated_at: at,
});

beforeAll(async () => {
  store = await createTestStore();
  bot = await createTestBot(store.db, store.dir);
});
afterAll(async () => store.close());

describe('a SQLite file written before secure_delete', () => {
  it.skipIf(!!process.env.TEST_DATABASE_URL?.startsWith('postgres'))(
    'is vacuumed by the first erasure: neither its live nor its free pages hold the person',
    async () => {
      const file = store.url.replace(/^sqlite:/, '');
      // an older version of the bot: no secure_delete, so a deleted staging row stays in a free page
      const old = new SQLite(file);
      old.pragma('secure_delete = OFF');
      const insert = old.prepare(
        `INSERT INTO customers (customer_id, email, name, signup_date, country, acquisition_channel, consent, created_at, updated_at)
         VALUES (?, ?, ?, '2026-01-05', 'DE', 'organic', 1, ?, ?)`,
      );
      insert.run('OLD-42', 'hildegard.vortex@example.net', 'Hildegard Vortex', at, at);
      const staged = old.prepare(
        'INSERT INTO import_staging_customers (import_id, customer_id, email, name, consent) VALUES (?, ?, ?, ?, 1)',
      );
      for (let i = 0; i < 200; i++) staged.run(`imp-${i}`, 'OLD-42', 'hildegard.vortex@example.net', `Hildegard Vortex ${'x'.repeat(200)}`);
      old.prepare('DELETE FROM import_staging_customers').run();
      old.pragma('wal_checkpoint(TRUNCATE)');
      old.close();
      expect(readFileSync(file).toString('latin1')).toContain('hildegard.vortex@example.net');

      const answer = await run(bot, '/customer forget OLD-42');
      expect(answer.ok, answer.view.text).toBe(true);
      expect(answer.data.storage).toContain('VACUUM (once)');
      for (const f of [file, `${file}-wal`].filter(existsSync)) {
        const bytes = readFileSync(f).toString('latin1').toLowerCase();
        expect(bytes).not.toContain('hildegard');
        expect(bytes).not.toContain('old-42');
      }
      // once is enough: the next erasure does not vacuum again
      await store.db
        .insertInto('customers')
        .values(customer('OLD-43', 'b@example.com', 'B B'))
        .execute();
      expect((await run(bot, '/customer forget OLD-43')).data.storage).not.toContain('VACUUM');
    },
  );
});

describe('an erasure and a running import', () => {
  it('is refused while an import or a segmentation run holds its lock, with nothing changed, and runs once it is gone', async () => {
    await store.db
      .insertInto('customers')
      .values(customer('LOCK-1', 'lock@example.com', 'Lock Smith'))
      .execute();
    await store.db
      .insertInto('leases')
      .values({ key: 'import:orders', owner: 'slack:U9|job:1:abc', expires_at: Date.now() + 60_000, acquired_at: at })
      .execute();
    const refused = await run(bot, '/customer forget LOCK-1');
    expect(refused.data.error).toMatchObject({ code: 'import_running' });
    expect(refused.data.error.message).toContain('try again when it finishes');
    expect(await store.db.selectFrom('customers').select('email').where('customer_id', '=', 'LOCK-1').executeTakeFirst()).toEqual({
      email: 'lock@example.com',
    });
    await store.db.deleteFrom('leases').where('key', '=', 'import:orders').execute();
    await store.db
      .insertInto('leases')
      .values({ key: 'segment-run', owner: 'slack:U9|job:1:abc', expires_at: Date.now() + 60_000, acquired_at: at })
      .execute();
    expect((await run(bot, '/customer forget LOCK-1')).data.error).toMatchObject({ code: 'segment_run_running' });
    await store.db.deleteFrom('leases').where('key', '=', 'segment-run').execute();
    expect((await run(bot, '/customer forget LOCK-1')).ok).toBe(true);
    // the erasure gave its locks back
    expect(await store.db.selectFrom('leases').selectAll().execute()).toEqual([]);
  });
});

describe('outbox rows of an erased customer', () => {
  it('get idempotency keys derived from their random recipient key, not from the customer id', async () => {
    await store.db
      .insertInto('customers')
      .values(customer('OUT-1', 'out@example.com', 'Out Box'))
      .execute();
    const campaign = await store.db
      .insertInto('campaigns')
      .values({
        name: 'C',
        segment: 'All',
        channel: 'log',
        message: 'hi',
        subject: null,
        budget_cents: null,
        cost_per_send_cents: 1,
        currency: 'USD',
        holdout_pct: 0,
        window_days: 14,
        start_at: null,
        seed: 1,
        state: 'live',
        created_by: 'U',
        created_platform: 'slack',
        created_channel: null,
        created_at: at,
        updated_at: at,
        submitted_by: null,
        submitted_at: null,
        approval_expires_at: null,
        request_platform: null,
        request_channel: null,
        decided_by: null,
        decided_at: null,
        decision_reason: null,
        launched_by: 'U',
        launched_at: at,
        audience_size: 1,
        holdout_size: 0,
        live_at: at,
        completed_at: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    // a row written before recipient keys: its key was a hash of campaign and customer
    await store.db
      .insertInto('campaign_outbox')
      .values({
        campaign_id: campaign.id,
        customer_id: 'OUT-1',
        idempotency_key: 'gb-1-oldhashofthecustomer',
        recipient_key: null,
        status: 'sent',
        attempts: 1,
        last_error: null,
        updated_at: at,
        sent_at: at,
      })
      .execute();
    const answer = await run(bot, '/customer forget OUT-1');
    expect(answer.data.counts).toMatchObject({ outbox_rows: 1, deliveries_cancelled: 0 });
    const row = await store.db.selectFrom('campaign_outbox').selectAll().where('campaign_id', '=', campaign.id).executeTakeFirstOrThrow();
    expect(row.customer_id).toMatch(/^forgotten-/);
    expect(row.status).toBe('sent');
    expect(row.recipient_key).toMatch(/^[0-9a-f]{32}$/);
    expect(row.idempotency_key).toBe(`gb-${campaign.id}-${row.recipient_key!.slice(0, 24)}`);
  });
});

describe('files in OUT_DIR', () => {
  const person = { id: 'P-7', email: 'p7@example.com', name: 'Petra Seven' };

  it('a CSV loses exactly the records that hold the person, quoted multi-line cells included', () => {
    const text = [
      'customer_id,note',
      'P-70,"keep, me"',
      "'P-7,formula-guarded id",
      'X-1,"two',
      'lines with P7@EXAMPLE.COM"',
      'X-2,plain',
      'P-7-B,not the id',
      '',
    ].join('\n');
    const out = csvWithout(text, cellMatcher(person));
    expect(out).toEqual({
      text: ['customer_id,note', 'P-70,"keep, me"', 'X-2,plain', 'P-7-B,not the id', ''].join('\n'),
      removed: 2,
      left: 3,
    });
  });

  it('rewrites CSVs, deletes one left without data rows and other files that name the person, and keeps the rest', () => {
    const dir = path.join(store.dir, 'files-out');
    mkdirSync(path.join(dir, 'sub'), { recursive: true });
    writeFileSync(path.join(dir, 'export.csv'), 'customer_id,x\nP-7,1\nQ-1,2\n');
    writeFileSync(path.join(dir, 'sub', 'rejections.csv'), 'line,column,reason,value\n3,email,not an email address,p7@example.com x\n');
    writeFileSync(path.join(dir, 'notes.json'), '{"who":"Petra Seven"}');
    writeFileSync(path.join(dir, 'other.csv'), 'customer_id\nQ-2\n');
    writeFileSync(path.join(dir, 'numbers.json'), '{"v":"P-7.5x"}');
    const result = eraseFromFiles(dir, person);
    expect(result.files).toEqual([
      { name: 'export.csv', action: 'rewritten', rows_removed: 1 },
      { name: 'notes.json', action: 'deleted' },
      { name: path.join('sub', 'rejections.csv'), action: 'deleted' },
    ]);
    expect(readFileSync(path.join(dir, 'export.csv'), 'utf8')).toBe('customer_id,x\nQ-1,2\n');
    expect(existsSync(path.join(dir, 'other.csv'))).toBe(true);
    expect(existsSync(path.join(dir, 'numbers.json'))).toBe(true);
  });
});

describe('the erasure salt', () => {
  it('is generated once; a configured one is checked against the salt the stored hashes were made with', async () => {
    const own = await createTestStore();
    try {
      const now = new Date(at);
      await Promise.all([ensureErasureSalt(own.db, undefined, now), ensureErasureSalt(own.db, undefined, now)]);
      const generated = await erasureSalt(own.db, undefined);
      expect(generated).toMatch(/^[0-9a-f]{64}$/);
      await ensureErasureSalt(own.db, undefined, now);
      expect(await erasureSalt(own.db, undefined)).toBe(generated);
      // no hashes yet: a configured salt is simply taken
      await ensureErasureSalt(own.db, 'configured-salt', now);
      await own.db
        .insertInto('erasure_suppressions')
        .values({ hash: suppressionHash('configured-salt', 'customer_id', 'Z1'), kind: 'customer_id', reference: 'ER-x', created_at: at })
        .execute();
      await ensureErasureSalt(own.db, 'configured-salt', now);
      await expect(ensureErasureSalt(own.db, 'another-salt', now)).rejects.toThrow(
        'ERASURE_SALT does not match the salt the 1 stored erasure suppression hash was made with',
      );
      await expect(ensureErasureSalt(own.db, undefined, now)).rejects.toThrow(/^ERASURE_SALT is not set, but the 1 stored/);
    } finally {
      await own.close();
    }
  });
});

describe('audit entries of a customer with a short numeric id', () => {
  it('are rewritten where they name the customer, and numbers that merely look like the id stay', async () => {
    await store.db
      .insertInto('customers')
      .values(customer('12', 'twelve@example.com', 'Twelve Dozen'))
      .execute();
    expect((await run(bot, '/customer show 12')).ok).toBe(true);
    expect((await run(bot, '/segment list limit=12')).ok).toBe(true);
    const forget = await run(bot, '/customer forget 12');
    expect(forget.data.counts.audit_entries).toBe(1);
    const entries = await store.db.selectFrom('audit_log').select(['command', 'options']).orderBy('id').execute();
    expect(entries.find((e) => e.command === 'customer show')!.options).toMatch(/^\{"id":"forgotten-[0-9a-f]{16}"\}$/);
    expect(entries.find((e) => e.command === 'segment list')!.options).toBe('{"limit":12}');
  });
});

describe('audit entries still queued when the erasure starts', () => {
  it('are written first, so the rewrite reaches them', async () => {
    await store.db
      .insertInto('customers')
      .values(customer('Q-77', 'queued@example.com', 'Queue Dee'))
      .execute();
    const caller = { platform: 'slack' as const, userId: 'U_Q', channelId: 'D1' };
    await store.db
      .insertInto('role_grants')
      .values({ platform: 'slack', user_id: 'U_Q', role: 'admin', granted_by: 'test', granted_at: at })
      .execute();
    // as the Slack and Discord adapters do: prepare and run, the audit entry queued behind the answer
    const show = { caller, text: '/customer show Q-77' };
    expect((await bot.run(await bot.prepare(show), show)).ok).toBe(true);
    const forget = { caller, text: '/customer forget Q-77' };
    const answer = await bot.run(await bot.prepare(forget), forget);
    expect(answer.ok).toBe(true);
    await bot.settled();
    expect((answer.data as { counts: { audit_entries: number } }).counts.audit_entries).toBe(1);
    const entries = await store.db.selectFrom('audit_log').select('options').where('user_id', '=', 'U_Q').execute();
    expect(entries).toHaveLength(2);
    expect(JSON.stringify(entries)).not.toContain('Q-77');
  });
});
