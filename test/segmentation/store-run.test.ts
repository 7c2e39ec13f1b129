import SQLite from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  getRun,
  listRuns,
  MEMBERS_PER_COMMIT,
  resolveRun,
  resolveSegment,
  storeRun,
  type Memberships,
  type NewRun,
  type NewSegment,
} from '../../src/segmentation/runs.ts';
import { sqlitePath } from '../../src/store/database.ts';
import { createTestStore, testPostgresUrl, type TestStore } from '../helpers/store.ts';

// storeRun commits memberships in short transactions; the run stays invisible until all are in.
let store: TestStore;

beforeAll(async () => {
  store = await createTestStore();
});
afterAll(async () => store.close());

const newRun = (name: string): NewRun => ({
  name,
  method: 'kmeans',
  k: 2,
  as_of: '2026-06-30',
  features: ['recency'],
  parameters: {},
  details: { overall: {}, transforms: [], missing: 0, currency: 'EUR' },
  customers: 0,
  inertia: null,
  created_at: '2026-11-25T10:00:00Z',
  created_by: 'tester',
  platform: 'console',
});
const segments = (prefix: string): NewSegment[] =>
  ['A', 'B'].map((n) => ({
    name: `${prefix} ${n}`,
    kind: 'cluster',
    size: 0,
    share: 0.5,
    revenue_share: null,
    action: 'act',
    profile: {},
  }));

function memberships(n: number, failAt = -1): Memberships {
  const segment = new Int32Array(n);
  for (let i = 0; i < n; i++) segment[i] = i % 7 === 6 ? -1 : i % 2;
  return {
    ids: Array.from({ length: n }, (_, i) => `c${String(i).padStart(6, '0')}`),
    segment,
    featureText: (i) => {
      if (i === failAt) throw new Error('worker died');
      return `{"recency":${i}}`;
    },
  };
}

