import { yieldToForeground } from '../jobs/foreground.ts';

/** The distinct products each customer bought: customer c's are items[offsets[c]..offsets[c + 1]), ascending. */
export interface Baskets {
  customers: number;
  products: number;
  offsets: Int32Array;
  items: Int32Array;
}

/** Baskets from purchase lines (customer and product indexes); repeated purchases of a product count once. */
export function basketsOf(customer: Int32Array, product: Int32Array, length: number, customers: number, products: number): Baskets {
  // one sortable number per pair: exact while customers × products < 2^53
  const keys = new Float64Array(length);
  for (let i = 0; i < length; i++) keys[i] = customer[i]! * products + product[i]!;
  keys.sort();
  const offsets = new Int32Array(customers + 1);
  const items = new Int32Array(length);
  let n = 0;
  for (let i = 0; i < length; i++) {
    const key = keys[i]!;
    if (i > 0 && key === keys[i - 1]) continue;
    const c = Math.floor(key / products);
    items[n++] = key - c * products;
    offsets[c + 1]!++;
  }
  for (let c = 0; c < customers; c++) offsets[c + 1]! += offsets[c]!;
  return { customers, products, offsets, items: items.slice(0, n) };
}

export interface CoPurchaseOptions {
  /** Nearest products kept per product. */
  neighbours: number;
  /** Pairs bought together by fewer customers are noise, not a relation. */
  minCoBuyers: number;
}

export const CO_PURCHASE_DEFAULTS: CoPurchaseOptions = { neighbours: 50, minCoBuyers: 2 };

/** Each product's nearest products: product p's are ids[offsets[p]..offsets[p + 1]), nearest first. */
export interface Neighbours {
  offsets: Int32Array;
  ids: Int32Array;
  /** Cosine similarity over customers: co-buyers / sqrt(buyers of one × buyers of the other). */
  scores: Float64Array;
  /** Customers who bought both. */
  coBuyers: Int32Array;
}

export interface CoPurchaseModel {
  /** Customers who bought each product. */
  buyers: Int32Array;
  /** Customers with a purchase. */
  customers: number;
  neighbours: Neighbours;
  /** Product pairs counted (a measure of the work done). */
  pairs: number;
}

/**
 * Item-to-item co-purchases: for each product, the customers who bought it and everything else
 * they bought, counted per product; each product keeps its `neighbours` nearest products by cosine
 * similarity among those at least `minCoBuyers` customers bought with it. Work is the sum over
 * customers of their distinct products squared; memory is a few arrays of the products' size.
 */
export function learnCoPurchases(baskets: Baskets, options: CoPurchaseOptions = CO_PURCHASE_DEFAULTS): CoPurchaseModel {
  const { customers, products, offsets, items } = baskets;
  const buyers = new Int32Array(products);
  let active = 0;
  for (let c = 0; c < customers; c++) {
    if (offsets[c + 1]! > offsets[c]!) active++;
    for (let k = offsets[c]!; k < offsets[c + 1]!; k++) buyers[items[k]!]!++;
  }
  // the customers of each product, the transpose of the baskets
  const byProduct = new Int32Array(products + 1);
  for (let p = 0; p < products; p++) byProduct[p + 1] = byProduct[p]! + buyers[p]!;
  const customersOf = new Int32Array(items.length);
  const fill = byProduct.slice(0, products);
  for (let c = 0; c < customers; c++) for (let k = offsets[c]!; k < offsets[c + 1]!; k++) customersOf[fill[items[k]!]!++] = c;

  const keep = options.neighbours;
  const neighbourOffsets = new Int32Array(products + 1);
  let ids = new Int32Array(Math.min(products * keep, 1 << 20));
  let scores = new Float64Array(ids.length);
  let coBuyers = new Int32Array(ids.length);
  const counts = new Int32Array(products);
  const touched = new Int32Array(products);
  const heap = new TopK(keep);
  let pairs = 0;
  for (let p = 0; p < products; p++) {
    if ((p & 255) === 0) yieldToForeground();
    let seen = 0;
    for (let k = byProduct[p]!; k < byProduct[p + 1]!; k++) {
      const c = customersOf[k]!;
      const end = offsets[c + 1]!;
      pairs += end - offsets[c]!;
      for (let m = offsets[c]!; m < end; m++) {
        const q = items[m]!;
        if (counts[q] === 0) touched[seen++] = q;
        counts[q]!++;
      }
    }
    heap.clear();
    for (let t = 0; t < seen; t++) {
      const q = touched[t]!;
      const together = counts[q]!;
      counts[q] = 0;
      if (q === p || together < options.minCoBuyers) continue;
      heap.offer(q, together / Math.sqrt(buyers[p]! * buyers[q]!), together);
    }
    const start = neighbourOffsets[p]!;
    const needed = start + heap.size;
    if (needed > ids.length) {
      const size = Math.max(needed, Math.min(products * keep, ids.length * 2));
      ids = grow(ids, size);
      scores = grow(scores, size);
      coBuyers = grow(coBuyers, size);
    }
    heap.drainInto(ids, scores, coBuyers, start);
    neighbourOffsets[p + 1] = needed;
  }
  const total = neighbourOffsets[products]!;
  return {
    buyers,
    customers: active,
    neighbours: { offsets: neighbourOffsets, ids: ids.slice(0, total), scores: scores.slice(0, total), coBuyers: coBuyers.slice(0, total) },
    pairs,
  };
}

