import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tableCsv as discordTableCsv } from '../../adapters/discord/render.ts';
import { tableCsv as slackTableCsv } from '../../adapters/slack/render.ts';
import type { Bot } from '../../src/core/bot.ts';
import { csvCell as coreCell, tableCsv as coreTableCsv } from '../../src/core/csv.ts';
import { csvCell as importCell } from '../../src/import/rejections.ts';
import { csvCell as segmentCell } from '../../src/segmentation/export.ts';
import { createTestBot, run } from '../helpers/bot.ts';
import { createTestStore, type TestStore } from '../helpers/store.ts';

const SEED = 7;
const FORMULA = /^[=+\-@\t\r]/;
const PLAIN_NUMBER = /^[+-]?\d+(\.\d+)?%?$/;
const INJECTIONS = ["=cmd|' /C calc'!A0", '+1+1', '-2+3', '@SUM(A1:A2)', '\t=1', '\r=1', '=HYPERLINK("http://x","y")', '=1+1,"x"\n=2'];

/** Every cell of a CSV text, as a spreadsheet would read it. */
const cells = (text: string): string[] => (parse(text, { relax_column_count: true, bom: true }) as string[][]).flat();
const dangerous = (cell: string) => FORMULA.test(cell) && !PLAIN_NUMBER.test(cell);

const cellText = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.constantFrom(...INJECTIONS),
  fc.tuple(fc.constantFrom('=', '+', '-', '@', '\t', '\r'), fc.string({ maxLength: 20 })).map(([a, b]) => a + b),
);

describe('CSV cells written by the bot', () => {
  it.each([
    ['src/core/csv.ts', coreCell],
    ['src/import/rejections.ts', importCell],
    ['src/segmentation/export.ts', segmentCell],
  ] as const)('%s: any text reads back as one cell, never as a formula, and otherwise unchanged', (_, cell) => {
    fc.assert(
      fc.property(cellText, (value) => {
        const [read, ...rest] = cells(`${cell(value)}\n`) as string[];
        expect(rest).toEqual([]);
        if (value === '') return;
        expect(dangerous(read!), JSON.stringify(value)).toBe(false);
        expect(read === value || read === `'${value}`).toBe(true);
      }),
      { seed: SEED, numRuns: 1000 },
    );
  });

  it('table attachments (core and Slack) neutralize formulas in every cell; plain numbers stay numbers', () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.oneof(cellText, fc.integer()), { minLength: 2, maxLength: 2 }), { maxLength: 8 }), (rows) => {
        const table = { columns: ['=a', 'b'], rows };
        for (const csv of [coreTableCsv(table), slackTableCsv(table)]) for (const c of cells(csv)) expect(dangerous(c), c).toBe(false);
      }),
      { seed: SEED, numRuns: 300 },
    );
    expect(coreTableCsv({ columns: ['change'], rows: [['-12.5%'], [-3]] })).toBe('change\n-12.5%\n-3\n');
  });

  it('Discord table attachments neutralize formulas', () => {
    for (const c of cells(discordTableCsv({ columns: ['x'], rows: INJECTIONS.map((v) => [v]) }))) expect(dangerous(c), c).toBe(false);
  });
});

describe('CSV files the commands write', () => {
  let store: TestStore;
  let bot: Bot;
  beforeAll(async () => {
    store = await createTestStore();
    bot = await createTestBot(store.db, store.dir, { now: () => new Date('2026-11-25T12:00:00Z') });
  });
  afterAll(async () => store.close());

  it('the import rejections CSV neutralizes formulas from the rejected cells', async () => {
    const file = path.join(store.dir, 'inject-customers.csv');
    const rows = INJECTIONS.map((v, i) => `K${i},k${i}@example.com,Name,"${v.replace(/"/g, '""')}",US,organic,true`);
    writeFileSync(file, `customer_id,email,name,signup_date,country,acquisition_channel,consent\n${rows.join('\n')}\n`);
    const answer = await run(bot, `/import customers ${file}`);
    expect(answer.ok, answer.view.text).toBe(true);
    expect(answer.data.rejected).toBe(INJECTIONS.length);
    const written = cells(readFileSync(answer.data.rejections_file, 'utf8'));
    expect(written.filter(dangerous)).toEqual([]);
    expect(written.some((c) => c.startsWith("'=cmd|"))).toBe(true);
  });

  it('the segment export neutralizes formula-like customer ids', async () => {
    const file = path.join(store.dir, 'inject-orders.csv');
    const ids = ['=cmd|calc', '+1+1', '@SUM(A1)', '-1+1', 'plain'];
    const lines = ids.flatMap((id, i) => [
      `O${i}a,"${id}",2026-0${(i % 8) + 1}-10,${20 + i * 7}.00,USD`,
      `O${i}b,"${id}",2026-09-1${i},${5 + i * 11}.00,USD`,
    ]);
    writeFileSync(file, `order_id,customer_id,order_date,amount,currency\n${lines.join('\n')}\n`);
    const imported = await run(bot, `/import orders ${file}`);
    expect(imported.ok, imported.view.text).toBe(true);
    const segmented = await run(bot, '/segment run method=rfm as_of=2026-10-31');
    expect(segmented.ok, segmented.view.text).toBe(true);
    const segments = segmented.data.segments as { id: number; size: number }[];
    const exported: string[] = [];
    for (const segment of segments.filter((s) => s.size > 0)) {
      const answer = await run(bot, `/segment export ${segment.id}`);
      expect(answer.ok, answer.view.text).toBe(true);
      exported.push(...cells(readFileSync(answer.view.files![0]!.path, 'utf8')));
    }
    expect(exported).toContain("'=cmd|calc");
    expect(exported.filter(dangerous)).toEqual([]);
  });
});
