/**
 * Indices of the first `limit` pairwise-distinct rows (fewer when the matrix has fewer
 * distinct rows). Stops as soon as `limit` are found, so it is cheap on real data.
 */
export function firstDistinctRows(values: Float64Array, rows: number, dims: number, limit: number): number[] {
  const found: number[] = [];
  for (let i = 0; i < rows && found.length < limit; i++) {
    const base = i * dims;
    const seen = found.some((j) => {
      for (let d = 0; d < dims; d++) if (values[j * dims + d] !== values[base + d]) return false;
      return true;
    });
    if (!seen) found.push(i);
  }
  return found;
}
