import { describe, expect, it } from 'vitest';
import { randomNormal, seededRandom } from '../../src/util/random.ts';
import { SegmentationInputError } from '../../src/segmentation/errors.ts';
import { matrixFromRows, type FeatureMatrix } from '../../src/segmentation/features.ts';
import { chooseK } from '../../src/segmentation/choose-k.ts';
import { kmeans } from '../../src/segmentation/kmeans.ts';
import { assignNearest } from '../../src/segmentation/lloyd.ts';
import { silhouette } from '../../src/segmentation/silhouette.ts';

/** `perBlob` points around each of the given centres, sd 0.5. */
function blobs(centres: number[][], perBlob: number, seed: number): FeatureMatrix {
  const random = seededRandom(seed);
  const rows = centres.flatMap((c) => Array.from({ length: perBlob }, () => c.map((x) => randomNormal(random, x, 0.5))));
  return matrixFromRows(['x', 'y'], rows);
}

const three = blobs(
  [
    [0, 0],
    [10, 0],
    [0, 10],
  ],
  200,
  3,
);

describe('kmeans', () => {
  it('is deterministic for a seed', () => {
    const a = kmeans(three, 3, { seed: 7 });
    const b = kmeans(three, 3, { seed: 7 });
    expect([...a.labels]).toEqual([...b.labels]);
    expect([...a.centroids]).toEqual([...b.centroids]);
  });

  it('finds well-separated blobs and reports consistent inertia and sizes', () => {
    const result = kmeans(three, 3, { seed: 1 });
    expect(result.sizes).toEqual([200, 200, 200].map((_, c) => result.labels.filter((l) => l === c).length));
    expect([...result.sizes].sort()).toEqual([200, 200, 200]);
    const check = assignNearest(three.values, three.rows, 2, result.centroids, 3, Int32Array.from(result.labels));
    expect(check.changed).toBe(0);
    expect(check.inertia).toBeCloseTo(result.inertia, 6);
    expect(result.restartInertias).toHaveLength(10);
    expect(result.converged).toBe(true);
  });

  it('runs the restarts on a sample when rows are many, and stays deterministic', () => {
    const many = blobs(
      [
        [0, 0],
        [10, 0],
        [0, 10],
      ],
      2000,
      5,
    );
    const a = kmeans(many, 3, { seed: 3, restartSampleSize: 500 });
    const b = kmeans(many, 3, { seed: 3, restartSampleSize: 500 });
    expect([...a.sizes].sort()).toEqual([2000, 2000, 2000]);
    expect([...a.labels]).toEqual([...b.labels]);
  });

  it('rejects fewer rows or distinct points than k', () => {
    const two = matrixFromRows(
      ['x', 'y'],
      [
        [1, 1],
        [2, 2],
      ],
    );
    expect(() => kmeans(two, 3)).toThrow(expect.objectContaining({ code: 'too_few_rows' }));
    const dupes = matrixFromRows(
      ['x', 'y'],
      [
        [1, 1],
        [1, 1],
        [2, 2],
        [2, 2],
        [1, 1],
      ],
    );
    expect(() => kmeans(dupes, 3)).toThrow(SegmentationInputError);
    expect(() => kmeans(dupes, 3)).toThrow(expect.objectContaining({ code: 'too_few_distinct_points', context: { distinct: 2, k: 3 } }));
    expect(kmeans(dupes, 2).sizes.sort()).toEqual([2, 3]);
  });
});

describe('silhouette and chooseK', () => {
  it('silhouette is high for separated blobs and matches a direct computation on small data', () => {
    const result = kmeans(three, 3, { seed: 1 });
    expect(silhouette(three, result.labels, 3, { seed: 1 })).toBeGreaterThan(0.8);
    const tiny = matrixFromRows(
      ['x', 'y'],
      [
        [0, 0],
        [0, 1],
        [5, 0],
        [5, 2],
      ],
    );
    const labels = Int32Array.from([0, 0, 1, 1]);
    // point 0: a = 1, b = mean(5, sqrt 29); point 1: a = 1, b = sqrt 26; point 2: a = 2, b = mean(5, sqrt 26); point 3: a = 2, b = mean(sqrt 29, sqrt 26)
    const s = (a: number, b: number) => (b - a) / Math.max(a, b);
    const expected =
      (s(1, (5 + Math.sqrt(29)) / 2) + s(1, Math.sqrt(26)) + s(2, (5 + Math.sqrt(26)) / 2) + s(2, (Math.sqrt(29) + Math.sqrt(26)) / 2)) / 4;
    expect(silhouette(tiny, labels, 2)).toBeCloseTo(expected, 12);
  });

  it('chooseK picks the number of blobs and is deterministic', () => {
    const four = blobs(
      [
        [0, 0],
        [10, 0],
        [0, 10],
        [10, 10],
      ],
      150,
      9,
    );
    const a = chooseK(four, { from: 2, to: 6, seed: 4 });
    expect(a.best).toBe(4);
    expect(a.scores.map((s) => s.k)).toEqual([2, 3, 4, 5, 6]);
    expect(chooseK(four, { from: 2, to: 6, seed: 4 })).toEqual(a);
  });

  it('chooseK samples large inputs and caps the range at the distinct points', () => {
    const many = blobs(
      [
        [0, 0],
        [10, 0],
      ],
      15_000,
      2,
    );
    const result = chooseK(many, { from: 2, to: 3, seed: 1 });
    expect(result.sampleRows).toBe(20_000);
    expect(result.best).toBe(2);
    const few = matrixFromRows(
      ['x', 'y'],
      [
        [0, 0],
        [1, 1],
        [2, 2],
        [0, 0],
      ],
    );
    expect(chooseK(few, { from: 2, to: 10 }).scores.map((s) => s.k)).toEqual([2, 3]);
    expect(() =>
      chooseK(
        matrixFromRows(
          ['x', 'y'],
          [
            [0, 0],
            [0, 0],
          ],
        ),
      ),
    ).toThrow(expect.objectContaining({ code: 'too_few_distinct_points' }));
  });
});
