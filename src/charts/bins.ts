/** One histogram bar: values from `from` (included) to `to` (excluded, except in the last bin). */
export interface Bin {
  from: number;
  to: number;
  count: number;
}

export interface Binning {
  /** 'log': edges grow 1-2-5 (0, 10, 20, 50, 100, …), for values whose top is far above their median. */
  scale: 'linear' | 'log';
  /** In order; the last one holds the largest value, its upper edge included. */
  bins: Bin[];
}

/** Log bins once the largest value is more than this many times the median. */
export const LOG_BINS_ABOVE = 20;
const DEFAULT_MAX_BINS = 15;
const STEPS = [1, 2, 5];

/** The 1-2-5 numbers (…, 0.5, 1, 2, 5, 10, …) around `x`: the largest at most x, the smallest at least x. */
function niceBelow(x: number): number {
  let power = 10 ** Math.floor(Math.log10(x));
  for (;;) {
    for (let i = STEPS.length - 1; i >= 0; i--) if (STEPS[i]! * power <= x * (1 + 1e-12)) return clean(STEPS[i]! * power);
    power /= 10;
  }
}

function niceAbove(x: number): number {
  let power = 10 ** Math.floor(Math.log10(x));
  for (;;) {
    for (const step of STEPS) if (step * power >= x * (1 - 1e-12)) return clean(step * power);
    power *= 10;
  }
}

/** The next 1-2-5 number above a 1-2-5 number. */
const nextNice = (x: number) => niceAbove(x * 1.5);

/** Drops floating-point noise: 0.30000000000000004 -> 0.3. */
const clean = (x: number) => Number(x.toPrecision(12));

function quantile(sorted: Float64Array, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

function logEdges(sorted: Float64Array, maxBins: number): number[] {
  const max = sorted[sorted.length - 1]!;
  const firstPositive = sorted.findIndex((v) => v > 0);
  const positive = sorted.subarray(firstPositive);
  let top = niceAbove(max);
  let low = niceBelow(quantile(positive, 0.05));
  if (top <= low) top = nextNice(low);
  const edges = [low];
  while (edges.at(-1)! < top) edges.push(nextNice(edges.at(-1)!));
  // at most maxBins bins, counting the one from 0: widen the bottom
  while (edges.length > maxBins) edges.shift();
  return [0, ...edges];
}

function linearEdges(min: number, max: number, maxBins: number): number[] {
  const step = niceAbove(max > min ? (max - min) / maxBins : Math.abs(max) / 10 || 1);
  const low = Math.floor(min / step) * step;
  let n = Math.max(1, Math.ceil((max - low) / step));
  if (clean(low + n * step) < max) n++;
  return Array.from({ length: n + 1 }, (_, i) => clean(low + i * step));
}

/**
 * Counts of finite `values` in bins that cover every value, the largest included: 1-2-5 log bins
 * when the largest value is more than LOG_BINS_ABOVE times the median and none is negative,
 * otherwise equal-width bins with 1-2-5 widths.
 */
export function binValues(values: readonly number[], options: { maxBins?: number } = {}): Binning {
  const sorted = Float64Array.from(values.filter((v) => Number.isFinite(v))).sort();
  if (sorted.length === 0) throw new Error('binValues: no finite values');
  const maxBins = Math.max(2, options.maxBins ?? DEFAULT_MAX_BINS);
  const min = sorted[0]!;
  const max = sorted[sorted.length - 1]!;
  const median = quantile(sorted, 0.5);
  const log = min >= 0 && max > 0 && (median <= 0 || max / median > LOG_BINS_ABOVE);
  const edges = log ? logEdges(sorted, maxBins) : linearEdges(min, max, maxBins);
  const bins: Bin[] = edges.slice(0, -1).map((from, i) => ({ from, to: edges[i + 1]!, count: 0 }));
  let b = 0;
  for (const v of sorted) {
    while (b < bins.length - 1 && v >= bins[b]!.to) b++;
    bins[b]!.count++;
  }
  // a log scale's first bin starts at 0; drop it when nothing is in it
  if (log && bins.length > 1 && bins[0]!.count === 0) bins.shift();
  return { scale: log ? 'log' : 'linear', bins };
}

const compact = new Map<string, Intl.NumberFormat>();

/** 1500 -> "1.5K", or "$1.5K" with a currency. */
export function compactNumber(value: number, currency?: string): string {
  const key = currency ?? '';
  let format = compact.get(key);
  if (!format) {
    format = new Intl.NumberFormat('en-US', {
      notation: 'compact',
      maximumSignificantDigits: 3,
      ...(currency ? { style: 'currency', currency } : {}),
    });
    compact.set(key, format);
  }
  return format.format(value);
}

/** A bin's range in compact figures: "$1K–2K" (the currency once), "10–20". */
export function binLabel(bin: Pick<Bin, 'from' | 'to'>, currency?: string): string {
  return `${compactNumber(bin.from, currency)}–${compactNumber(bin.to)}`;
}
