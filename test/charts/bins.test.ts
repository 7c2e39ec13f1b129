import { describe, expect, it } from 'vitest';
import { binLabel, binValues } from '../../src/charts/bins.ts';

const total = (bins: { count: number }[]) => bins.reduce((a, b) => a + b.count, 0);

describe('binValues', () => {
  it('uses equal 1-2-5 widths for a spread-out distribution, the largest value in the last bin', () => {
    const values = Array.from({ length: 101 }, (_, i) => 10 + i * 0.9);
    const { scale, bins } = binValues(values);
    expect(scale).toBe('linear');
    expect(total(bins)).toBe(101);
    const widths = new Set(bins.map((b) => +(b.to - b.from).toFixed(9)));
    expect([...widths]).toEqual([10]);
    expect(bins[0]!.from).toBe(10);
    expect(bins.at(-1)!.to).toBeGreaterThanOrEqual(100);
    expect(bins.at(-1)!.count).toBeGreaterThan(0);
  });

  it('keeps a largest value that falls on an edge inside the last bin', () => {
    const { bins } = binValues([0, 5, 10, 20]);
    expect(bins.at(-1)!.to).toBe(20);
    expect(bins.at(-1)!.count).toBe(1);
    expect(total(bins)).toBe(4);
  });

  it('switches to 1-2-5 log bins when the top is far above the median, from 0 up past the top', () => {
    const values = [...Array.from({ length: 900 }, (_, i) => 20 + (i % 60)), 150, 400, 900, 2500, 12_345];
    const { scale, bins } = binValues(values);
    expect(scale).toBe('log');
    expect(total(bins)).toBe(values.length);
    expect(bins.at(-1)).toEqual({ from: 10_000, to: 20_000, count: 1 });
    for (const b of bins.slice(1)) expect([2, 2.5]).toContain(+(b.to / b.from).toFixed(6));
    expect(bins.length).toBeLessThanOrEqual(15);
  });

  it('puts zeros in a first bin from 0 and drops it when it is empty', () => {
    const zeros = binValues([0, 0, 0, 0, 1, 2, 3, 500]);
    expect(zeros.scale).toBe('log');
    expect(zeros.bins[0]!.from).toBe(0);
    expect(zeros.bins[0]!.count).toBeGreaterThanOrEqual(4);
    const positive = binValues([10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 5000]);
    expect(positive.bins[0]!.from).toBeGreaterThan(0);
    expect(positive.bins[0]!.count).toBeGreaterThan(0);
  });

  it('bins equal values, negative values and a single value', () => {
    expect(binValues([50, 50, 50]).bins).toEqual([{ from: 50, to: 55, count: 3 }]);
    const negative = binValues([-120, -5, 0, 3, 40, 2000]);
    expect(negative.scale).toBe('linear');
    expect(total(negative.bins)).toBe(6);
    expect(binValues([7]).bins).toHaveLength(1);
    expect(() => binValues([Number.NaN])).toThrow(/no finite values/);
  });

  it('labels bins compactly, in the currency when given', () => {
    expect(binLabel({ from: 1000, to: 2000 }, 'USD')).toBe('$1K–2K');
    expect(binLabel({ from: 0, to: 0.5 }, 'USD')).toBe('$0–0.5');
    expect(binLabel({ from: 1250, to: 1500 })).toBe('1.25K–1.5K');
    expect(binLabel({ from: 10, to: 20 }, 'EUR')).toBe('€10–20');
  });
});
