import { fileURLToPath } from 'node:url';
import { chooseK } from '../src/segmentation/choose-k.ts';
import type { FeatureMatrix } from '../src/segmentation/features.ts';
import { kmeans } from '../src/segmentation/kmeans.ts';
import { transformFeatures } from '../src/segmentation/transforms.ts';
import { randomNormal, seededRandom, type Random } from '../src/util/random.ts';
import { formatRow, peakRssMiB, type BenchRow } from './report.ts';

export interface PlainLloydResult {
  labels: Int32Array;
  centroids: Float64Array;
  inertia: number;
  iterations: number;
}

/**
 * The baseline: a plain Lloyd's loop over a row-major Float64Array from given starting
 * centroids, until no row changes cluster or maxIterations updates.
 */
export function plainLloyd(
  values: Float64Array,
  rows: number,
  dims: number,
  initialCentroids: Float64Array,
  k: number,
  maxIterations: number,
): PlainLloydResult {
  const centroids = Float64Array.from(initialCentroids);
  const labels = new Int32Array(rows).fill(-1);
  const sums = new Float64Array(k * dims);
  const counts = new Float64Array(k);
  let iterations = 0;
  let inertia = 0;
  while (true) {
    let changed = 0;
    inertia = 0;
    sums.fill(0);
    counts.fill(0);
    for (let i = 0; i < rows; i++) {
      let best = 0;
      let bestDistance = Infinity;
      for (let c = 0; c < k; c++) {
        let distance = 0;
        for (let d = 0; d < dims; d++) {
          const diff = values[i * dims + d] - centroids[c * dims + d];
          distance += diff * diff;
        }
        if (distance < bestDistance) {
          bestDistance = distance;
          best = c;
        }
      }
      if (labels[i] !== best) changed++;
      labels[i] = best;
      inertia += bestDistance;
      counts[best]++;
      for (let d = 0; d < dims; d++) sums[best * dims + d] += values[i * dims + d];
    }
    if (changed === 0 || iterations >= maxIterations) break;
    iterations++;
    for (let c = 0; c < k; c++) {
      if (counts[c] === 0) continue;
      for (let d = 0; d < dims; d++) centroids[c * dims + d] = sums[c * dims + d] / counts[c];
    }
  }
  return { labels, centroids, inertia, iterations };
}

export const RFM_LIKE_FEATURES = ['recency_days', 'frequency', 'monetary', 'tenure_days', 'avg_order_value'];

interface Persona {
  share: number;
  recencyDays: number;
  extraOrders: number;
  orderValue: number;
}

const PERSONAS: Persona[] = [
  { share: 0.1, recencyDays: 12, extraOrders: 12, orderValue: 90 },
  { share: 0.2, recencyDays: 25, extraOrders: 0.3, orderValue: 45 },
  { share: 0.25, recencyDays: 60, extraOrders: 4, orderValue: 55 },
  { share: 0.15, recencyDays: 240, extraOrders: 6, orderValue: 110 },
  { share: 0.3, recencyDays: 300, extraOrders: 0.6, orderValue: 25 },
];

/** Seeded synthetic customers with skewed, RFM-like features (a mixture of five personas). */
export function generateCustomers(rows: number, seed = 7): FeatureMatrix {
  const random = seededRandom(seed);
  const dims = RFM_LIKE_FEATURES.length;
  const values = new Float64Array(rows * dims);
  for (let i = 0; i < rows; i++) {
    const persona = pickPersona(random);
    const recency = Math.min(730, Math.round(-persona.recencyDays * Math.log(Math.max(random(), 1e-12))));
    const frequency = 1 + poisson(random, persona.extraOrders);
    const orderValue = persona.orderValue * Math.exp(randomNormal(random, 0, 0.5));
    const tenure = recency + Math.round(frequency * 30 * Math.exp(randomNormal(random, 0, 0.6)));
    values[i * dims] = recency;
    values[i * dims + 1] = frequency;
    values[i * dims + 2] = Math.round(frequency * orderValue * 100) / 100;
    values[i * dims + 3] = tenure;
    values[i * dims + 4] = Math.round(orderValue * 100) / 100;
  }
  return { names: [...RFM_LIKE_FEATURES], rows, values };
}

