export interface GroupedColumns {
  /** One array per input column, one entry per distinct row. */
  columns: Float64Array[];
  /** How many input rows each distinct row stands for. */
  weights: Float64Array;
  /** Distinct-row index of every input row. */
  groupOfRow: Int32Array;
}

const bits = new Float64Array(1);
const words = new Uint32Array(bits.buffer);

function mix(hash: number, value: number): number {
  bits[0] = value === 0 ? 0 : value;
  hash = Math.imul(hash ^ words[0], 0x9e3779b1);
  hash = Math.imul(hash ^ (hash >>> 15) ^ words[1], 0x85ebca77);
  return hash ^ (hash >>> 13);
}

/** Collapses identical rows (exact float equality over all columns) into weighted distinct rows, in first-seen order. */
export function groupIdenticalRows(columns: ArrayLike<number>[], rowWeights?: ArrayLike<number>): GroupedColumns {
  const width = columns.length;
  const n = width === 0 ? 0 : columns[0].length;
  let capacity = 16;
  while (capacity < 2 * n) capacity *= 2;
  const mask = capacity - 1;
  const slots = new Int32Array(capacity).fill(-1);
  const groupOfRow = new Int32Array(n);
  const firstRow = new Int32Array(n);
  const weights = new Float64Array(n);
  let groups = 0;
  for (let i = 0; i < n; i++) {
    let hash = 0x2545f491;
    for (let c = 0; c < width; c++) hash = mix(hash, columns[c][i]);
    let slot = hash & mask;
    for (;;) {
      const g = slots[slot];
      if (g === -1) {
        slots[slot] = groups;
        firstRow[groups] = i;
        groupOfRow[i] = groups;
        weights[groups] = rowWeights ? rowWeights[i] : 1;
        groups++;
        break;
      }
      const j = firstRow[g];
      let same = true;
      for (let c = 0; c < width && same; c++) same = columns[c][i] === columns[c][j];
      if (same) {
        groupOfRow[i] = g;
        weights[g] += rowWeights ? rowWeights[i] : 1;
        break;
      }
      slot = (slot + 1) & mask;
    }
  }
  const out = columns.map((column) => {
    const distinct = new Float64Array(groups);
    for (let g = 0; g < groups; g++) distinct[g] = column[firstRow[g]];
    return distinct;
  });
  return { columns: out, weights: weights.slice(0, groups), groupOfRow };
}

export interface DistinctValues {
  values: Float64Array;
  indexOfRow: Int32Array;
}

/** Distinct values of a column and each row's index into them; small non-negative integers index directly. */
export function distinctValues(column: ArrayLike<number>): DistinctValues {
  const n = column.length;
  let max = 0;
  let integral = true;
  for (let i = 0; i < n; i++) {
    const v = column[i];
    if (!(v >= 0) || Math.floor(v) !== v) {
      integral = false;
      break;
    }
    if (v > max) max = v;
  }
  const indexOfRow = new Int32Array(n);
  if (integral && max <= Math.max(1024, 4 * n)) {
    const slotOf = new Int32Array(max + 1).fill(-1);
    const values: number[] = [];
    for (let i = 0; i < n; i++) {
      const v = column[i];
      let slot = slotOf[v];
      if (slot === -1) {
        slot = slotOf[v] = values.length;
        values.push(v);
      }
      indexOfRow[i] = slot;
    }
    return { values: Float64Array.from(values), indexOfRow };
  }
  const slotOf = new Map<number, number>();
  const values: number[] = [];
  for (let i = 0; i < n; i++) {
    const v = column[i];
    let slot = slotOf.get(v);
    if (slot === undefined) {
      slot = values.length;
      slotOf.set(v, slot);
      values.push(v);
    }
    indexOfRow[i] = slot;
  }
  return { values: Float64Array.from(values), indexOfRow };
}
