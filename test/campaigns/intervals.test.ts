import { describe, expect, it } from 'vitest';
import { fiellerRatio, newcombe, wilson } from '../../src/campaigns/stats.ts';

// Published examples: Newcombe (1998), Statistics in Medicine 17:857–872 (Wilson 81/263; method 10, 56/70 vs 48/80).
describe('interval formulas against published values', () => {
  it('Wilson score interval', () => {
    const { ci } = wilson(81, 263)!;
    expect(ci[0]).toBeCloseTo(0.2553, 4);
    expect(ci[1]).toBeCloseTo(0.3662, 4);
    expect(wilson(0, 10)!.ci[0]).toBe(0);
    expect(wilson(0, 0)).toBeNull();
  });

  it('Newcombe hybrid score interval for a difference of proportions', () => {
    const { difference, ci } = newcombe(56, 70, 48, 80)!;
    expect(difference).toBeCloseTo(0.2, 10);
    expect(ci[0]).toBeCloseTo(0.0524, 4);
    expect(ci[1]).toBeCloseTo(0.3339, 4);
  });

  it('Fieller: asymmetric around the ratio, unbounded when the denominator may be zero', () => {
    const bounded = fiellerRatio(10, 1, 5, 0.25, 1.96)!;
    expect(bounded.ratio).toBe(2);
    expect(bounded.ci[1] - bounded.ratio).toBeGreaterThan(bounded.ratio - bounded.ci[0]);
    // denominator 1 ± 1.96 x 1 crosses zero
    expect(fiellerRatio(10, 1, 1, 1, 1.96)).toBeNull();
  });
});
