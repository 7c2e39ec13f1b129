import { describe, expect, it } from 'vitest';
import { SegmentationInputError } from '../../src/segmentation/errors.ts';
import {
  ONE_ORDER_MAX_COLUMN,
  RFM_GRID,
  RFM_GROUPS,
  RFM_GROUP_ORDER,
  quintileScores,
  rfm,
  rfmGroup,
  type RfmGroup,
} from '../../src/segmentation/rfm.ts';

const scoresOf = (values: number[]) => [...quintileScores(values).scores];

describe('quintileScores (cut points on values, ties share a score)', () => {
  it('matches pandas qcut(x, 5) on distinct values for n = 7 and n = 10', () => {
    expect(scoresOf([10, 20, 30, 40, 50, 60, 70])).toEqual([1, 1, 2, 3, 4, 5, 5]);
    expect(scoresOf([9, 8, 7, 6, 5, 4, 3, 2, 1, 0])).toEqual([5, 5, 4, 4, 3, 3, 2, 2, 1, 1]);
  });

  it('gives equal values the same score when a tie sits on a cut point', () => {
    // Cut points (type-7 quantiles): 1, 1.6, 3.4, 6.8; the four 1s are all at or below the first.
    const result = quintileScores([1, 1, 1, 1, 2, 3, 4, 6, 10, 12]);
    expect(result.cuts).toEqual([1, 1.6, 3.4, 6.8]);
    expect([...result.scores]).toEqual([1, 1, 1, 1, 3, 3, 4, 4, 5, 5]);
    // Six 3s straddle the 40% and 60% cut points (both exactly 3): all score 2, a bucket of 60%.
    expect(scoresOf([1, 2, 3, 3, 3, 3, 3, 3, 8, 9])).toEqual([1, 1, 2, 2, 2, 2, 2, 2, 5, 5]);
  });

  it('does not depend on the input order', () => {
    const values = [3, 1, 3, 2, 3, 1, 5, 3, 1, 4, 3, 2];
    const forward = scoresOf(values);
    const backward = scoresOf([...values].reverse()).reverse();
    expect(backward).toEqual(forward);
    const byValue = new Map<number, Set<number>>();
    values.forEach((v, i) => byValue.set(v, (byValue.get(v) ?? new Set()).add(forward[i])));
    for (const scores of byValue.values()) expect(scores.size).toBe(1);
  });

  it('reports a dimension with a single distinct value as uninformative, scoring nobody', () => {
    const result = quintileScores([1, 1, 1, 1]);
    expect(result.informative).toBe(false);
    expect(result.value).toBe(1);
    expect([...result.scores]).toEqual([0, 0, 0, 0]);
  });
});

describe('the R x F segment map', () => {
  it('is the common map: every cell named, corners as cited', () => {
    const seen = new Set<RfmGroup>();
    for (let r = 1; r <= 5; r++) for (let f = 1; f <= 5; f++) seen.add(rfmGroup(r, f));
    expect([...seen].sort()).toEqual([...RFM_GROUP_ORDER].sort());
    expect(Object.keys(RFM_GROUPS)).toEqual(RFM_GROUP_ORDER);
    expect([RFM_GRID[5][3], RFM_GRID[5][4]]).toEqual(['Champions', 'Champions']);
    expect([RFM_GRID[5][0], RFM_GRID[4][0]]).toEqual(['New customers', 'Promising']);
    expect([RFM_GRID[3][0], RFM_GRID[3][1], RFM_GRID[3][2]]).toEqual(['About to sleep', 'About to sleep', 'Need attention']);
    expect([RFM_GRID[3][3], RFM_GRID[4][4]]).toEqual(['Loyal customers', 'Loyal customers']);
    expect([RFM_GRID[4][1], RFM_GRID[5][2]]).toEqual(['Potential loyalists', 'Potential loyalists']);
    expect([RFM_GRID[2][2], RFM_GRID[1][3]]).toEqual(['At risk', 'At risk']);
    expect([RFM_GRID[2][4], RFM_GRID[1][4]]).toEqual(["Can't lose them", "Can't lose them"]);
    expect([RFM_GRID[2][0], RFM_GRID[2][1], RFM_GRID[1][0], RFM_GRID[1][1]]).toEqual(['Hibernating', 'Hibernating', 'Lost', 'Lost']);
    expect(() => rfmGroup(0, 3)).toThrow(RangeError);
  });

  it('never names a one-order customer Champions, Loyal customers or Can’t lose them', () => {
    expect(ONE_ORDER_MAX_COLUMN).toBe(3);
    for (let r = 1; r <= 5; r++)
      for (let c = 1; c <= 5; c++) {
        expect(['Champions', 'Loyal customers', "Can't lose them"]).not.toContain(rfmGroup(r, c, 1));
        if (c <= ONE_ORDER_MAX_COLUMN) expect(rfmGroup(r, c, 1)).toBe(rfmGroup(r, c));
      }
  });
});

