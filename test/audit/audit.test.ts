import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderText } from '../../adapters/console/render.ts';
import { loadRegistry } from '../../commands/index.ts';
import { exportAudit } from '../../src/audit/export.ts';
import { recordAudits, type AuditEntry } from '../../src/core/audit.ts';
import type { Bot } from '../../src/core/bot.ts';
import type { Caller } from '../../src/core/context.ts';
import { mentionsAsText } from '../../src/core/mention.ts';
import { createTestBot, run } from '../helpers/bot.ts';
import { createTestStore, type TestStore } from '../helpers/store.ts';

/*
 * /audit in words, a page at a time, and its CSV export, on the real bot core over the test store
 * (SQLite, or PostgreSQL with TEST_DATABASE_URL). The clock is fixed, and moved on explicitly.
 */

let store: TestStore;
let bot: Bot;
let now = new Date('2026-11-30T14:02:00.000Z');
const granted = '2026-11-01T00:00:00.000Z';

const slack = (userId: string, userName?: string): Caller => ({
  platform: 'slack',
  userId,
  ...(userName ? { userName } : {}),
  channelId: 'C_GROWTH',
});
const admin = slack('U_ADMIN', 'ada');
const jane = slack('U_JANE', 'jane');

const EMAIL = 'jane.roe@example.com';

/** Entries written straight to the store, as the bot's write queue would, at the given times. */
async function record(entries: Partial<AuditEntry>[]): Promise<void> {
  const full = entries.map((e) => ({
    caller: admin,
    command: 'segment list',
    options: {},
    outcome: 'ok' as const,
    durationMs: 5,
    at: now,
    ...e,
  }));
  for (let i = 0; i < full.length; i += 1_000) await recordAudits(store.db, full.slice(i, i + 1_000));
}

async function audit(line: string, caller: Caller = admin) {
  const reply = await run(bot, line, caller);
  return { reply, text: renderText(reply), raw: mentionsAsText(reply.view.text ?? '') };
}

beforeAll(async () => {
  store = await createTestStore();
  bot = await createTestBot(store.db, store.dir, { now: () => now });
  await store.db
    .insertInto('role_grants')
    .values([
      { platform: 'slack', user_id: 'U_ADMIN', role: 'admin', granted_by: 'setup', granted_at: granted },
      { platform: 'slack', user_id: 'U_JANE', role: 'analyst', granted_by: 'setup', granted_at: granted },
    ])
    .execute();
  await store.db
    .insertInto('customers')
    .values({
      customer_id: 'CX-17',
      email: EMAIL,
      name: 'Jane Roe',
      signup_date: '2026-01-05',
      country: 'DE',
      acquisition_channel: 'google_ads',
      consent: 1,
      created_at: granted,
      updated_at: granted,
    })
    .execute();
});
afterAll(async () => store.close());

describe('entries in words', () => {
  it('says who, where, what with which options, and how it ended: ok, refused, error, error on our side', async () => {
    now = new Date('2026-11-30T14:00:00.000Z');
    expect((await run(bot, '/admin grant @viv viewer', admin)).ok).toBe(true);
    now = new Date('2026-11-30T14:01:00.000Z');
    expect((await run(bot, '/campaign approve 3', jane)).data.error.code).toBe('forbidden');
    expect((await run(bot, '/segment show champs', jane)).ok).toBe(false);
    await record([
      {
        caller: jane,
        command: 'segment run',
        options: { method: 'rfm', k: 4, as_of: '2026-10-31', private: true },
        outcome: 'error',
        detail:
          'Sorry, something went wrong on our side (error id 1a2b3c4d). It has been logged; please try again or tell your admin the id.',
      },
      { caller: jane, command: 'source sync', options: { name: 'shop', api_key: 'sk_live_123' }, outcome: 'ok' },
    ]);
    now = new Date('2026-11-30T14:02:00.000Z');
    const { reply, text, raw } = await audit('/audit command=campaign');
    expect(reply.ok).toBe(true);
    expect(text).toContain('Entries 1–1 of 1, newest first (times UTC); command /campaign.');
    // a mention: Slack and Discord show the person's name
    expect(raw).toContain(
      '2026-11-30 14:01 · jane (<@U_JANE>), Slack <#C_GROWTH> · /campaign approve campaign 3 · refused: needs approver (has analyst)',
    );

    const all = await audit('/audit user=U_JANE');
    expect(all.text).toContain('Entries 1–4 of 4');
    const lines = all.text.split('\n');
    expect(all.text).toContain('2026-11-30 14:01 · jane (U_JANE), Slack #C_GROWTH · /source sync name shop, api key (redacted) · ok');
    expect(all.text).toContain(
      '2026-11-30 14:01 · jane (U_JANE), Slack #C_GROWTH · /segment run method rfm, k 4, as of 2026-10-31, private yes · error on our side (error id 1a2b3c4d)',
    );
    expect(all.text).toContain(
      '2026-11-30 14:01 · jane (U_JANE), Slack #C_GROWTH · /segment show segment champs · error: No segment `champs`',
    );
    expect(all.text).not.toContain('sk_live_123');
    // by name too
    expect((await audit('/audit user=jane')).text).toContain('Entries 1–4 of 4');

    const granted = await audit('/audit command="admin grant"');
    expect(granted.text).toContain('/admin grant user viv, role viewer · ok');
    expect(granted.reply.data.entries[0]).toMatchObject({ command: 'admin grant', result: 'ok', user_name: 'ada' });

    const refused = await audit('/audit outcome=refused');
    expect(refused.reply.data.entries.map((e: { command: string }) => e.command)).toEqual(['campaign approve']);
    const errors = await audit('/audit outcome=error user=@jane');
    expect(errors.reply.data.entries.map((e: { result: string; outcome: string }) => [e.result, e.outcome])).toEqual([
      ['error', 'error'],
      ['error', 'user_error'],
    ]);
  });

  it('a line that never parsed reads as typed', async () => {
    expect((await run(bot, '/segmnt run k=3', jane)).ok).toBe(false);
    const { text } = await audit('/audit user=U_JANE limit=1');
    expect(text).toContain('· `/segmnt run k=3` (as typed) · error: There is no command `/segmnt`');
  });
});