const count = async (table: 'segment_members' | 'segments' | 'segment_runs') =>
  Number(
    (
      await store.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

describe('storeRun', () => {
  it('stores every membership across several short transactions; the run is invisible until complete', async () => {
    const n = MEMBERS_PER_COMMIT * 3 + 12_345;
    let included = 0;
    for (let i = 0; i < n; i++) if (i % 7 !== 6) included++;
    let seenMidway: Promise<unknown[]> | undefined;
    const { runId, segmentIds } = await storeRun(store.db, newRun('big'), segments('Big'), memberships(n), (stored) => {
      if (stored < included && !seenMidway) {
        seenMidway = Promise.all([
          listRuns(store.db),
          resolveSegment(store.db, 'Big A').catch((e: Error) => e.message),
          store.db.selectFrom('segment_runs').select('status').where('name', '=', 'big').execute(),
          store.db
            .selectFrom('segment_members')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow(),
        ]);
      }
    });
    expect(seenMidway).toBeDefined();
    const [runsMidway, segmentMidway, statusMidway, membersMidway] = await seenMidway!;
    expect((runsMidway as { name: string }[]).map((r) => r.name)).not.toContain('big');
    expect(segmentMidway).toMatch(/No segment `Big A`/);
    expect(statusMidway).toEqual([{ status: 'storing' }]);
    // some chunks already committed while the run is still hidden
    expect(Number((membersMidway as { n: number }).n)).toBeGreaterThanOrEqual(MEMBERS_PER_COMMIT);
    const members = await store.db.selectFrom('segment_members').select('customer_id').where('run_id', '=', runId).execute();
    expect(members).toHaveLength(included);
    expect((await getRun(store.db, runId))?.name).toBe('big');
    expect((await resolveSegment(store.db, 'Big A')).id).toBe(segmentIds[0]);
    expect((await store.db.selectFrom('segment_runs').select('status').where('id', '=', runId).executeTakeFirstOrThrow()).status).toBe(
      'complete',
    );
  }, 60_000);

  it('a store that fails midway leaves nothing behind', async () => {
    const before = await Promise.all([count('segment_runs'), count('segments'), count('segment_members')]);
    await expect(
      storeRun(store.db, newRun('broken'), segments('Broken'), memberships(MEMBERS_PER_COMMIT + 500, MEMBERS_PER_COMMIT + 100)),
    ).rejects.toThrow('worker died');
    expect(await Promise.all([count('segment_runs'), count('segments'), count('segment_members')])).toEqual(before);
  }, 60_000);

  it('a run a crash left storing is ignored by readers and dropped by the next run', async () => {
    const crashed = await store.db
      .insertInto('segment_runs')
      .values({ ...newRun('crashed'), features: '[]', parameters: '{}', details: '{}', status: 'storing' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const crashedId = Number(crashed.id);
    const segment = await store.db
      .insertInto('segments')
      .values({
        run_id: crashedId,
        position: 0,
        name: 'Crashed A',
        kind: 'cluster',
        size: 1,
        share: 1,
        revenue_share: null,
        action: 'x',
        profile: '{}',
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await store.db
      .insertInto('segment_members')
      .values({ run_id: crashedId, customer_id: 'c1', segment_id: Number(segment.id), feature_values: '{}' })
      .execute();

    expect((await listRuns(store.db, 100)).map((r) => r.id)).not.toContain(crashedId);
    expect(await getRun(store.db, crashedId)).toBeUndefined();
    await expect(resolveRun(store.db, 'crashed')).rejects.toThrow(/No segmentation run/);
    await expect(resolveSegment(store.db, 'Crashed A')).rejects.toThrow(/No segment/);
    await expect(resolveSegment(store.db, Number(segment.id))).rejects.toThrow(/No segment/);

    await storeRun(store.db, newRun('next'), segments('Next'), memberships(10));
    expect(await store.db.selectFrom('segment_runs').select('id').where('id', '=', crashedId).executeTakeFirst()).toBeUndefined();
    expect(await store.db.selectFrom('segment_members').select('customer_id').where('run_id', '=', crashedId).execute()).toEqual([]);
    expect(await store.db.selectFrom('segments').select('id').where('run_id', '=', crashedId).execute()).toEqual([]);
  });
});

describe.skipIf(testPostgresUrl() !== undefined)('storeRun on a SQLite file (better-sqlite3 fast path)', () => {
  const file = () => sqlitePath(store.url);

  it('stores every membership in committed chunks; the run stays storing until the last one', async () => {
    const n = MEMBERS_PER_COMMIT * 4 + 777;
    let included = 0;
    for (let i = 0; i < n; i++) if (i % 7 !== 6) included++;
    let midway: { status: string; members: number } | undefined;
    const reader = new SQLite(file(), { readonly: true });
    try {
      const { runId } = await storeRun(
        store.db,
        newRun('fast'),
        segments('Fast'),
        memberships(n),
        (stored) => {
          // the fast path runs synchronously, so look through a connection of our own
          if (stored < included && stored > MEMBERS_PER_COMMIT && !midway) {
            const row = reader
              .prepare(
                "select status, (select count(*) from segment_members m where m.run_id = r.id) as members from segment_runs r where name = 'fast'",
              )
              .get() as { status: string; members: number };
            midway = row;
          }
        },
        { sqliteFile: file() },
      );
      expect(midway?.status).toBe('storing');
      expect(midway!.members).toBeGreaterThanOrEqual(MEMBERS_PER_COMMIT);
      const members = await store.db
        .selectFrom('segment_members')
        .select(['customer_id', 'segment_id', 'feature_values'])
        .where('run_id', '=', runId)
        .orderBy('customer_id')
        .execute();
      expect(members).toHaveLength(included);
      expect(members[1]).toEqual({ customer_id: 'c000001', segment_id: members[1].segment_id, feature_values: '{"recency":1}' });
      expect((await getRun(store.db, runId))?.name).toBe('fast');
    } finally {
      reader.close();
    }
  }, 60_000);

  it('a fast-path store that fails midway leaves nothing behind', async () => {
    const before = await Promise.all([count('segment_runs'), count('segments'), count('segment_members')]);
    await expect(
      storeRun(
        store.db,
        newRun('broken fast'),
        segments('Broken fast'),
        memberships(MEMBERS_PER_COMMIT + 500, MEMBERS_PER_COMMIT + 100),
        undefined,
        { sqliteFile: file() },
      ),
    ).rejects.toThrow('worker died');
    expect(await Promise.all([count('segment_runs'), count('segments'), count('segment_members')])).toEqual(before);
  }, 60_000);
});
