import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Bot } from '../../src/core/bot.ts';
import { createTestBot, run } from '../helpers/bot.ts';
import { createTestStore, type TestStore } from '../helpers/store.ts';

// /import customers with phone (E.164), sms_consent and time_zone columns, on SQLite and PostgreSQL.
const NOW = '2026-12-08T10:00:00.000Z';

let store: TestStore;
let bot: Bot;
let files: string;
let n = 0;

function csv(lines: string[]): string {
  const file = path.join(files, `file-${++n}.csv`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

async function customers() {
  const rows = await store.db
    .selectFrom('customers')
    .select(['customer_id', 'phone', 'time_zone', 'sms_consent', 'consent'])
    .orderBy('customer_id')
    .execute();
  return Object.fromEntries(rows.map((r) => [r.customer_id, { phone: r.phone, time_zone: r.time_zone, sms: Number(r.sms_consent) }]));
}

beforeAll(async () => {
  store = await createTestStore();
  files = path.join(store.dir, 'files');
  mkdirSync(files, { recursive: true });
  bot = await createTestBot(store.db, store.dir, { now: () => new Date(NOW), env: { DEFAULT_CONSENT: 'true' } });
});
afterAll(async () => store.close());
beforeEach(async () => {
  for (const table of ['customer_attributes', 'customers'] as const) await store.db.deleteFrom(table).execute();
});

describe('/import customers: phone, sms_consent, time_zone', () => {
  it('reads the aliases, normalises phones to E.164 and zones to their IANA name; SMS consent is never assumed', async () => {
    const reply = await run(
      bot,
      `/import customers ${csv([
        'Customer ID,Mobile,SMS Opt In,Timezone,Marketing Consent',
        'a,+1 (415) 555-2671,yes,America/New_York,yes',
        'b,0044 20 7946 0958,no,europe/london,yes',
        'c,+4915123456789,,,yes',
        'd,,,,yes',
      ])}`,
    );
    expect(reply.ok, JSON.stringify(reply.data)).toBe(true);
    expect(reply.data).toMatchObject({ inserted: 4, rejected: 0 });
    expect(await customers()).toEqual({
      a: { phone: '+14155552671', time_zone: 'America/New_York', sms: 1 },
      b: { phone: '+442079460958', time_zone: 'Europe/London', sms: 0 },
      // DEFAULT_CONSENT=true is marketing consent: SMS consent needs its own yes
      c: { phone: '+4915123456789', time_zone: null, sms: 0 },
      d: { phone: null, time_zone: null, sms: 0 },
    });
  });

  it('rejects a phone without its country code, an unknown or offset zone and an unreadable SMS consent, row by row', async () => {
    const reply = await run(
      bot,
      `/import customers ${csv([
        'customer_id,phone_number,sms_consent,time_zone',
        'ok,+14155552671,yes,UTC',
        'local,(415) 555-2671,yes,UTC',
        'short,+1234,yes,UTC',
        'zone,+14155552672,yes,Mars/Olympus',
        'offset,+14155552673,yes,+01:00',
        'consent,+14155552674,maybe,UTC',
      ])}`,
    );
    expect(reply.ok, JSON.stringify(reply.data)).toBe(true);
    expect(reply.data).toMatchObject({ inserted: 1, rejected: 5 });
    const rejections = readFileSync(reply.data.rejections_file as string, 'utf8');
    expect(rejections).toContain('not an international phone number');
    expect(rejections).toContain('not an IANA time zone name');
    expect(rejections).toContain('not true or false');
    expect(Object.keys(await customers())).toEqual(['ok']);
  });

  it('an empty SMS consent cell or a missing column keeps what is stored; an explicit no withdraws SMS consent', async () => {
    await run(
      bot,
      `/import customers ${csv(['customer_id,phone,sms_consent,time_zone', 'a,+14155552671,yes,Asia/Tokyo', 'b,+14155552672,yes,UTC'])}`,
    );
    const reply = await run(bot, `/import customers ${csv(['customer_id,sms_consent,phone', 'a,,+14155552671', 'b,no,+14155552679'])}`);
    expect(reply.data).toMatchObject({ updated: 1, unchanged: 1 });
    expect(await customers()).toEqual({
      a: { phone: '+14155552671', time_zone: 'Asia/Tokyo', sms: 1 },
      b: { phone: '+14155552679', time_zone: 'UTC', sms: 0 },
    });
  });

  it('a file’s SMS yes does not undo a STOP reply: the customer stays opted out, and the reply says so', async () => {
    await run(bot, `/import customers ${csv(['customer_id,phone,sms_consent', 'a,+14155552671,yes', 'b,+14155552672,yes'])}`);
    await store.db.updateTable('customers').set({ sms_consent: 0, sms_opted_out_at: NOW }).where('customer_id', '=', 'a').execute();
    const reply = await run(bot, `/import customers ${csv(['customer_id,sms_consent', 'a,yes', 'b,yes'])}`);
    expect(reply.data.consent_changes).toMatchObject({ kept_sms_stopped: 1 });
    expect(reply.view.notes).toContainEqual(expect.stringMatching(/^1 row says SMS yes for customers who replied STOP/));
    expect((await customers()).a!.sms).toBe(0);
    expect((await customers()).b!.sms).toBe(1);
  });
});
