import { describe, expect, it } from 'vitest';
import { SegmentationInputError } from '../../src/segmentation/errors.ts';
import { RFM_GRID, RFM_GROUP_ACTIONS, fmScore, quintileScores, rfm, rfmGroup } from '../../src/segmentation/rfm.ts';

describe('quintileScores (rank-based, ties by input order)', () => {
  it('matches pandas qcut(rank(method="first"), 5) for n = 7 and n = 10', () => {
    expect([...quintileScores([10, 20, 30, 40, 50, 60, 70])]).toEqual([1, 1, 2, 3, 4, 5, 5]);
    expect([...quintileScores([9, 8, 7, 6, 5, 4, 3, 2, 1, 0])]).toEqual([5, 5, 4, 4, 3, 3, 2, 2, 1, 1]);
  });

  it('breaks ties by input order, so equal values may straddle a boundary', () => {
    expect([...quintileScores([1, 1, 1, 1, 2, 3, 4, 6, 10, 12])]).toEqual([1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
  });

  it('gives a lone customer the middle score', () => {
    expect([...quintileScores([42])]).toEqual([3]);
  });
});

describe('rfm', () => {
  it('scores and groups ten hand-computed customers', () => {
    const result = rfm({
      recencyDays: [5, 40, 40, 100, 200, 10, 365, 20, 60, 3],
      frequency: [10, 2, 1, 1, 1, 6, 1, 4, 3, 12],
      monetary: [900, 80, 40, 30, 20, 500, 15, 300, 150, 1200],
    });
    expect([...result.r]).toEqual([5, 3, 3, 2, 1, 4, 1, 4, 2, 5]);
    expect([...result.f]).toEqual([5, 3, 1, 1, 2, 4, 2, 4, 3, 5]);
    expect([...result.m]).toEqual([5, 3, 2, 2, 1, 4, 1, 4, 3, 5]);
    expect([...result.fm]).toEqual([5, 3, 2, 2, 2, 4, 2, 4, 3, 5]);
    expect(result.groups).toEqual([
      'Champions',
      'At risk',
      'Hibernating',
      'Hibernating',
      'Lost',
      'Loyal',
      'Lost',
      'Loyal',
      'At risk',
      'Champions',
    ]);
  });

  it("finds New, Potential loyalists and Can't lose them", () => {
    const result = rfm({
      recencyDays: [1, 2, 100, 50, 10],
      frequency: [1, 2, 50, 10, 5],
      monetary: [10, 40, 5000, 100, 20],
    });
    expect([...result.r]).toEqual([5, 4, 1, 2, 3]);
    expect([...result.fm]).toEqual([1, 3, 5, 4, 3]);
    expect(result.groups).toEqual(['New', 'Potential loyalists', "Can't lose them", 'At risk', 'At risk']);
  });

  it('rounds the FM mean half up', () => {
    expect(fmScore(1, 2)).toBe(2);
    expect(fmScore(4, 5)).toBe(5);
    expect(fmScore(3, 3)).toBe(3);
  });

  it('has a group and an action for every cell of the grid', () => {
    const seen = new Set<string>();
    for (let r = 1; r <= 5; r++) for (let fm = 1; fm <= 5; fm++) seen.add(rfmGroup(r, fm));
    expect([...seen].sort()).toEqual(Object.keys(RFM_GROUP_ACTIONS).sort());
    expect(RFM_GRID[5][4]).toBe('Champions');
    expect(RFM_GRID[1][0]).toBe('Lost');
    expect(() => rfmGroup(0, 3)).toThrow(RangeError);
  });

  it('rejects missing values and empty input as input errors', () => {
    expect(() => rfm({ recencyDays: [1, Number.NaN], frequency: [1, 2], monetary: [1, 2] })).toThrow(SegmentationInputError);
    expect(() => rfm({ recencyDays: [], frequency: [], monetary: [] })).toThrow(SegmentationInputError);
  });
});
