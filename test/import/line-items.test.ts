import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Bot } from '../../src/core/bot.ts';
import { createTestBot, run } from '../helpers/bot.ts';
import { createTestStore, type TestStore } from '../helpers/store.ts';

/**
 * Line items and products (#25.1), through /import as a user runs it: in a worker thread on the
 * store file (SQLite: the prepared-statement staging path; PostgreSQL: the portable one).
 */

let store: TestStore;
let bot: Bot;
let files: string;
let n = 0;

function csv(lines: string[]): string {
  const file = path.join(files, `file-${++n}.csv`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

async function lines() {
  const rows = await store.db.selectFrom('order_lines').selectAll().orderBy('order_id').orderBy('product_id').execute();
  return rows.map((r) => [r.order_id, r.product_id, Number(r.quantity), Number(r.net_cents)]);
}

async function products() {
  const rows = await store.db.selectFrom('products').select(['product_id', 'name', 'active', 'listed']).orderBy('product_id').execute();
  return rows.map((r) => [r.product_id, r.name, Number(r.active), Number(r.listed)]);
}

async function staged(): Promise<number> {
  const row = await store.db
    .selectFrom('import_staging_line_items')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

beforeAll(async () => {
  store = await createTestStore();
  files = path.join(store.dir, 'files');
  mkdirSync(files, { recursive: true });
  bot = await createTestBot(store.db, store.dir, { now: () => new Date('2026-11-25T10:00:00Z'), env: { DATABASE_URL: store.url } });
});
afterAll(async () => store.close());
beforeEach(async () => {
  for (const table of ['order_lines', 'products', 'orders', 'customers', 'import_fingerprints'] as const)
    await store.db.deleteFrom(table).execute();
});

const RETAIL_HEADER = 'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country';

describe('/import orders with a product column', () => {
  it('keeps one line per order and product (StockCode, Description), summing repeated rows; products take the name of their latest line', async () => {
    const file = csv([
      RETAIL_HEADER,
      '536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,2010-12-01 08:26:00,2.55,17850,United Kingdom',
      '536365,71053,WHITE METAL LANTERN,6,2010-12-01 08:26:00,3.39,17850,United Kingdom',
      '536365,71053,WHITE METAL LANTERN,2,2010-12-01 08:26:00,3.39,17850,United Kingdom',
      '536366,71053,WHITE MOROCCAN METAL LANTERN,1,2010-12-02 09:00:00,3.39,13047,United Kingdom',
      'C536367,85123A,WHITE HANGING HEART T-LIGHT HOLDER,-1,2010-12-03 10:00:00,2.55,17850,United Kingdom',
    ]);
    const reply = await run(bot, `/import orders ${file}`);
    expect(reply.ok, reply.view.text).toBe(true);
    expect(reply.data).toMatchObject({ inserted: 3, line_items: { lines: 4, products: 2, products_created: 2 } });
    expect(reply.view.fields?.find((f) => f.label === 'Order lines')?.value).toBe('4 (2 products)');
    expect(await lines()).toEqual([
      ['536365', '71053', 8, 2712],
      ['536365', '85123A', 6, 1530],
      ['536366', '71053', 1, 339],
      ['C536367', '85123A', -1, -255],
    ]);
    expect(await products()).toEqual([
      ['71053', 'WHITE MOROCCAN METAL LANTERN', 1, 0],
      ['85123A', 'WHITE HANGING HEART T-LIGHT HOLDER', 1, 0],
    ]);
    expect(await staged()).toBe(0);
  });

  it('replaces the lines of an order imported again: no duplicates, changed lines updated, dropped ones gone, other orders untouched', async () => {
    const header = 'order_id,customer_id,order_date,sku,product_name,quantity,unit_price';
    await run(
      bot,
      `/import orders ${csv([header, 'A1,C1,2026-01-05,MUG,Mug,1,10', 'A1,C1,2026-01-05,TEA,Tea,2,5', 'A2,C2,2026-01-06,MUG,Mug,1,10'])}`,
    );
    const again = await run(bot, `/import orders ${csv([header, 'A1,C1,2026-01-05,MUG,Mug,3,10', 'A1,C1,2026-01-05,CUP,Cup,1,4'])}`);
    expect(again.ok, again.view.text).toBe(true);
    expect(again.data).toMatchObject({ updated: 1, line_items: { lines: 2, products: 2, products_created: 1 } });
    expect(await lines()).toEqual([
      ['A1', 'CUP', 1, 400],
      ['A1', 'MUG', 3, 3000],
      ['A2', 'MUG', 1, 1000],
    ]);
    // the same rows again (read again: force=true) write nothing
    const same = await run(
      bot,
      `/import orders ${csv([header, 'A1,C1,2026-01-05,MUG,Mug,3,10', 'A1,C1,2026-01-05,CUP,Cup,1,4'])} force=true`,
    );
    expect(same.data).toMatchObject({ unchanged: 1, line_items: { lines: 2, products_created: 0 } });
    expect((await lines()).length).toBe(3);
  });

  it('with only a product name, the name is the product; a row without a product keeps its order and adds no line', async () => {
    const file = csv(['order_id,customer_id,order_date,Product,amount', 'B1,C1,2026-02-01,Blue  scarf,20', 'B1,C1,2026-02-01,,5']);
    const reply = await run(bot, `/import orders ${file}`);
    expect(reply.data).toMatchObject({ inserted: 1, line_items: { lines: 1, products: 1 } });
    expect(await lines()).toEqual([['B1', 'Blue  scarf', 1, 2000]]);
    expect(await products()).toEqual([['Blue  scarf', 'Blue scarf', 1, 0]]);
    const order = await store.db.selectFrom('orders').select(['net_cents', 'lines']).executeTakeFirstOrThrow();
    expect([Number(order.net_cents), Number(order.lines)]).toEqual([2500, 2]);
  });

  it('rejects a row whose product id is too long, and with strict=true writes no order and no line', async () => {
    const file = csv(['order_id,customer_id,order_date,sku,amount', `D1,C1,2026-03-01,${'x'.repeat(300)},10`, 'D2,C1,2026-03-02,OK,10']);
    const strict = await run(bot, `/import orders ${file} strict=true`);
    expect(strict.data).toMatchObject({ committed: false, rejected: 1, rejection_reasons: { 'longer than 256 characters': 1 } });
    expect(await lines()).toEqual([]);
    expect(await store.db.selectFrom('orders').selectAll().execute()).toEqual([]);
    expect(await staged()).toBe(0);
    const kept = await run(bot, `/import orders ${file} force=true`);
    expect(kept.data).toMatchObject({ inserted: 1, rejected: 1 });
    expect(await lines()).toEqual([['D2', 'OK', 1, 1000]]);
  });

  it('without a product column stages and writes no line items, and leaves lines of earlier imports alone', async () => {
    await run(bot, `/import orders ${csv(['order_id,customer_id,order_date,sku,amount', 'E1,C1,2026-04-01,MUG,10'])}`);
    const reply = await run(
      bot,
      `/import orders ${csv(['order_id,customer_id,order_date,amount', 'E1,C1,2026-04-01,12', 'E2,C1,2026-04-02,5'])}`,
    );
    expect(reply.data).toMatchObject({ inserted: 1, updated: 1 });
    expect(reply.data.line_items).toBeUndefined();
    expect(await lines()).toEqual([['E1', 'MUG', 1, 1000]]);
  });
});

describe('/import products', () => {
  it('names, prices and retires products; a listed name is no longer changed by orders; bad URLs and prices are rejected', async () => {
    await run(
      bot,
      `/import orders ${csv(['order_id,customer_id,order_date,StockCode,Description,amount', 'P1,C1,2026-05-01,MUG,mug white,10'])}`,
    );
    const file = csv([
      'SKU,Title,Product Type,Price,Link,Image,Status',
      'MUG,White mug,Kitchen,12.50,https://shop.example.com/mug,https://cdn.example.com/mug.jpg,active',
      'LAMP,Desk lamp,Decor,54,,,archived',
      'BAD,Bad link,Decor,1,javascript:alert(1),,active',
      'NEG,Negative,Decor,-3,,,active',
    ]);
    const reply = await run(bot, `/import products ${file}`);
    expect(reply.ok, reply.view.text).toBe(true);
    expect(reply.data).toMatchObject({ read: 4, inserted: 1, updated: 1, rejected: 2 });
    expect(reply.data.rejection_reasons).toEqual({ 'not an http(s) URL': 1, 'a price is 0 or more': 1 });
    const stored = await store.db.selectFrom('products').selectAll().orderBy('product_id').execute();
    expect(stored.map((p) => [p.product_id, p.name, p.category, Number(p.price_cents), p.currency, p.url, Number(p.active)])).toEqual([
      ['LAMP', 'Desk lamp', 'Decor', 5400, 'USD', null, 0],
      ['MUG', 'White mug', 'Kitchen', 1250, 'USD', 'https://shop.example.com/mug', 1],
    ]);
    await run(
      bot,
      `/import orders ${csv(['order_id,customer_id,order_date,StockCode,Description,amount', 'P2,C1,2026-05-02,MUG,MUG RENAMED,10'])}`,
    );
    expect((await products()).find((p) => p[0] === 'MUG')).toEqual(['MUG', 'White mug', 1, 1]);
    // a file without the name column leaves names alone; the same file again is unchanged
    const again = await run(bot, `/import products ${csv(['sku,active', 'MUG,no'])}`);
    expect(again.data).toMatchObject({ updated: 1 });
    expect((await products()).find((p) => p[0] === 'MUG')).toEqual(['MUG', 'White mug', 0, 1]);
    expect((await run(bot, `/import products ${csv(['sku,active', 'MUG,no'])}`)).data).toMatchObject({ unchanged: 1 });
  });
});

describe('/customer forget', () => {
  it('deletes the line items of the customer’s orders; the orders keep their totals under the anonymous id', async () => {
    const header = 'order_id,customer_id,order_date,sku,amount';
    await run(bot, `/import orders ${csv([header, 'F1,GONE,2026-06-01,MUG,10', 'F1,GONE,2026-06-01,TEA,5', 'F2,STAY,2026-06-01,MUG,10'])}`);
    const forget = await run(bot, '/customer forget GONE');
    expect(forget.ok, forget.view.text).toBe(true);
    expect(forget.data.counts).toMatchObject({ orders: 1, order_lines: 2 });
    expect(await lines()).toEqual([['F2', 'MUG', 1, 1000]]);
    const order = await store.db
      .selectFrom('orders')
      .select(['customer_id', 'net_cents'])
      .where('order_id', '=', 'F1')
      .executeTakeFirstOrThrow();
    expect(order.customer_id).toMatch(/^forgotten-/);
    expect(Number(order.net_cents)).toBe(1500);
  });
});
