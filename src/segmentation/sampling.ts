import { seededRandom } from '../util/random.ts';

/**
 * `size` distinct row indices out of `rows`, sorted ascending, chosen with a seeded
 * partial Fisher-Yates shuffle; all rows when `size >= rows`.
 */
export function sampleIndices(rows: number, size: number, seed: number): Int32Array {
  if (size >= rows) return Int32Array.from({ length: rows }, (_, i) => i);
  const random = seededRandom(seed);
  const picked = new Map<number, number>();
  const out = new Int32Array(size);
  for (let i = 0; i < size; i++) {
    const j = i + Math.floor(random() * (rows - i));
    const atJ = picked.get(j) ?? j;
    out[i] = atJ;
    picked.set(j, picked.get(i) ?? i);
  }
  return out.sort();
}
