import { describe, expect, it } from 'vitest';
import { minimize, minimizeBfgs, minimizeNelderMead } from '../../../src/metrics/clv/optimizer.ts';
import type { Objective } from '../../../src/metrics/clv/optimizer.ts';

const rosenbrock: Objective = (x, g) => {
  const [a, b] = [x[0], x[1]];
  g[0] = -2 * (1 - a) - 400 * a * (b - a * a);
  g[1] = 200 * (b - a * a);
  return (1 - a) ** 2 + 100 * (b - a * a) ** 2;
};

describe('optimizer', () => {
  it('BFGS solves Rosenbrock from the classic start', () => {
    const result = minimizeBfgs(rosenbrock, [-1.2, 1]);
    expect(result.converged).toBe(true);
    expect(result.x[0]).toBeCloseTo(1, 6);
    expect(result.x[1]).toBeCloseTo(1, 6);
    expect(result.iterations).toBeLessThan(100);
  });

  it('Nelder-Mead minimises a shifted quadratic', () => {
    const result = minimizeNelderMead((x) => (x[0] - 3) ** 2 + 2 * (x[1] + 1) ** 2 + 5, [0, 0]);
    expect(result.x[0]).toBeCloseTo(3, 4);
    expect(result.x[1]).toBeCloseTo(-1, 4);
    expect(result.f).toBeCloseTo(5, 8);
  });

  it('survives an objective that is infinite away from its domain', () => {
    const logBarrier: Objective = (x, g) => {
      if (x[0] <= 0) return Number.POSITIVE_INFINITY;
      g[0] = 1 - 1 / x[0];
      return x[0] - Math.log(x[0]);
    };
    const result = minimize(logBarrier, [10]);
    expect(result.x[0]).toBeCloseTo(1, 6);
  });
});
