import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lloyd } from '../../src/segmentation/lloyd.ts';
import { randomNormal, seededRandom } from '../../src/util/random.ts';

/** The textbook loop the bounds must reproduce: every row against every centroid, every iteration. */
function plainLloyd(values: Float64Array, rows: number, dims: number, start: Float64Array, k: number, maxIterations: number) {
  const centroids = Float64Array.from(start);
  const labels = new Int32Array(rows).fill(-1);
  let iterations = 0;
  let inertia = 0;
  let converged = false;
  for (;;) {
    const sums = new Float64Array(k * dims);
    const counts = new Float64Array(k);
    let changed = 0;
    inertia = 0;
    for (let i = 0; i < rows; i++) {
      let best = 0;
      let bestDistance = Infinity;
      for (let c = 0; c < k; c++) {
        let distance = 0;
        for (let d = 0; d < dims; d++) distance += (values[i * dims + d] - centroids[c * dims + d]) ** 2;
        if (distance < bestDistance) [bestDistance, best] = [distance, c];
      }
      if (labels[i] !== best) changed++;
      labels[i] = best;
      inertia += bestDistance;
      counts[best]++;
      for (let d = 0; d < dims; d++) sums[best * dims + d] += values[i * dims + d];
    }
    converged = changed === 0;
    if (changed === 0 || iterations >= maxIterations) break;
    iterations++;
    for (let c = 0; c < k; c++) if (counts[c] > 0) for (let d = 0; d < dims; d++) centroids[c * dims + d] = sums[c * dims + d] / counts[c];
  }
  return { labels, centroids, inertia, iterations, converged };
}

function data(seed: number, rows: number, dims: number, spread: number, grid: boolean): Float64Array {
  const random = seededRandom(seed);
  // grid: few distinct values, so exact ties between centroids happen
  return Float64Array.from({ length: rows * dims }, () =>
    grid ? Math.floor(random() * 4) : randomNormal(random, 0, 1) + Math.floor(random() * 3) * spread,
  );
}

describe('lloyd (Hamerly bounds)', () => {
  it("gives the plain loop's labels and iteration count, and its centroids and inertia to rounding", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.integer({ min: 5, max: 400 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 9 }),
        fc.double({ min: 0, max: 8, noNaN: true }),
        fc.boolean(),
        fc.integer({ min: 1, max: 40 }),
        (seed, rows, dims, kWanted, spread, grid, maxIterations) => {
          const k = Math.min(kWanted, rows);
          const values = data(seed, rows, dims, spread, grid);
          const start = values.slice(0, k * dims);
          const ours = lloyd(values, rows, dims, start, k, { maxIterations, tolerance: 0 });
          const plain = plainLloyd(values, rows, dims, start, k, maxIterations);
          expect(Array.from(ours.labels)).toEqual(Array.from(plain.labels));
          ours.centroids.forEach((v, i) =>
            expect(Math.abs(v - plain.centroids[i])).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(plain.centroids[i]))),
          );
          expect(Math.abs(ours.inertia - plain.inertia)).toBeLessThanOrEqual(1e-12 * Math.max(1, plain.inertia));
          expect(ours.iterations).toBe(plain.iterations);
          expect(ours.converged).toBe(plain.converged);
        },
      ),
      { seed: 20261125, numRuns: 300 },
    );
  });

  it('stops on the tolerance with labels nearest to the returned centroids', () => {
    const values = data(7, 2000, 2, 5, false);
    const result = lloyd(values, 2000, 2, values.slice(0, 6), 3, { maxIterations: 300, tolerance: 1e-3 });
    expect(result.converged).toBe(true);
    for (let i = 0; i < 2000; i++) {
      const distance = (c: number) =>
        (values[i * 2] - result.centroids[c * 2]) ** 2 + (values[i * 2 + 1] - result.centroids[c * 2 + 1]) ** 2;
      const nearest = [0, 1, 2].reduce((best, c) => (distance(c) < distance(best) ? c : best), 0);
      expect(result.labels[i]).toBe(nearest);
    }
  });
});
