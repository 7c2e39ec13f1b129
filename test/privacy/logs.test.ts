import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../../src/store/database.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dir = mkdtempSync(path.join(os.tmpdir(), 'growthbot-logs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Fake secrets: well-formed enough that a leak would be recognisable, harmless because no adapter starts (--console). */
const SECRETS = {
  SLACK_BOT_TOKEN: 'xoxb-0000000000-1111111111-fakeBotTokenForLogTest',
  SLACK_SIGNING_SECRET: 'fake-signing-secret-5f3c9a1e7b',
  DISCORD_TOKEN: 'MTIzNDU2Nzg5MDEyMzQ1Njc4.FakeTk.fakeDiscordTokenForTheLogTest00',
  DISCORD_APP_ID: '123456789012345678',
  WEBHOOK_SECRET: 'fake-webhook-secret-a8d2c4',
  EVENTS_WEBHOOK_SECRET: 'fake-events-secret-71be0f',
};

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;

function emailsIn(file: string): string[] {
  return readFileSync(file, 'utf8').match(EMAIL) ?? [];
}

function runSession(lines: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', '--console', '--json'], {
      cwd: root,
      env: {
        ...process.env,
        ...SECRETS,
        DATABASE_URL: `sqlite:${path.join(dir, 'bot.db')}`,
        OUT_DIR: path.join(dir, 'out'),
        LOG_LEVEL: 'debug',
        SLACK_APP_TOKEN: '',
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(`${lines.join('\n')}\n`);
  });
}

interface Session {
  replies: { command: string; ok: boolean; text: string; data: unknown }[];
  stdout: string;
  logs: string;
  emails: Set<string>;
  audit: string;
}

let session: Session;

const customerEmails = (text: string, emails: Set<string>) => (text.match(EMAIL) ?? []).filter((e) => emails.has(e.toLowerCase()));
/** What the bot said back, without the echo of the typed line. */
const answer = (r: Session['replies'][number]) => JSON.stringify({ ...r, command: undefined });

beforeAll(async () => {
  const haveExamples = existsSync(path.join(root, 'examples/customers.csv')) && existsSync(path.join(root, 'examples/orders.csv'));
  const customersCsv = haveExamples ? path.join(root, 'examples/customers.csv') : path.join(dir, 'customers.csv');
  const ordersCsv = haveExamples ? path.join(root, 'examples/orders.csv') : path.join(dir, 'orders.csv');
  if (!haveExamples) {
    writeFileSync(
      customersCsv,
      'customer_id,email,name,signup_date,country,acquisition_channel,consent\n' +
        Array.from(
          { length: 50 },
          (_, i) => `C${i},person.${i}@example.com,Person ${i},2026-01-${String((i % 28) + 1).padStart(2, '0')},US,organic,true`,
        ).join('\n') +
        '\n',
    );
    writeFileSync(
      ordersCsv,
      'order_id,customer_id,order_date,amount,currency\n' +
        Array.from(
          { length: 200 },
          (_, i) => `O${i},C${i % 50},2026-03-${String((i % 28) + 1).padStart(2, '0')},${10 + (i % 7)}.50,USD`,
        ).join('\n') +
        '\n',
    );
  }
  // rows that put emails where they do not belong: rejection reasons must not echo them
  const bad = path.join(dir, 'bad-customers.csv');
  writeFileSync(
    bad,
    'customer_id,email,name,signup_date,country,acquisition_channel,consent\nX1,leak.one@example.net,Leak One,leak.two@example.net,US,organic,true\nX2,leak.three@example.net,Leak Three,2026-01-01,US,organic,leak.four@example.net\n',
  );
  const emails = new Set([...emailsIn(customersCsv), ...emailsIn(bad)].map((e) => e.toLowerCase()));
  const first = [...emails][0]!;
  const rows = readFileSync(customersCsv, 'utf8').split('\n');
  const firstId = rows[1]!.split(',')[0]!;
  const secondId = rows[2]!.split(',')[0]!;

  const result = await runSession([
    `/import customers ${customersCsv}`,
    `/import orders ${ordersCsv}`,
    ...(existsSync(path.join(root, 'examples/events.csv')) ? [`/import events ${path.join(root, 'examples/events.csv')}`] : []),
    `/import customers ${bad}`,
    '/segment run method=rfm as_of=2026-10-31',
    '/segment show 1',
    '/segment export 1',
    `/clv customer=${firstId} as_of=2026-10-31`,
    '/clv as_of=2026-10-31',
    '/cac period=2026-Q3',
    '/digest preview period=month as_of=2026-11-01',
    `/customer forget ${secondId}`,
    `/nonsense token=${SECRETS.SLACK_BOT_TOKEN} email=${first}`,
    `/customer show ${first}`,
    '/audit',
    // the console user (an admin) steps down, so what follows is shown as an analyst sees it
    '/admin grant local analyst',
    `/customer show ${firstId}`,
  ]);
  const db = createDatabase(`sqlite:${path.join(dir, 'bot.db')}`);
  let audit: string;
  try {
    audit = JSON.stringify(await db.selectFrom('audit_log').selectAll().execute());
  } finally {
    await db.destroy();
  }
  session = {
    replies: result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line)),
    stdout: result.stdout,
    logs: result.stderr,
    emails,
    audit,
  };
}, 240_000);

describe('a full console session at LOG_LEVEL=debug (child process)', () => {
  it('ran every command and logged at debug level', () => {
    expect(session.emails.size).toBeGreaterThan(10);
    expect(session.replies.length).toBeGreaterThanOrEqual(16);
    const imports = session.replies.filter((r) => r.command.startsWith('/import') && !r.command.includes('bad-customers'));
    expect(imports.every((r) => r.ok)).toBe(true);
    expect(session.replies.find((r) => r.command.startsWith('/customer forget'))?.ok).toBe(true);
    expect(session.logs.length).toBeGreaterThan(0);
  });

  it('logs carry no customer email', () => {
    expect(customerEmails(session.logs, session.emails)).toEqual([]);
  });

  it('logs, replies and the audit trail carry no token or secret', () => {
    for (const secret of Object.values(SECRETS).filter((s) => s.length > 20)) {
      expect(session.logs.includes(secret), `in logs: ${secret.slice(0, 8)}…`).toBe(false);
      expect(
        session.replies.some((r) => answer(r).includes(secret)),
        `in replies: ${secret.slice(0, 8)}…`,
      ).toBe(false);
      expect(session.audit.includes(secret), `in audit: ${secret.slice(0, 8)}…`).toBe(false);
    }
  });

  it('the audit trail carries no customer email', () => {
    expect(customerEmails(session.audit, session.emails)).toEqual([]);
  });

  it('replies show emails masked (an analyst sees j•••@domain)', () => {
    const show = session.replies.at(-1)!;
    expect(show.ok, show.text).toBe(true);
    expect(show.text).toContain('•••@');
    expect(customerEmails(answer(show), session.emails)).toEqual([]);
    const leaked = session.replies
      .filter((r) => !r.command.startsWith('/customer show') && !r.command.includes('bad-customers'))
      .flatMap((r) => customerEmails(answer(r), session.emails).map((e) => `${r.command.split(' ').slice(0, 2).join(' ')}: ${e}`));
    expect(leaked).toEqual([]);
  });

  // an email in a wrong column is masked in the chat table (the rejections file on disk keeps the raw cell)
  it('import rejection examples mask emails found in rejected cells', () => {
    const badImport = session.replies.find((r) => r.command.includes('bad-customers'))!;
    expect(customerEmails(answer(badImport), session.emails)).toEqual([]);
  });
});