describe('/customer forget in the audit trail', () => {
  it('shows the anonymous id and the reference, never the id, email or name, also when refused', async () => {
    now = new Date('2026-11-30T15:00:00.000Z');
    expect((await run(bot, '/customer show CX-17', admin)).ok).toBe(true);
    expect((await run(bot, `/clv customer=CX-17 email=${EMAIL}`, jane)).ok).toBe(false);
    expect((await run(bot, '/customer forget CX-17', jane)).data.error.code).toBe('forbidden');
    // refused before anything is looked up: from a workspace the bot does not answer
    bot.tenancy.set('slack', { allowed: ['T0HOME'], setting: 'SLACK_TEAM_ID', restrictDirectMessages: false });
    try {
      const foreign = await run(bot, '/customer forget CX-17', { ...admin, workspaceId: 'T0OTHER' });
      expect(foreign.data.error.code).toBe('forbidden');
    } finally {
      bot.tenancy.set('slack', { allowed: [], setting: 'SLACK_TEAM_ID', restrictDirectMessages: false });
    }
    // an export made before the erasure names the customer; the erasure takes those rows out of it
    const before = await run(bot, '/audit export', admin);
    const earlier = before.data.file as string;
    expect(readFileSync(earlier, 'utf8')).toMatch(/\/customer show,id CX-17,ok/);
    const forget = await run(bot, '/customer forget CX-17', admin);
    expect(forget.ok).toBe(true);
    const reference = forget.data.reference as string;
    expect(JSON.stringify(forget)).not.toContain('forgotten-');
    expect(forget.data.files).toEqual([{ name: path.basename(earlier), action: 'rewritten', rows_removed: 2 }]);
    const kept = readFileSync(earlier, 'utf8');
    expect(kept).not.toContain('CX-17');
    expect(kept).toContain('/customer forget,id (erased),refused');
    const anon = (
      await store.db.selectFrom('customers').select('customer_id').where('customer_id', 'like', 'forgotten-%').executeTakeFirstOrThrow()
    ).customer_id;

    const stored = await store.db
      .selectFrom('audit_log')
      .select(['outcome', 'options'])
      .where('command', '=', 'customer forget')
      .orderBy('id')
      .execute();
    expect(stored).toEqual([
      { outcome: 'denied', options: '{"id":"[erased]"}' },
      { outcome: 'denied', options: '{"id":"[erased]"}' },
      { outcome: 'ok', options: `{"anonymous_id":"${anon}","reference":"${reference}"}` },
    ]);

    now = new Date('2026-11-30T15:01:00.000Z');
    const { text } = await audit('/audit command=customer');
    expect(text).toContain(
      `2026-11-30 15:00 · ada (U_ADMIN), Slack #C_GROWTH · /customer forget anonymous id ${anon}, reference ${reference} · ok`,
    );
    expect(text).toContain('/customer forget id (erased) · refused: needs admin (has analyst)');
    expect(text).toContain(`/customer show id ${anon} · ok`);

    // nothing in the trail, its view or its export names the person
    const rows = JSON.stringify(await store.db.selectFrom('audit_log').selectAll().execute());
    for (const needle of [/CX-17/, /jane\.roe/i, /Jane Roe/]) expect(rows).not.toMatch(needle);
    const all = await audit('/audit limit=200');
    const exported = await run(bot, '/audit export', admin);
    const csv = readFileSync(exported.data.file as string, 'utf8');
    for (const text of [all.text, csv]) {
      expect(text).not.toContain('CX-17');
      expect(text).not.toMatch(/jane\.roe|Jane Roe/i);
    }
    expect(csv).toContain(`/customer forget,"anonymous id ${anon}, reference ${reference}",ok,,`);
  });
});