function grow<T extends Int32Array | Float64Array>(array: T, size: number): T {
  const bigger = new (array.constructor as new (n: number) => T)(size);
  bigger.set(array);
  return bigger;
}

/**
 * The best `capacity` candidates by score, then co-buyers, then the lower product index (so the
 * same purchases always give the same neighbours): a min-heap whose root is the worst kept.
 */
class TopK {
  readonly #ids: Int32Array;
  readonly #scores: Float64Array;
  readonly #co: Int32Array;
  size = 0;
  constructor(readonly capacity: number) {
    this.#ids = new Int32Array(capacity);
    this.#scores = new Float64Array(capacity);
    this.#co = new Int32Array(capacity);
  }
  clear(): void {
    this.size = 0;
  }
  /** a is worse than b */
  #worse(a: number, b: number): boolean {
    const sa = this.#scores[a]!;
    const sb = this.#scores[b]!;
    if (sa !== sb) return sa < sb;
    if (this.#co[a] !== this.#co[b]) return this.#co[a]! < this.#co[b]!;
    return this.#ids[a]! > this.#ids[b]!;
  }
  #swap(a: number, b: number): void {
    [this.#ids[a], this.#ids[b]] = [this.#ids[b]!, this.#ids[a]!];
    [this.#scores[a], this.#scores[b]] = [this.#scores[b]!, this.#scores[a]!];
    [this.#co[a], this.#co[b]] = [this.#co[b]!, this.#co[a]!];
  }
  #down(i: number): void {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let worst = i;
      if (l < this.size && this.#worse(l, worst)) worst = l;
      if (r < this.size && this.#worse(r, worst)) worst = r;
      if (worst === i) return;
      this.#swap(i, worst);
      i = worst;
    }
  }
  offer(id: number, score: number, co: number): void {
    if (this.size < this.capacity) {
      let i = this.size++;
      this.#ids[i] = id;
      this.#scores[i] = score;
      this.#co[i] = co;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!this.#worse(i, parent)) break;
        this.#swap(i, parent);
        i = parent;
      }
      return;
    }
    // better than the worst kept: it takes the root's place
    const s = this.#scores[0]!;
    if (score < s || (score === s && (co < this.#co[0]! || (co === this.#co[0] && id > this.#ids[0]!)))) return;
    this.#ids[0] = id;
    this.#scores[0] = score;
    this.#co[0] = co;
    this.#down(0);
  }
  /** Writes the kept candidates best first at `at`, emptying the heap. */
  drainInto(ids: Int32Array, scores: Float64Array, co: Int32Array, at: number): void {
    for (let n = this.size - 1; n >= 0; n--) {
      ids[at + n] = this.#ids[0]!;
      scores[at + n] = this.#scores[0]!;
      co[at + n] = this.#co[0]!;
      this.size--;
      if (this.size > 0) {
        this.#swap(0, this.size);
        this.#down(0);
      }
    }
  }
}
