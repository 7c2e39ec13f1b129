import { describe, expect, it } from 'vitest';
import { digamma, hyp2f1, logAddExp, logGamma } from '../../../src/metrics/clv/special-functions.ts';

describe('special functions (reference values from mpmath at 30 digits)', () => {
  it('logGamma', () => {
    expect(logGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 13);
    expect(logGamma(10)).toBeCloseTo(Math.log(362880), 12);
    expect(logGamma(0.242593)).toBeCloseTo(1.319815984069629, 13);
    expect(logGamma(123.456)).toBeCloseTo(469.60554712992948, 10);
  });

  it('digamma', () => {
    expect(digamma(1)).toBeCloseTo(-0.5772156649015329, 13);
    expect(digamma(0.3)).toBeCloseTo(-3.5025242222001331, 12);
    expect(digamma(17.25)).toBeCloseTo(2.818546676986557, 13);
  });

  it('hyp2f1 against closed forms and mpmath', () => {
    for (const z of [0.1, 0.5, 0.9, 0.999]) expect(hyp2f1(1, 1, 2, z)).toBeCloseTo(-Math.log(1 - z) / z, 11);
    expect(hyp2f1(0.7, 2.5, 2.5, 0.6)).toBeCloseTo(Math.pow(0.4, -0.7), 13);
    expect(hyp2f1(0.242593, 2.425754, 2.21864, 0.5)).toBeCloseTo(1.2067347764126311, 13);
    expect(hyp2f1(1.5, -0.2, 3.7, -0.8)).toBeCloseTo(1.0562166449052396, 13);
    expect(hyp2f1(0.3, 0.8, 1.1, 0.999)).toBeCloseTo(2.7923393479911394, 10);
    expect(hyp2f1(50.24, 52.43, 52.22, 0.95) / 4.3012333076924465e65).toBeCloseTo(1, 11);
    expect(hyp2f1(-3, 2, 5, 0.5)).toBeCloseTo(
      1 - (3 * 2 * 0.5) / 5 + (3 * 2 * 2 * 3 * 0.25) / (5 * 6 * 2) - (3 * 2 * 1 * 2 * 3 * 4 * 0.125) / (5 * 6 * 7 * 6),
      14,
    );
  });

  it('hyp2f1 refuses |z| >= 1', () => {
    expect(() => hyp2f1(1, 1, 2, 1)).toThrow(RangeError);
  });

  it('logAddExp does not overflow', () => {
    expect(logAddExp(1000, 1000)).toBeCloseTo(1000 + Math.log(2), 12);
    expect(logAddExp(-Infinity, 3)).toBe(3);
  });
});