describe('pages', () => {
  const base = Date.parse('2026-10-01T00:00:00.000Z');
  const minute = (i: number) => new Date(base + i * 60_000);

  beforeAll(async () => {
    // 45 entries of /digest list, a minute apart: #1 the oldest; every fifth refused, every seventh by jane
    await record(
      Array.from({ length: 45 }, (_, i) => ({
        caller: (i + 1) % 7 === 0 ? jane : admin,
        command: 'digest list',
        options: { n: i + 1 },
        outcome: (i + 1) % 5 === 0 ? ('denied' as const) : ('ok' as const),
        detail: (i + 1) % 5 === 0 ? '/digest list needs the *viewer* role; you have *nobody*.' : undefined,
        at: minute(i),
      })),
    );
    now = new Date('2026-12-01T09:00:00.000Z');
  });

  const numbers = (reply: { data: { entries: { options: { n: number } }[] } }) => reply.data.entries.map((e) => e.options.n);

  it('are newest first, say which entries they show, and end where the entries end', async () => {
    const first = await audit('/audit command=digest');
    expect(first.text).toContain('Entries 1–20 of 45, newest first');
    expect(numbers(first.reply)).toEqual(Array.from({ length: 20 }, (_, i) => 45 - i));
    expect(first.reply.data).toMatchObject({ total: 45, page: 1, pages: 3, first: 1, last: 20 });
    const buttons = first.reply.view.buttons as { label: string; command: string }[];
    expect(buttons.map((b) => b.label)).toEqual(['More', 'Export CSV']);
    expect(buttons[0]!.command).toBe('/audit command=digest until=2026-10-01T00:44:00.000Z page=2');
    expect(buttons[1]!.command).toBe('/audit export command=digest');
    expect(first.text).toContain('The next page, typed: /audit command=digest until=2026-10-01T00:44:00.000Z page=2');

    // entries added meanwhile do not shift the pages the buttons lead to
    await record([{ command: 'digest list', options: { n: 46 }, at: now }]);
    const second = await audit(buttons[0]!.command);
    expect(second.text).toContain('Entries 21–40 of 45');
    expect(numbers(second.reply)).toEqual(Array.from({ length: 20 }, (_, i) => 25 - i));
    expect((second.reply.view.buttons as { label: string }[]).map((b) => b.label)).toEqual(['Newer', 'More', 'Export CSV']);

    const last = await audit('/audit command=digest until=2026-10-01T00:44:00.000Z page=3');
    expect(last.text).toContain('Entries 41–45 of 45');
    expect(numbers(last.reply)).toEqual([5, 4, 3, 2, 1]);
    expect((last.reply.view.buttons as { label: string; command: string }[]).map((b) => b.label)).toEqual(['Newer', 'Export CSV']);
    expect(last.text).toContain('The previous page, typed: /audit command=digest until=2026-10-01T00:44:00.000Z page=2');

    const past = await audit('/audit command=digest until=2026-10-01T00:44:00.000Z page=4');
    expect(past.reply.ok).toBe(false);
    expect(past.reply.data.error.code).toBe('page_out_of_range');
    expect(past.text).toContain('There is no page 4: 45 entries match (command /digest, until 2026-10-01T00:44:00.000Z), 3 pages of 20.');
    expect(past.text).toContain('The last page is /audit command=digest until=2026-10-01T00:44:00.000Z page=3');

    // a page that is exactly full, and one entry alone
    const exact = await audit('/audit command=digest until=2026-10-01T00:39:00.000Z limit=20 page=2');
    expect(exact.text).toContain('Entries 21–40 of 40');
    expect(exact.reply.view.buttons!.map((b: { label: string }) => b.label)).toEqual(['Newer', 'Export CSV']);
    const one = await audit('/audit command=digest until=2026-10-01T00:00:00.000Z');
    expect(one.text).toContain('Entries 1–1 of 1');
    expect(one.reply.view.buttons!.map((b: { label: string }) => b.label)).toEqual(['Export CSV']);
    expect(one.reply.view.notes).toBeUndefined();
  });

  it('keep the filters across pages: user, command, outcome, since and until', async () => {
    const refused = await audit('/audit command=digest outcome=refused limit=4');
    expect(refused.text).toContain('Entries 1–4 of 9');
    expect(numbers(refused.reply)).toEqual([45, 40, 35, 30]);
    const more = (refused.reply.view.buttons as { label: string; command: string }[]).find((b) => b.label === 'More')!;
    expect(more.command).toBe('/audit command=digest outcome=refused until=2026-10-01T00:44:00.000Z page=2 limit=4');
    const next = await audit(more.command);
    expect(numbers(next.reply)).toEqual([25, 20, 15, 10]);
    expect(next.text).toContain('refused: needs viewer (has nobody)');

    const janes = await audit('/audit user=<@U_JANE|jane> command=digest limit=2 page=3');
    expect(janes.text).toContain('Entries 5–6 of 6');
    expect(numbers(janes.reply)).toEqual([14, 7]);
    expect((janes.reply.view.buttons as { command: string }[])[0]!.command).toBe(
      '/audit user=U_JANE command=digest until=2026-10-01T00:41:00.000Z page=2 limit=2',
    );

    // dates: since from the start of its day, until to the end of its day
    await record([
      { command: 'digest list', options: { n: 100 }, at: new Date('2026-09-29T23:59:59.999Z') },
      { command: 'digest list', options: { n: 101 }, at: new Date('2026-09-30T00:00:00.000Z') },
      { command: 'digest list', options: { n: 102 }, at: new Date('2026-09-30T23:59:59.999Z') },
    ]);
    const day = await audit('/audit command=digest since=2026-09-30 until=2026-09-30');
    expect(numbers(day.reply)).toEqual([102, 101]);
    const bad = await audit('/audit until=yesterday');
    expect(bad.reply.data.error.message).toContain('must be a date written YYYY-MM-DD');
  });
});

