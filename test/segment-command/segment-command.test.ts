import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bot } from '../../src/core/bot.ts';
import type { ProgressUpdate } from '../../src/core/context.ts';
import { resolveSegment, segmentMemberIds } from '../../src/segmentation/runs.ts';
import { createTestBot, run } from '../helpers/bot.ts';
import { createTestStore, type TestStore } from '../helpers/store.ts';
import { personaCustomers, seedCustomers } from './seed.ts';

let store: TestStore;
let bot: Bot;

beforeAll(async () => {
  store = await createTestStore();
  bot = await createTestBot(store.db, store.dir, { env: { DATABASE_URL: store.url } });
  await seedCustomers(store.db, personaCustomers(300, 20));
  await seedCustomers(store.db, [
    { id: '=HYPERLINK("x")', email: 'evil@example.com', orders: [['2024-01-10', 55]] },
    {
      id: 'EARLY',
      orders: [
        ['2024-01-20', 80],
        ['2024-02-10', 20],
      ],
    },
  ]);
});
afterAll(async () => store.close());

describe('/segment run (k-means)', () => {
  it('clusters purchasers, keeps non-buyers apart, names and profiles every segment', async () => {
    const answer = await run(bot, '/segment run k=3 seed=3 as_of=2026-06-30 name=June');
    expect(answer.ok, JSON.stringify(answer.data)).toBe(true);
    const data = answer.data;
    expect(data).toMatchObject({ method: 'kmeans', k: 3, as_of: '2026-06-30', name: 'June', customers: 322 });
    expect(data.segments).toHaveLength(4);
    const last = data.segments.at(-1);
    expect(last).toMatchObject({ name: 'No purchase yet', size: 20 });
    const clustered = data.segments.slice(0, 3);
    expect(clustered.map((s: { size: number }) => s.size).reduce((a: number, b: number) => a + b)).toBe(302);
    expect(new Set(data.segments.map((s: { name: string }) => s.name)).size).toBe(4);
    for (const s of data.segments) {
      expect(Object.keys(s).sort()).toEqual(['action', 'id', 'name', 'profile', 'revenue_share', 'share', 'size']);
      expect(s.action.length).toBeGreaterThan(10);
    }
    expect(data.segments.reduce((a: number, s: { share: number }) => a + s.share, 0)).toBeCloseTo(1, 9);
    expect(data.segments.reduce((a: number, s: { revenue_share: number }) => a + s.revenue_share, 0)).toBeCloseTo(1, 9);
    expect(last.revenue_share).toBe(0);
    expect(data.transforms.map((t: { feature: string }) => t.feature)).toEqual(['recency', 'frequency', 'monetary']);
    expect(data.transforms.every((t: { transform: string }) => /z-score/.test(t.transform))).toBe(true);
    expect(existsSync(data.chart)).toBe(true);
    expect(answer.view.text).toContain('Transforms: recency:');
    expect(answer.view.charts).toHaveLength(1);
    // the frequent big spenders persona is found and named after its profile
    const big = clustered.find((s: { profile: { monetary: number } }) => s.profile.monetary > 500);
    expect(big.name).toMatch(/high spenders/i);
    expect(big.profile.frequency).toBeGreaterThan(5);
  });

  it('is deterministic for a seed, and k=auto shows inertia and silhouette per k', async () => {
    const again = await run(bot, '/segment run k=3 seed=3 as_of=2026-06-30');
    const first = await resolveSegment(store.db, 1);
    expect(again.data.segments[0]).toMatchObject({ name: first.name, size: first.size });
    const auto = await run(bot, '/segment run seed=3 as_of=2026-06-30');
    expect(auto.ok).toBe(true);
    expect(auto.data.k_choice.scores.map((s: { k: number }) => s.k)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(auto.data.k).toBe(auto.data.k_choice.best);
    expect(existsSync(auto.data.k_chart)).toBe(true);
    expect(auto.view.charts).toHaveLength(2);
    expect(auto.view.text).toMatch(/k=auto tried k=2\.\.10 and chose \*k=\d+\*/);
  });

  it('gives clear errors: unknown feature, no variance, too few customers for k, bad k', async () => {
    const unknown = await run(bot, '/segment run features=recency,shoe_size');
    expect(unknown.ok).toBe(false);
    expect(unknown.data.error.message).toContain('No feature `shoe_size`.');
    expect(unknown.data.error.hint).toContain('Available features: recency, frequency, monetary, tenure, aov, age, plan');

    const flat = await run(bot, '/segment run k=3 features=recency,plan as_of=2026-06-30');
    expect(flat.data.error.message).toContain('Feature `plan` has the same value (1)');

    const few = await run(bot, '/segment run k=5 as_of=2024-02-01');
    expect(few.ok).toBe(false);
    expect(few.data.error.code).toBe('too_few_customers');
    expect(few.data.error.message).toBe('Only 2 customers with purchases as of 2024-02-01: too few for k=5.');

    const badK = await run(bot, '/segment run k=20');
    expect(badK.data.error.message).toContain('`k` must be auto|2..12');
    const rfmK = await run(bot, '/segment run method=rfm k=4');
    expect(rfmK.data.error.code).toBe('rfm_k');
  });
});

describe('/segment list, show, export, compare', () => {
  it('lists runs newest first with their segments', async () => {
    const answer = await run(bot, '/segment list');
    const ids = answer.data.runs.map((r: { run_id: number }) => r.run_id);
    expect(ids).toEqual([...ids].sort((a: number, b: number) => b - a));
    expect(answer.data.runs.at(-1)).toMatchObject({ name: 'June', created_by: 'tester', k: 3 });
    expect(answer.view.text).toContain('No purchase yet');
  });

  it('shows a segment by name (latest run wins, any case) with masked emails', async () => {
    const latest = (await run(bot, '/segment list limit=1')).data.runs[0];
    const answer = await run(bot, '/segment show "NO PURCHASE YET"');
    expect(answer.ok).toBe(true);
    expect(answer.data.run_id).toBe(latest.run_id);
    expect(answer.data.segment.size).toBe(20);
    expect(answer.data.examples).toHaveLength(5);
    expect(answer.data.examples[0].email).toBe('n•••@example.com');
    expect(JSON.stringify(answer)).not.toContain('n00001@example.com');
    const missing = await run(bot, '/segment show Nobody');
    expect(missing.data.error.message).toBe('No segment `Nobody`.');
    expect(missing.data.error.hint).toContain('No purchase yet');
  });

  it('exports a segment as CSV with its features as of the run, formulas neutralized', async () => {
    const segment = await resolveSegment(store.db, 1);
    const answer = await run(bot, `/segment export ${segment.id}`);
    expect(answer.data.rows).toBe(segment.size);
    expect(answer.view.files?.[0]?.path).toBe(answer.data.file);
    const lines = readFileSync(answer.data.file, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('customer_id,recency,frequency,monetary');
    expect(lines).toHaveLength(segment.size + 1);
    const ids = await segmentMemberIds(store.db, segment.id);
    expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual(ids.map((id) => (id.startsWith('=') ? `"'${id.replace(/"/g, '""')}"` : id)));
    const evil = (await run(bot, '/segment list limit=50')).data.runs
      .at(-1)
      .segments.find((s: { id: number }) => ids.includes('=HYPERLINK("x")') && s.id === segment.id);
    if (evil) expect(readFileSync(answer.data.file, 'utf8')).toContain(`"'=HYPERLINK(""x"")"`);
  });

  it('compares the two latest runs, and two named ones', async () => {
    const answer = await run(bot, '/segment compare');
    expect(answer.ok).toBe(true);
    const total = answer.data.moves.reduce((a: number, m: { customers: number }) => a + m.customers, 0);
    expect(total).toBe(322);
    const june = await run(bot, '/segment compare June 2');
    expect(june.data.from_run).toBe(1);
    expect(june.data.stayed).toBe(322);
    expect(june.data.moves.every((m: { from: string; to: string }) => m.from === m.to)).toBe(true);
    const moved = answer.data.moves.find((m: { from: string; to: string }) => m.from !== m.to);
    if (moved) expect(answer.view.text).toContain(`${moved.customers.toLocaleString('en-US')} ${moved.from} became ${moved.to}`);
    const same = await run(bot, '/segment compare 1 1');
    expect(same.data.error.code).toBe('same_run');
  });

  it('keeps old runs as they were when a newer run exists', async () => {
    const first = await resolveSegment(store.db, 1);
    await run(bot, '/segment run k=4 seed=9 as_of=2026-06-30');
    expect(await resolveSegment(store.db, 1)).toEqual(first);
    expect((await segmentMemberIds(store.db, 1)).length).toBe(first.size);
  });
});

describe('/segment run never blocks the bot', () => {
  it('answers /help while a run is working in a worker thread, and reports progress', async () => {
    const updates: ProgressUpdate[] = [];
    let settled = false;
    const pending = run(bot, '/segment run seed=4 as_of=2026-06-30 features=recency,frequency,monetary,tenure,aov', undefined, {
      onProgress: (u) => updates.push(u),
    }).then((answer) => {
      settled = true;
      return answer;
    });
    const help = await run(bot, '/help');
    expect(help.ok).toBe(true);
    expect(settled).toBe(false);
    const answer = await pending;
    expect(answer.ok, JSON.stringify(answer.data)).toBe(true);
    expect(updates.length).toBeGreaterThan(0);
    expect(updates[0].message).toBe('reading customer features');
  });
});
