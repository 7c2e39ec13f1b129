import { describe, expect, it } from 'vitest';
import { SegmentationInputError } from '../../src/segmentation/errors.ts';
import { matrixFromRows } from '../../src/segmentation/features.ts';
import { transformFeatures } from '../../src/segmentation/transforms.ts';

const spend = [5, 8, 10, 12, 15, 20, 25, 40, 90, 400, 1500];
const age = [20, 25, 30, 35, 40, 45, 50, 55, 60, 65, 70];
const raw = matrixFromRows(
  ['monetary', 'age'],
  spend.map((s, i) => [s, age[i]]),
);

describe('transformFeatures', () => {
  it('logs the skewed non-negative feature, only z-scores the symmetric one', () => {
    const { features, matrix } = transformFeatures(raw);
    expect(features.map((f) => f.description)).toEqual(['log, z-score', 'z-score']);
    expect(features[0].skewness).toBeGreaterThan(1);
    expect(features[0].center).toBeCloseTo(spend.reduce((a, s) => a + Math.log1p(s), 0) / spend.length, 12);
    for (let d = 0; d < 2; d++) {
      const col = Array.from({ length: matrix.rows }, (_, i) => matrix.values[i * 2 + d]);
      const mean = col.reduce((a, b) => a + b) / col.length;
      const variance = col.reduce((a, b) => a + (b - mean) ** 2, 0) / col.length;
      expect(mean).toBeCloseTo(0, 12);
      expect(variance).toBeCloseTo(1, 12);
    }
  });

  it('does not log a skewed feature with negative values', () => {
    const shifted = matrixFromRows(
      ['balance', 'age'],
      spend.map((s, i) => [s - 10, age[i]]),
    );
    expect(transformFeatures(shifted).features[0].description).toBe('z-score');
  });

  it('inverse maps transformed rows back to original units', () => {
    const { matrix, inverse } = transformFeatures(raw);
    const back = inverse(matrix.values);
    back.forEach((v, i) => expect(v).toBeCloseTo(raw.values[i], 9));
    const none = transformFeatures(raw, { scaling: 'none' });
    expect(none.features.map((f) => f.description)).toEqual(['raw', 'raw']);
    expect([...none.matrix.values]).toEqual([...raw.values]);
    expect([...none.inverse(none.matrix.values)]).toEqual([...raw.values]);
  });

  it('rejects a zero-variance feature with its name, and missing values', () => {
    const flat = matrixFromRows(
      ['frequency', 'age'],
      [
        [1, 20],
        [1, 30],
        [1, 40],
      ],
    );
    try {
      transformFeatures(flat);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(SegmentationInputError);
      expect((error as SegmentationInputError).code).toBe('zero_variance');
      expect((error as SegmentationInputError).context).toMatchObject({ feature: 'frequency' });
    }
    const holes = matrixFromRows(
      ['frequency', 'age'],
      [
        [1, 20],
        [Number.NaN, 30],
        [3, 40],
      ],
    );
    expect(() => transformFeatures(holes)).toThrow(expect.objectContaining({ code: 'non_finite_value' }));
  });
});
