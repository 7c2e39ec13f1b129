/** A numeric feature matrix: `values` is row-major, `rows` x `names.length`. */
export interface FeatureMatrix {
  names: string[];
  rows: number;
  values: Float64Array;
}

export function dimsOf(matrix: FeatureMatrix): number {
  return matrix.names.length;
}

/** Builds a matrix from plain rows (each row in `names` order). */
export function matrixFromRows(names: string[], rows: ArrayLike<number>[]): FeatureMatrix {
  const dims = names.length;
  const values = new Float64Array(rows.length * dims);
  rows.forEach((row, i) => {
    if (row.length !== dims) throw new Error(`row ${i} has ${row.length} values, expected ${dims}`);
    for (let d = 0; d < dims; d++) values[i * dims + d] = row[d];
  });
  return { names: [...names], rows: rows.length, values };
}

/** Keeps only the named columns, in the given order. */
export function selectFeatures(matrix: FeatureMatrix, names: string[]): FeatureMatrix {
  const dims = matrix.names.length;
  const picks = names.map((name) => {
    const index = matrix.names.indexOf(name);
    if (index < 0) throw new Error(`unknown feature "${name}"`);
    return index;
  });
  const out = new Float64Array(matrix.rows * picks.length);
  for (let i = 0; i < matrix.rows; i++) {
    for (let j = 0; j < picks.length; j++) out[i * picks.length + j] = matrix.values[i * dims + picks[j]];
  }
  return { names: [...names], rows: matrix.rows, values: out };
}

/** One column copied out as a plain array (simple-statistics takes number[]). */
export function column(matrix: FeatureMatrix, index: number): number[] {
  const dims = matrix.names.length;
  const out = new Array<number>(matrix.rows);
  for (let i = 0; i < matrix.rows; i++) out[i] = matrix.values[i * dims + index];
  return out;
}

/** The rows at `indices`, in that order. */
export function takeRows(matrix: FeatureMatrix, indices: ArrayLike<number>): FeatureMatrix {
  const dims = matrix.names.length;
  const out = new Float64Array(indices.length * dims);
  for (let j = 0; j < indices.length; j++) {
    out.set(matrix.values.subarray(indices[j] * dims, indices[j] * dims + dims), j * dims);
  }
  return { names: matrix.names, rows: indices.length, values: out };
}
