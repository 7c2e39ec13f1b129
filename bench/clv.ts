import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { bgNbdLogLikelihood, fitBgNbd } from '../src/metrics/clv/bgnbd.ts';
import type { BgNbdParams } from '../src/metrics/clv/bgnbd.ts';
import { fitGammaGamma } from '../src/metrics/clv/gamma-gamma.ts';
import type { GammaGammaParams } from '../src/metrics/clv/gamma-gamma.ts';
import { randomNormal, seededRandom } from '../src/util/random.ts';
import type { Random } from '../src/util/random.ts';
import { formatRow, peakRssMiB } from './report.ts';
import type { BenchRow } from './report.ts';

const TRUE_BGNBD: BgNbdParams = { r: 0.25, alpha: 4, a: 0.8, b: 2.5 };
const TRUE_GAMMA_GAMMA: GammaGammaParams = { p: 6, q: 4, gamma: 15 };
const ACQUISITION_DAYS = 365;
const OBSERVATION_END_DAY = 546;

function gammaDraw(random: Random, shape: number, rate: number): number {
  if (shape < 1) return gammaDraw(random, shape + 1, rate) * Math.pow(Math.max(random(), Number.MIN_VALUE), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const z = randomNormal(random);
    const v = (1 + c * z) ** 3;
    if (v <= 0) continue;
    const u = Math.max(random(), Number.MIN_VALUE);
    if (Math.log(u) < 0.5 * z * z + d - d * v + d * Math.log(v)) return (d * v) / rate;
  }
}

/** Customers drawn from a BG/NBD purchase process (weeks, purchase times on whole days) with Gamma-Gamma spend. */
export function generateCustomers(count: number, seed = 20240601) {
  const random = seededRandom(seed);
  const x = new Float64Array(count);
  const tx = new Float64Array(count);
  const T = new Float64Array(count);
  const monetary = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const firstDay = Math.floor(random() * ACQUISITION_DAYS);
    const ageDays = OBSERVATION_END_DAY - firstDay;
    const ageWeeks = ageDays / 7;
    const rate = gammaDraw(random, TRUE_BGNBD.r, TRUE_BGNBD.alpha);
    const pa = gammaDraw(random, TRUE_BGNBD.a, 1);
    const dropout = pa / (pa + gammaDraw(random, TRUE_BGNBD.b, 1));
    let t = 0;
    let purchases = 0;
    let lastDay = 0;
    for (;;) {
      t += -Math.log(1 - random()) / rate;
      if (t > ageWeeks) break;
      const day = Math.floor(t * 7);
      if (day > lastDay) {
        purchases++;
        lastDay = day;
      }
      if (random() < dropout) break;
    }
    x[i] = purchases;
    tx[i] = lastDay / 7;
    T[i] = ageWeeks;
    if (purchases > 0) {
      const nu = gammaDraw(random, TRUE_GAMMA_GAMMA.q, TRUE_GAMMA_GAMMA.gamma);
      monetary[i] = Math.max(0.01, Math.round(gammaDraw(random, TRUE_GAMMA_GAMMA.p * purchases, nu * purchases) * 100) / 100);
    }
  }
  return { x, tx, T, monetary };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function time<T>(run: () => T): { ms: number; result: T } {
  const start = performance.now();
  const result = run();
  return { ms: performance.now() - start, result };
}

export async function benchClv(customers = 1_000_000): Promise<BenchRow[]> {
  const data = generateCustomers(customers);
  const label = customers.toLocaleString('en-US');

  time(() => bgNbdLogLikelihood(TRUE_BGNBD, data));
  const baselineRuns = Array.from({ length: 5 }, () => time(() => bgNbdLogLikelihood(TRUE_BGNBD, data)).ms);
  const baselineMs = median(baselineRuns);

  const fitRuns: { ms: number; bg: ReturnType<typeof fitBgNbd>; gg: ReturnType<typeof fitGammaGamma>; bgMs: number }[] = [];
  for (let run = 0; run < 3; run++) {
    const bg = time(() => fitBgNbd(data));
    const gg = time(() => fitGammaGamma(data));
    fitRuns.push({ ms: bg.ms + gg.ms, bg: bg.result, gg: gg.result, bgMs: bg.ms });
  }
  const fitMs = median(fitRuns.map((r) => r.ms));
  const firstFitMs = fitRuns[0].ms;
  const { bg, gg } = fitRuns[0];
  const ratio = fitMs / baselineMs;
  const baselineName = `BG/NBD log-likelihood, one term per customer (median of 5)`;

  return [
    {
      name: `clv BG/NBD log-likelihood, ${label} customers`,
      value: baselineMs,
      unit: 'ms',
      notes: `runs ${baselineRuns.map((v) => v.toFixed(1)).join(', ')}`,
    },
    {
      name: `clv fit BG/NBD + Gamma-Gamma, ${label} customers`,
      value: fitMs,
      unit: 'ms',
      baseline: { name: baselineName, value: baselineMs },
      ratio,
      target: '<= 30x',
      pass: ratio <= 30,
      notes:
        `median of 3; first run ${firstFitMs.toFixed(1)} ms; BG/NBD ${bg.distinctRows.toLocaleString('en-US')} distinct rows, ` +
        `${bg.iterations} iterations, ${bg.evaluations} evaluations; Gamma-Gamma ${gg.customers.toLocaleString('en-US')} repeat buyers, ` +
        `${gg.iterations} iterations, ${gg.evaluations} evaluations`,
    },
    {
      name: 'clv fitted BG/NBD r, alpha, a, b',
      value: bg.r,
      unit: '(r)',
      notes: `r ${bg.r.toFixed(4)} alpha ${bg.alpha.toFixed(4)} a ${bg.a.toFixed(4)} b ${bg.b.toFixed(4)}; true ${TRUE_BGNBD.r}, ${TRUE_BGNBD.alpha}, ${TRUE_BGNBD.a}, ${TRUE_BGNBD.b}; converged ${bg.converged}`,
    },
    {
      name: 'clv fitted Gamma-Gamma p, q, gamma',
      value: gg.p,
      unit: '(p)',
      notes: `p ${gg.p.toFixed(4)} q ${gg.q.toFixed(4)} gamma ${gg.gamma.toFixed(4)}; true ${TRUE_GAMMA_GAMMA.p}, ${TRUE_GAMMA_GAMMA.q}, ${TRUE_GAMMA_GAMMA.gamma}; converged ${gg.converged}`,
    },
    { name: 'clv peak RSS', value: peakRssMiB(), unit: 'MiB' },
  ];
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const customers = process.argv[2] ? Number(process.argv[2]) : undefined;
  for (const row of await benchClv(customers)) console.log(formatRow(row));
}
