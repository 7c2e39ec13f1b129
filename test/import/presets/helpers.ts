import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import type { Bot } from '../../../src/core/bot.ts';
import { createTestBot } from '../../helpers/bot.ts';
import { createTestStore, type TestStore } from '../../helpers/store.ts';

export interface PresetTest {
  store: TestStore;
  bot: Bot;
  /** Writes a hand-made export under the test folder and returns its path. */
  file(lines: string[]): string;
}

/** A store and a bot for one preset's tests (BUSINESS_TZ as given), emptied before each test. */
export function presetTest(env: Record<string, string> = {}): PresetTest {
  const t = {} as PresetTest;
  let n = 0;
  let dir = '';
  beforeAll(async () => {
    t.store = await createTestStore();
    dir = path.join(t.store.dir, 'files');
    mkdirSync(dir, { recursive: true });
    t.bot = await createTestBot(t.store.db, t.store.dir, { now: () => new Date('2026-04-01T10:00:00Z'), env });
  });
  afterAll(async () => t.store.close());
  beforeEach(async () => {
    for (const table of ['orders', 'customers', 'spend', 'events'] as const) await t.store.db.deleteFrom(table).execute();
  });
  t.file = (lines) => {
    const file = path.join(dir, `export-${++n}.csv`);
    writeFileSync(file, `${lines.join('\n')}\n`);
    return file;
  };
  return t;
}

export async function ordersOf(t: PresetTest) {
  return t.store.db
    .selectFrom('orders')
    .select(['order_id', 'customer_id', 'order_date', 'gross_cents', 'net_cents', 'currency', 'lines', 'is_purchase'])
    .orderBy('order_id')
    .execute();
}
