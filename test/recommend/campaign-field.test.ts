import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bot } from '../../src/core/bot.ts';
import { createTestBot, run } from '../helpers/bot.ts';
import { createTestStore, testPostgresUrl, type TestStore } from '../helpers/store.ts';

// {{recommended_products}} reads the model /recommend train learnt: the same products /recommend customer=
// gives, with the names and links of /import products.

let store: TestStore;
let bot: Bot;

function file(dir: string, name: string, lines: string[]): string {
  const full = path.join(dir, name);
  writeFileSync(full, `${lines.join('\n')}\n`);
  return full;
}

beforeAll(async () => {
  store = await createTestStore();
  const dir = path.join(store.dir, 'files');
  mkdirSync(dir, { recursive: true });
  bot = await createTestBot(store.db, store.dir, { now: () => new Date('2026-11-30T10:00:00Z') });
  // mugs go with coasters (three customers bought both); c9 bought only a mug
  const orders = ['order_id,customer_id,order_date,amount,product_id,product_name,quantity'];
  for (const [i, c] of ['c1', 'c2', 'c3'].entries()) {
    orders.push(`o${i}a,${c},2026-10-0${i + 1},10,MUG,Mug,1`, `o${i}a,${c},2026-10-0${i + 1},5,COAST,Coaster,2`);
    orders.push(`o${i}b,${c},2026-10-1${i + 1},7,TEA,Tea,1`);
  }
  orders.push('o9,c9,2026-11-01,10,MUG,Mug,1');
  const customers = ['customer_id,email,name,consent', 'c1,c1@example.com,Ann,true', 'c9,c9@example.com,Bo Lind,true'];
  const products = [
    'product_id,name,url',
    'COAST,Cork coaster <set>,https://shop.example.com/coaster',
    'TEA,Tea,https://shop.example.com/tea',
  ];
  for (const [kind, lines] of [
    ['customers', customers],
    ['orders', orders],
    ['products', products],
  ] as const)
    expect((await run(bot, `/import ${kind} ${file(dir, `${kind}.csv`, lines)}`)).ok).toBe(true);
  expect((await run(bot, '/recommend train')).ok).toBe(true);
});

afterAll(async () => store?.close());

describe(`{{recommended_products}} from the learnt model (store: ${testPostgresUrl() ? 'PostgreSQL' : 'SQLite'})`, () => {
  it('lists, for one customer, the products /recommend gives them, by name with their links', async () => {
    const recommended = await run(bot, '/recommend customer=c9');
    expect(recommended.ok).toBe(true);
    expect(JSON.stringify(recommended.data)).toContain('COAST');
    const created = await run(
      bot,
      '/campaign create name=Picks segment=all channel=email subject=Hi message="Hello {{first_name}}:{{recommended_products}}"',
    );
    expect(created.ok, JSON.stringify(created.data)).toBe(true);
    const preview = await run(bot, '/campaign preview Picks customer=c9');
    expect(preview.ok, JSON.stringify(preview.data)).toBe(true);
    const text = preview.view.text ?? '';
    expect(text).toContain('Hello Bo');
    expect(text).toContain('Cork coaster <set>: https://shop.example.com/coaster');
    expect(text).not.toContain('Mug');
  });
});