function pickPersona(random: Random): Persona {
  let u = random();
  for (const persona of PERSONAS) {
    u -= persona.share;
    if (u < 0) return persona;
  }
  return PERSONAS[PERSONAS.length - 1];
}

function poisson(random: Random, lambda: number): number {
  if (lambda > 30) return Math.max(0, Math.round(randomNormal(random, lambda, Math.sqrt(lambda))));
  const limit = Math.exp(-lambda);
  let count = 0;
  let product = random();
  while (product > limit) {
    count++;
    product *= random();
  }
  return count;
}

function timed<T>(run: () => T): { result: T; ms: number } {
  const started = performance.now();
  const result = run();
  return { result, ms: performance.now() - started };
}

/**
 * k = 5 and k = auto on `rows` generated customers, each against a plain Lloyd's loop over
 * the same standardized features from the start our final full-data run used.
 */
export async function benchSegmentationCore(rows = 1_000_000): Promise<BenchRow[]> {
  const seed = 11;
  const raw = generateCustomers(rows, seed);
  const dims = raw.names.length;

  const fixed = timed(() => {
    const transformed = transformFeatures(raw);
    return { transformed, result: kmeans(transformed.matrix, 5, { seed }) };
  });
  const standardized = fixed.result.transformed.matrix;
  const fixedBase = timed(() => plainLloyd(standardized.values, rows, dims, fixed.result.result.start, 5, 300));

  const auto = timed(() => {
    const transformed = transformFeatures(raw);
    const choice = chooseK(transformed.matrix, { seed });
    return { choice, result: kmeans(transformed.matrix, choice.best, { seed }) };
  });
  const autoK = auto.result.result.k;
  const autoBase = timed(() => plainLloyd(standardized.values, rows, dims, auto.result.result.start, autoK, 300));

  const sameAnswer = (ours: number, base: number) => Math.abs(ours - base) <= 1e-9 * Math.max(1, base);
  const peak = peakRssMiB();
  return [
    {
      name: `segmentation k=5 (transforms + 10 restarts on a sample + Lloyd), ${rows.toLocaleString('en-US')} x ${dims}`,
      value: fixed.ms,
      unit: 'ms',
      baseline: { name: 'plain Lloyd, same start', value: fixedBase.ms },
      ratio: fixed.ms / fixedBase.ms,
      target: '<= 2x',
      pass: fixed.ms <= 2 * fixedBase.ms,
      notes: `iterations ${fixed.result.result.iterations} vs ${fixedBase.result.iterations}; inertia ${fixed.result.result.inertia.toFixed(1)}${sameAnswer(fixed.result.result.inertia, fixedBase.result.inertia) ? ' = baseline' : ` != baseline ${fixedBase.result.inertia.toFixed(1)}`}`,
    },
    {
      name: `segmentation k=auto (transforms + chooseK 2..10 + final k-means), ${rows.toLocaleString('en-US')} x ${dims}`,
      value: auto.ms,
      unit: 'ms',
      baseline: { name: `plain Lloyd k=${autoK}, same start`, value: autoBase.ms },
      ratio: auto.ms / autoBase.ms,
      target: '<= 6x',
      pass: auto.ms <= 6 * autoBase.ms,
      notes: `chose k=${autoK}; silhouettes ${auto.result.choice.scores.map((s) => `${s.k}:${s.silhouette.toFixed(3)}`).join(' ')}; iterations ${auto.result.result.iterations} vs ${autoBase.result.iterations}; ${(auto.ms / fixedBase.ms).toFixed(2)}x the k=5 baseline`,
    },
    { name: 'segmentation peak memory (RSS)', value: peak, unit: 'MiB', target: '< 1024', pass: peak < 1024 },
  ];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const rows = process.argv[2] ? Number(process.argv[2]) : undefined;
  for (const row of await benchSegmentationCore(rows)) console.log(formatRow(row));
}
