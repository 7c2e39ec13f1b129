import { describe, expect, it } from 'vitest';
import { quantileSample } from '../../../src/metrics/clv-model.ts';

describe('quantileSample', () => {
  it('keeps every value of a small list, sorted', () => {
    expect(quantileSample([3, 1, 2], 10)).toEqual([1, 2, 3]);
  });

  it('samples evenly spaced quantiles and always keeps the smallest and the largest value', () => {
    const values = Array.from({ length: 10_001 }, (_, i) => (i === 777 ? 98_765.43 : i % 5000));
    const sample = quantileSample(values, 2000);
    expect(sample).toHaveLength(2000);
    expect(sample[0]).toBe(0);
    expect(sample.at(-1)).toBe(98_765.43);
    expect(sample[1000]).toBeCloseTo(2500, -2);
  });
});