describe('rfm', () => {
  it('scores and groups ten hand-computed customers', () => {
    const result = rfm({
      recencyDays: [5, 40, 40, 100, 200, 10, 365, 20, 60, 3],
      frequency: [10, 2, 1, 1, 1, 6, 1, 4, 3, 12],
      monetary: [900, 80, 40, 30, 20, 500, 15, 300, 150, 1200],
    });
    // Recency cut points 9, 32, 48, 120 days; frequency 1, 1.6, 3.4, 6.8; monetary 28, 64, 210, 580.
    expect([...result.r]).toEqual([5, 3, 3, 2, 1, 4, 1, 4, 2, 5]);
    expect([...result.f]).toEqual([5, 3, 1, 1, 1, 4, 1, 4, 3, 5]);
    expect([...result.m]).toEqual([5, 3, 2, 2, 1, 4, 1, 4, 3, 5]);
    expect(result.column).toBe('frequency');
    expect(result.groups).toEqual([
      'Champions',
      'Need attention',
      'About to sleep',
      'Hibernating',
      'Lost',
      'Loyal customers',
      'Lost',
      'Loyal customers',
      'At risk',
      'Champions',
    ]);
  });

  it('when everyone bought once: frequency is uninformative, names use R and M, nobody is a Champion', () => {
    const result = rfm({
      recencyDays: [1, 2, 3, 4, 5, 1],
      frequency: [1, 1, 1, 1, 1, 1],
      monetary: [500, 400, 300, 200, 100, 500],
    });
    expect(result.dimensions.frequency).toMatchObject({ informative: false, value: 1 });
    expect(result.column).toBe('monetary');
    expect([...result.f]).toEqual([0, 0, 0, 0, 0, 0]);
    expect([...result.r]).toEqual([5, 4, 3, 2, 1, 5]);
    // Cut points 200, 300, 400, 500: the two top spenders tie on the last one and share score 4.
    expect([...result.m]).toEqual([4, 3, 2, 1, 1, 4]);
    // R5 M4 would be Champions; with one order the column is capped at 3.
    expect(rfmGroup(5, 4)).toBe('Champions');
    expect(result.groups).toEqual([
      'Potential loyalists',
      'Potential loyalists',
      'About to sleep',
      'Hibernating',
      'Lost',
      'Potential loyalists',
    ]);
  });

  it('names by R alone, one-order column, when frequency and spend have no spread', () => {
    const result = rfm({ recencyDays: [1, 30, 60, 90, 120], frequency: [1, 1, 1, 1, 1], monetary: [20, 20, 20, 20, 20] });
    expect(result.column).toBeNull();
    expect(result.groups).toEqual(['New customers', 'Promising', 'About to sleep', 'Hibernating', 'Lost']);
  });

  it('never makes a one-order customer Champions or Loyal on seeded random data', () => {
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const n = 2000;
    const frequency = Array.from({ length: n }, () => (next() < 0.6 ? 1 : 1 + Math.floor(next() * 8)));
    const result = rfm({
      recencyDays: Array.from({ length: n }, () => Math.floor(next() * 400)),
      frequency,
      monetary: frequency.map((f) => Math.round(f * next() * 20000) / 100),
    });
    result.groups.forEach((group, i) => {
      if (frequency[i] === 1) expect(['Champions', 'Loyal customers', "Can't lose them"]).not.toContain(group);
    });
    expect(result.groups).toContain('Champions');
  });

  it('refuses customers who are identical on all three, and missing values, as input errors', () => {
    expect(() => rfm({ recencyDays: [3, 3], frequency: [1, 1], monetary: [9, 9] })).toThrow(expect.objectContaining({ code: 'no_spread' }));
    expect(() => rfm({ recencyDays: [1, Number.NaN], frequency: [1, 2], monetary: [1, 2] })).toThrow(SegmentationInputError);
    expect(() => rfm({ recencyDays: [], frequency: [], monetary: [] })).toThrow(SegmentationInputError);
  });
});
