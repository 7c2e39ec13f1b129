import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bot } from '../../src/core/bot.ts';
import { createTestBot, run } from '../helpers/bot.ts';
import { createTestStore, type TestStore } from '../helpers/store.ts';

// A file imported again unchanged is recognised by its content hash and not read again.
let store: TestStore;
let bot: Bot;
let n = 0;

function orders(amountOfFirst: string): string {
  const file = path.join(store.dir, `orders-${++n}.csv`);
  writeFileSync(
    file,
    `order_id,customer_id,order_date,amount\nF1,C1,2026-10-01,${amountOfFirst}\nF2,C2,2026-10-02,20.00\nF3,C1,2026-10-03,30.00\n`,
  );
  return file;
}

async function imported(line: string) {
  const reply = await run(bot, line);
  expect(reply.data.error, reply.view.text).toBeUndefined();
  return reply.data as { read: number; inserted: number; updated: number; unchanged: number; unchanged_since?: string };
}

beforeAll(async () => {
  store = await createTestStore();
  bot = await createTestBot(store.db, store.dir, { env: { DATABASE_URL: store.url } });
});
afterAll(async () => store?.close());

describe('re-importing an unchanged file', () => {
  it('skips the same bytes with the same options, under any file name; reads it when a byte or an option differs', async () => {
    expect(await imported(`/import orders ${orders('10.00')}`)).toMatchObject({ read: 3, inserted: 3 });
    const same = await imported(`/import orders ${orders('10.00')}`);
    expect(same).toMatchObject({ read: 0, inserted: 0, updated: 0, unchanged: 3 });
    expect(same.unchanged_since).toMatch(/^\d{4}-\d\d-\d\dT/);
    // an option that shapes the rows makes it another import
    expect(await imported(`/import orders ${orders('10.00')} date_format=YYYY-MM-DD`)).toMatchObject({ read: 3, unchanged: 3 });
    // one changed value: read again, one update
    expect(await imported(`/import orders ${orders('11.00')}`)).toMatchObject({ read: 3, updated: 1, unchanged: 2 });
    expect(await imported(`/import orders ${orders('11.00')}`)).toMatchObject({ read: 0, unchanged: 3 });
  });

  it('compares with the last import only: after another file, the first one is read again', async () => {
    expect(await imported(`/import orders ${orders('12.00')}`)).toMatchObject({ read: 3, updated: 1 });
    expect(await imported(`/import orders ${orders('11.00')}`)).toMatchObject({ read: 3, updated: 1 });
  });

  it('a refused strict import is not remembered', async () => {
    const bad = path.join(store.dir, 'bad.csv');
    writeFileSync(bad, 'order_id,customer_id,order_date,amount\nB1,C1,2026-10-01,5.00\nB2,C1,not a date,5.00\n');
    for (let i = 0; i < 2; i++) {
      const refused = await run(bot, `/import orders ${bad} strict=true`);
      expect(refused.view.text).toContain('Nothing was imported');
    }
  });
});
