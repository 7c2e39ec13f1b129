import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { kmeans } from '../../src/segmentation/kmeans.ts';
import { segmentCustomers } from '../../src/segmentation/segment-customers.ts';
import { matrixFromRows } from '../../src/segmentation/features.ts';
import { silhouette } from '../../src/segmentation/silhouette.ts';
import { transformFeatures } from '../../src/segmentation/transforms.ts';
import { datasetPath, hasDataset } from '../helpers/datasets.ts';

const MALL = 'mall-customers/Mall_Customers.csv';

function loadMall() {
  const [header, ...lines] = readFileSync(datasetPath(MALL), 'utf8').trim().split(/\r?\n/);
  const columns = header.split(',');
  const income = columns.indexOf('Annual_Income(k$)');
  const score = columns.indexOf('Spending_Score(1-100)');
  const rows = lines.map((line) => {
    const cells = line.split(',');
    return [Number(cells[income]), Number(cells[score])];
  });
  return matrixFromRows(['annual_income', 'spending_score'], rows);
}

describe.skipIf(!hasDataset(MALL))('k-means on the Mall Customers set (published figures)', () => {
  // Loaded on first use: a skipped suite's body still runs when the dataset is absent.
  let cached: ReturnType<typeof loadMatrix> | undefined;
  const loadMatrix = () => {
    const raw = loadMall();
    return { raw, matrix: transformFeatures(raw, { scaling: 'none' }).matrix };
  };
  const mall = () => (cached ??= loadMatrix());

  it('k = 5 unscaled: inertia 44448.455 within 0.1%, clusters 81/39/35/23/22', () => {
    const { matrix, raw } = mall();
    const result = kmeans(matrix, 5, { seed: 42 });
    expect(matrix.rows).toBe(200);
    expect(Math.abs(result.inertia - 44448.455) / 44448.455).toBeLessThan(0.001);
    expect([...result.sizes].sort((a, b) => b - a)).toEqual([81, 39, 35, 23, 22]);
    expect(silhouette(matrix, result.labels, 5, { seed: 1 })).toBeCloseTo(0.554, 2);
  });

  it('inertia for k = 1..5 matches the published list within 0.1%', () => {
    const { matrix, raw } = mall();
    const published = [269981.28, 181363.6, 106348.37, 73679.79, 44448.46];
    published.forEach((expected, i) => {
      const { inertia } = kmeans(matrix, i + 1, { seed: 42 });
      expect(Math.abs(inertia - expected) / expected).toBeLessThan(0.001);
    });
  });

  it('names the five classic groups uniquely, in original units', () => {
    const { matrix, raw } = mall();
    const { segments } = segmentCustomers(raw, { k: 5, scaling: 'none', seed: 42 });
    const byName = Object.fromEntries(segments.map((s) => [s.name, s.size]));
    expect(byName).toEqual({
      'Typical customers': 81,
      'Customers, high annual income, high spending score': 39,
      'Customers, high annual income, low spending score': 35,
      'Customers, low annual income, low spending score': 23,
      'Customers, low annual income, high spending score': 22,
    });
  });
});
