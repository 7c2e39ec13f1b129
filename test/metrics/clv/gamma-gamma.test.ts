import { describe, expect, it } from 'vitest';
import {
  expectedAverageSpend,
  fitGammaGamma,
  gammaGammaLogLikelihood,
  gammaGammaLogLikelihoodGradient,
} from '../../../src/metrics/clv/gamma-gamma.ts';
import type { GammaGammaParams } from '../../../src/metrics/clv/gamma-gamma.ts';
import { expectRelativelyClose, hasCdnow, loadCdnowSummaryWithTransactions } from './cdnow-data.ts';

describe('Gamma-Gamma', () => {
  it('expected average spend by hand', () => {
    const params: GammaGammaParams = { p: 2, q: 3, gamma: 10 };
    expect(expectedAverageSpend(params, 0, 0)).toBeCloseTo(10, 12);
    const w = (2 * 4) / (2 * 4 + 2);
    expect(expectedAverageSpend(params, 4, 50)).toBeCloseTo((1 - w) * 10 + w * 50, 12);
  });

  it('the analytic gradient matches central finite differences and non-buyers are ignored', () => {
    const data = { x: [1, 2, 5, 0, 3], monetary: [12, 30.5, 8, 0, 19] };
    const params: GammaGammaParams = { p: 3, q: 2.5, gamma: 9 };
    const { loglik, gradient } = gammaGammaLogLikelihoodGradient(params, data);
    expect(loglik).toBeCloseTo(gammaGammaLogLikelihood(params, data), 12);
    const h = 1e-6;
    (['p', 'q', 'gamma'] as const).forEach((key, i) => {
      const up = { ...params, [key]: params[key] * Math.exp(h) };
      const down = { ...params, [key]: params[key] * Math.exp(-h) };
      expect(gradient[i]).toBeCloseTo((gammaGammaLogLikelihood(up, data) - gammaGammaLogLikelihood(down, data)) / (2 * h), 6);
    });
  });
});

describe.skipIf(!hasCdnow())('Gamma-Gamma on the 946 CDNOW repeat buyers (Fader & Hardie 2013)', () => {
  // Loaded on first use: a skipped suite's body still runs when the dataset is absent.
  let cached: ReturnType<typeof loadCdnowSummaryWithTransactions> | undefined;
  const cdnow = () => (cached ??= loadCdnowSummaryWithTransactions());

  it('fits p, q, gamma within 0.5% of 6.2488, 3.7446, 15.4477', () => {
    const data = cdnow();
    const fit = fitGammaGamma({ x: data.x, monetary: data.zbar });
    expect(fit.customers).toBe(946);
    expect(fit.converged).toBe(true);
    expectRelativelyClose(fit.p, 6.2488, 5e-3);
    expectRelativelyClose(fit.q, 3.7446, 5e-3);
    expectRelativelyClose(fit.gamma, 15.4477, 5e-3);
  });

  it('expected spend of the first ten customers at (6.25, 3.74, 15.44)', () => {
    const data = cdnow();
    const published = [24.65, 18.91, 35.17, 35.17, 35.17, 71.46, 18.91, 35.17, 27.28, 35.17];
    const params = { p: 6.25, q: 3.74, gamma: 15.44 };
    published.forEach((value, i) => {
      expect(Math.abs(expectedAverageSpend(params, data.x[i], data.zbar[i]) - value)).toBeLessThanOrEqual(0.1);
    });
  });
});
