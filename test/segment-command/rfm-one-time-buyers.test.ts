import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bot } from '../../src/core/bot.ts';
import { createTestBot, run } from '../helpers/bot.ts';
import { createTestStore, type TestStore } from '../helpers/store.ts';
import { seedCustomers } from './seed.ts';

let store: TestStore;
let bot: Bot;

// As of 2026-06-30, ten customers who each bought once: frequency has no spread, so it is not
// scored and the names use R and M. Recency 1, 1, 5, 5, 20, 20, 60, 60, 200, 200 days: the ties
// share a score (cut points 4.2, 14, 36, 88 days -> R 5, 5, 4, 4, 3, 3, 2, 2, 1, 1). Spend $500 for the
// most recent pair, so they would be Champions (R5 M5) were it not for the one-order rule.
const DAYS = [1, 1, 5, 5, 20, 20, 60, 60, 200, 200];
const SPEND = [500, 450, 300, 250, 200, 150, 100, 80, 60, 40];
const day = (daysBefore: number) => new Date(Date.UTC(2026, 5, 30 - daysBefore)).toISOString().slice(0, 10);

beforeAll(async () => {
  store = await createTestStore();
  bot = await createTestBot(store.db, store.dir);
  await seedCustomers(
    store.db,
    DAYS.map((d, i) => ({ id: `C${i}`, orders: [[day(d), SPEND[i]]] })),
  );
});
afterAll(async () => store.close());

describe('/segment run method=rfm when every customer bought once', () => {
  it('reports frequency as uninformative, gives tied recencies one score, and names nobody Champions or Loyal', async () => {
    const answer = await run(bot, '/segment run method=rfm as_of=2026-06-30');
    expect(answer.ok, JSON.stringify(answer.data)).toBe(true);
    const { data, view } = answer;
    const names = data.segments.map((s: { name: string }) => s.name);
    expect(names).not.toContain('Champions');
    expect(names).not.toContain('Loyal customers');
    expect(data.segments.map((s: { name: string; size: number }) => [s.name, s.size])).toEqual([
      ['Potential loyalists', 4],
      ['Need attention', 2],
      ['Hibernating', 2],
      ['Lost', 2],
    ]);
    expect(data.transforms[1]).toEqual({ feature: 'frequency', transform: 'not scored: every customer has the same value (1)' });
    expect(view.notes).toContain(
      'Frequency is uninformative: every customer bought 1 time, so it cannot tell customers apart; it is not scored and not used in the names.',
    );
    expect(view.notes).toContain('Names use R and M (M in place of F in the R × F segment map).');
    expect(data.segments[0].profile).not.toHaveProperty('f_score');
    const profile = view.tables!.find((t) => t.title?.startsWith('Profiles'))!;
    const fScore = profile.columns.indexOf('F score');
    expect(profile.rows.map((row) => row[fScore])).toEqual(Array(5).fill('— (not scored)'));

    const show = await run(bot, `/segment show ${data.segments[0].id}`);
    const fRow = show.view.tables![0]!.rows.find((row) => row[0] === 'F score')!;
    expect(fRow.slice(1)).toEqual(['— (not scored)', '— (not scored)', '— (not compared)']);

    const rows: string[] = [];
    for (const segment of data.segments) {
      const exported = await run(bot, `/segment export ${segment.id}`);
      rows.push(...readFileSync(exported.data.file, 'utf8').trim().split('\n').slice(1));
    }
    const byId = Object.fromEntries(rows.map((row) => [row.split(',')[0], row]));
    // customer_id,recency,frequency,monetary,r_score,f_score,m_score: f_score is empty.
    expect(byId.C0).toBe('C0,1,1,500,5,,5');
    expect(byId.C1).toBe('C1,1,1,450,5,,5');
    expect(byId.C4).toBe('C4,20,1,200,3,,3');
    expect(byId.C5).toBe('C5,20,1,150,3,,3');
    expect(byId.C9).toBe('C9,200,1,40,1,,1');
  });
});