describe('CSV export', () => {
  it('has the columns, options and outcome in words, and neutralizes formulas', async () => {
    now = new Date('2026-12-02T10:00:00.000Z');
    await record([
      {
        caller: { platform: 'discord', userId: '4242', userName: '=cmd|calc', channelId: '-2+3' },
        command: 'campaign create',
        // channel log is the default, so it goes unsaid
        options: { name: '=1+2', channel: 'log', cost_per_send: 0.02, message: 'Hello,\n"friends"' },
        outcome: 'user_error',
        detail: '@SUM(1) is not a segment. Try `/segment list`.',
        durationMs: 12.4,
        at: new Date('2026-12-02T09:00:00.000Z'),
      },
    ]);
    const answer = await run(bot, '/audit export command=campaign since=2026-12-02', admin);
    expect(answer.ok).toBe(true);
    expect(answer.view.ephemeral).toBe(true);
    expect(answer.data).toMatchObject({ rows: 1, total: 1, cap: 10_000 });
    expect(answer.view.files).toEqual([{ path: answer.data.file, name: 'audit-20261202T100000Z.csv', title: 'Audit trail export' }]);
    expect(renderText(answer)).toContain('1 entry (command /campaign, since 2026-12-02), newest first. An export holds 10,000 at most.');
    expect(readFileSync(answer.data.file as string, 'utf8')).toBe(
      [
        'at,user,platform,channel,command,options,outcome,detail,duration_ms',
        `2026-12-02T09:00:00.000Z,'=cmd|calc (4242),discord,'-2+3,/campaign create,"name =1+2, message “Hello,\n""friends""”, cost per send 0.02",error,'@SUM(1) is not a segment. Try \`/segment list\`.,12`,
        '',
      ].join('\n'),
    );
  });

  it('holds the newest 10,000 entries at most and says so', async () => {
    const at = Date.parse('2026-08-01T00:00:00.000Z');
    await record(Array.from({ length: 10_003 }, (_, i) => ({ command: 'cac', options: { n: i + 1 }, at: new Date(at + i * 1000) })));
    const answer = await run(bot, '/audit export command=cac', admin);
    expect(answer.data).toMatchObject({ rows: 10_000, total: 10_003 });
    expect(renderText(answer)).toContain(
      'The newest 10,000 entries of 10,003 (command /cac): an export holds 10,000 at most. Narrow it with since= and until= for the rest.',
    );
    const lines = readFileSync(answer.data.file as string, 'utf8')
      .trimEnd()
      .split('\n');
    expect(lines).toHaveLength(10_001);
    expect(lines[1]).toContain(',/cac,n 10003,ok,,5');
    expect(lines.at(-1)).toContain(',/cac,n 4,ok,,5');
    // the export's own bound, smaller
    const small = await exportAudit(store.db, await loadRegistry(), { command: 'cac' }, store.dir, now, 2);
    expect(small.rows).toBe(2);
  }, 60_000);

  it('is for admins only', async () => {
    const refused = await run(bot, '/audit export', jane);
    expect(refused.data.error.code).toBe('forbidden');
    expect(refused.data.error.message).toContain('/audit export needs the *admin* role; you have *analyst*');
  });
});
