import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bot } from '../../src/core/bot.ts';
import { createTestBot, run } from '../helpers/bot.ts';
import { createTestStore, type TestStore } from '../helpers/store.ts';
import { seedCustomers } from './seed.ts';
import { asOfWarning } from '../../src/segmentation/segmentation-task.ts';

let store: TestStore;
let bot: Bot;

// As of 2026-06-30. Five buyers with distinct R, F and M, so the quintile cut points give scores 1..5 exactly
// (recency cut points 8.2, 22, 58, 140 days); groups from the R x F map:
// A: 1 day, 5 orders, $500 -> R5 F5 M5 -> Champions
// B: 10 days, 1 order, $10 (and a later order after as_of, ignored) -> R4 F1 M1 -> Promising
// C: 30 days, 4 orders, $400 - $50 return = $350 net -> R3 F4 M4 -> Loyal customers
// D: 100 days, 3 orders, $300 -> R2 F3 M3 -> At risk
// E: 300 days, 2 orders, $20 -> R1 F2 M2 -> Lost
// F: no orders -> No purchase yet
beforeAll(async () => {
  store = await createTestStore();
  bot = await createTestBot(store.db, store.dir);
  await seedCustomers(store.db, [
    {
      id: 'A',
      orders: [
        ['2026-06-29', 100],
        ['2026-06-01', 100],
        ['2026-05-01', 100],
        ['2026-04-01', 100],
        ['2026-03-01', 100],
      ],
    },
    {
      id: 'B',
      orders: [
        ['2026-06-20', 10],
        ['2026-07-15', 999],
      ],
    },
    {
      id: 'C',
      orders: [
        ['2026-05-31', 100],
        ['2026-05-01', 100],
        ['2026-04-01', 100],
        ['2026-03-01', 100],
        ['2026-06-05', -50, 0],
      ],
    },
    {
      id: 'D',
      orders: [
        ['2026-03-22', 100],
        ['2026-02-01', 100],
        ['2026-01-01', 100],
      ],
    },
    {
      id: 'E',
      orders: [
        ['2025-09-03', 10],
        ['2025-08-01', 10],
      ],
    },
    { id: 'F', signup: '2026-06-01' },
  ]);
});
afterAll(async () => store.close());

describe('/segment run method=rfm', () => {
  it('scores hand-made customers exactly and maps them to the named groups with actions', async () => {
    const answer = await run(bot, '/segment run method=rfm as_of=2026-06-30');
    expect(answer.ok, JSON.stringify(answer.data)).toBe(true);
    const { data } = answer;
    expect(data).toMatchObject({ method: 'rfm', k: 5, customers: 6, inertia: null });
    expect(data.segments.map((s: { name: string; size: number }) => [s.name, s.size])).toEqual([
      ['Champions', 1],
      ['Loyal customers', 1],
      ['Promising', 1],
      ['At risk', 1],
      ['Lost', 1],
      ['No purchase yet', 1],
    ]);
    expect(data.segments[0].action).toMatch(/loyalty/i);
    expect(data.transforms[0]).toEqual({ feature: 'recency', transform: 'quintile score 1-5 (recent = 5), cut points 8.2, 22, 58, 140' });
    expect(answer.view.notes!.join('\n')).toContain("A customer with one order is never Champions, Loyal customers or Can't lose them.");
    expect(answer.view.notes!.join('\n')).not.toContain('uninformative');
    expect(data.segments.find((s: { name: string }) => s.name === 'Loyal customers').revenue_share).toBeCloseTo(350 / 1180, 9);

    const scores: Record<string, string> = {};
    for (const segment of data.segments) {
      const exported = await run(bot, `/segment export ${segment.id}`);
      const [header, ...rows] = readFileSync(exported.data.file, 'utf8').trim().split('\n');
      expect(header).toBe('customer_id,recency,frequency,monetary,r_score,f_score,m_score');
      for (const row of rows) scores[row.split(',')[0]] = row;
    }
    expect(scores).toEqual({
      A: 'A,1,5,500,5,5,5',
      B: 'B,10,1,10,4,1,1',
      C: 'C,30,4,350,3,4,4',
      D: 'D,100,3,300,2,3,3',
      E: 'E,300,2,20,1,2,2',
      F: 'F,,0,,,,',
    });
  });

  it('rejects features= with method=rfm', async () => {
    const answer = await run(bot, '/segment run method=rfm features=recency,tenure');
    expect(answer.data.error.code).toBe('rfm_features');
  });

  it('runs in-process on an in-memory store configuration and shows the segment by name', async () => {
    const show = await run(bot, '/segment show champions');
    expect(show.data.segment.profile).toMatchObject({ recency: 1, frequency: 5, monetary: 500, r_score: 5, f_score: 5, m_score: 5 });
    expect(show.data.examples).toEqual([
      {
        customer_id: 'A',
        email: 'a•••@example.com',
        features: { recency: 1, frequency: 5, monetary: 500, r_score: 5, f_score: 5, m_score: 5 },
      },
    ]);
  });

  it('warns when as_of lies far past the latest purchase (or far before it) and names the as_of used', async () => {
    // the latest purchase is 2026-07-15 (B's order after the first run's as_of)
    const late = await run(bot, '/segment run method=rfm as_of=2030-01-01');
    expect(late.ok, late.view.text).toBe(true);
    const lateNotes = (late.view.notes ?? []).join('\n');
    expect(lateNotes).toMatch(/as_of 2030-01-01 is 1,266 days after the latest purchase \(2026-07-15\)/);
    expect(lateNotes).toMatch(/Used as_of 2030-01-01 as asked; leave as_of out to use 2026-07-15/);
    // the data here spans less than a year; the rule for an as_of far before the data, on its own
    expect(asOfWarning('2025-06-01', '2026-07-15')).toMatch(
      /as_of 2025-06-01 is 409 days before the latest purchase \(2026-07-15\): purchases after 2025-06-01 are left out/,
    );
    expect(asOfWarning('2026-01-01', '2026-07-15')).toBeUndefined();
    const near = await run(bot, '/segment run method=rfm as_of=2026-07-20');
    expect((near.view.notes ?? []).join('\n')).not.toMatch(/latest purchase/);
  });
});
