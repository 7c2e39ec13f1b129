import { describe, expect, it } from 'vitest';
import { generateCustomers } from '../../bench/segmentation-core.ts';
import { segmentCustomers } from '../../src/segmentation/segment-customers.ts';

describe('segmentCustomers', () => {
  const raw = generateCustomers(3000, 5);

  it('runs transforms, k = auto, clustering and naming deterministically', () => {
    const a = segmentCustomers(raw, { seed: 2 });
    const b = segmentCustomers(raw, { seed: 2 });
    expect([...a.labels]).toEqual([...b.labels]);
    expect(a.choice?.best).toBe(a.k);
    expect(a.segments).toHaveLength(a.k);
    expect(a.segments.reduce((n, s) => n + s.size, 0)).toBe(3000);
    expect(new Set(a.segments.map((s) => s.name)).size).toBe(a.k);
    expect(a.transforms.map((t) => t.description)).toContain('log, z-score');
  });

  it('honours a fixed k', () => {
    const result = segmentCustomers(raw, { k: 4, seed: 2 });
    expect(result.k).toBe(4);
    expect(result.choice).toBeUndefined();
    expect(result.segments.every((s) => s.action.length > 0 && s.means.length === 5)).toBe(true);
  });
});
