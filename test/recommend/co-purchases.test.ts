import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { basketsOf, learnCoPurchases } from '../../src/recommend/co-purchases.ts';
import { rankFor } from '../../src/recommend/rank.ts';

/** Purchase lines as [customer, product] pairs, into the learner's arrays. */
function learn(lines: [number, number][], customers: number, products: number, options = { neighbours: 50, minCoBuyers: 2 }) {
  const baskets = basketsOf(
    Int32Array.from(lines.map((l) => l[0])),
    Int32Array.from(lines.map((l) => l[1])),
    lines.length,
    customers,
    products,
  );
  return learnCoPurchases(baskets, options);
}

function neighboursOf(model: ReturnType<typeof learn>, p: number): [number, number, number][] {
  const { offsets, ids, scores, coBuyers } = model.neighbours;
  const out: [number, number, number][] = [];
  for (let k = offsets[p]!; k < offsets[p + 1]!; k++) out.push([ids[k]!, scores[k]!, coBuyers[k]!]);
  return out;
}

describe('co-purchases', () => {
  it('counts each customer once per product and keeps pairs of at least 2 customers by cosine similarity', () => {
    // c0 {0, 1} (product 0 twice), c1 {0, 1, 2}, c2 {1, 2}, c3 {0}
    const model = learn(
      [
        [0, 0],
        [0, 0],
        [0, 1],
        [1, 0],
        [1, 1],
        [1, 2],
        [2, 1],
        [2, 2],
        [3, 0],
      ],
      4,
      3,
    );
    expect([...model.buyers]).toEqual([3, 3, 2]);
    expect(model.customers).toBe(4);
    expect(neighboursOf(model, 0)).toEqual([[1, 2 / 3, 2]]);
    expect(neighboursOf(model, 1)).toEqual([
      [2, 2 / Math.sqrt(6), 2],
      [0, 2 / 3, 2],
    ]);
    // products 0 and 2: one customer bought both, which is no relation
    expect(neighboursOf(model, 2)).toEqual([[1, 2 / Math.sqrt(6), 2]]);
  });

  it('keeps the nearest products exactly as counting every pair would, whatever order the lines come in', () => {
    const data = fc
      .record({ customers: fc.integer({ min: 1, max: 12 }), products: fc.integer({ min: 1, max: 9 }) })
      .chain(({ customers, products }) =>
        fc.record({
          customers: fc.constant(customers),
          products: fc.constant(products),
          lines: fc.array(fc.tuple(fc.nat(customers - 1), fc.nat(products - 1)), { maxLength: 60 }),
          keep: fc.integer({ min: 1, max: 4 }),
          minCoBuyers: fc.integer({ min: 1, max: 3 }),
        }),
      );
    fc.assert(
      fc.property(data, fc.integer(), ({ customers, products, lines, keep, minCoBuyers }, seed) => {
        const sets = Array.from({ length: customers }, () => new Set<number>());
        for (const [c, p] of lines) sets[c]!.add(p);
        const buyers = Array.from({ length: products }, (_, p) => sets.filter((s) => s.has(p)).length);
        const shuffled = [...lines].sort((a, b) => ((a[0] * 31 + a[1] + seed) % 7) - ((b[0] * 31 + b[1] + seed) % 7));
        const model = learn(shuffled, customers, products, { neighbours: keep, minCoBuyers });
        for (let p = 0; p < products; p++) {
          const expected = [];
          for (let q = 0; q < products; q++) {
            if (q === p) continue;
            const together = sets.filter((s) => s.has(p) && s.has(q)).length;
            if (together === 0 || together < minCoBuyers) continue;
            expected.push([q, together / Math.sqrt(buyers[p]! * buyers[q]!), together] as [number, number, number]);
          }
          expected.sort((a, b) => b[1] - a[1] || b[2] - a[2] || a[0] - b[0]);
          expect(neighboursOf(model, p)).toEqual(expected.slice(0, keep));
        }
      }),
      { seed: 25, numRuns: 300 },
    );
  });
});

describe('rankFor', () => {
  const near = new Map([
    [
      'mug',
      [
        { product: 'tea', score: 0.5, coBuyers: 40 },
        { product: 'spoon', score: 0.2, coBuyers: 10 },
      ],
    ],
    [
      'pot',
      [
        { product: 'tea', score: 0.4, coBuyers: 60 },
        { product: 'lamp', score: 0.3, coBuyers: 12 },
      ],
    ],
  ]);
  const popular = ['bag', 'tea', 'mug', 'hat', 'lamp'].map((product, i) => ({ product, buyers: 100 - i }));

  it('sums the similarities to what was bought, gives the nearest purchase as the reason, and fills up by popularity', () => {
    const ranked = rankFor({ bought: new Set(['mug', 'pot']), near: (p) => near.get(p) ?? [], popular, allowed: () => true, limit: 5 });
    expect(ranked).toEqual([
      { product: 'tea', score: 0.9, because: { product: 'mug', coBuyers: 40 } },
      { product: 'lamp', score: 0.3, because: { product: 'pot', coBuyers: 12 } },
      { product: 'spoon', score: 0.2, because: { product: 'mug', coBuyers: 10 } },
      { product: 'bag', score: 0, buyers: 100 },
      { product: 'hat', score: 0, buyers: 97 },
    ]);
  });

  it('never returns what was bought or what is not allowed, nor a product twice, nor more than asked', () => {
    const names = ['a', 'b', 'c', 'd', 'e', 'f'];
    const edge = fc.record({
      product: fc.constantFrom(...names),
      score: fc.double({ min: 0.01, max: 1, noNaN: true }),
      coBuyers: fc.nat(50),
    });
    fc.assert(
      fc.property(
        fc.dictionary(fc.constantFrom(...names), fc.array(edge, { maxLength: 5 })),
        fc.subarray(names),
        fc.subarray(names),
        fc.integer({ min: 1, max: 8 }),
        (graph, bought, banned, limit) => {
          const ranked = rankFor({
            bought: new Set(bought),
            near: (p) => graph[p] ?? [],
            popular: names.map((product) => ({ product, buyers: 1 })),
            allowed: (p) => !banned.includes(p),
            limit,
          });
          const products = ranked.map((r) => r.product);
          expect(new Set(products).size).toBe(products.length);
          expect(products.length).toBe(Math.min(limit, names.filter((n) => !bought.includes(n) && !banned.includes(n)).length));
          for (const p of products) expect(bought.includes(p) || banned.includes(p)).toBe(false);
        },
      ),
      { seed: 25, numRuns: 300 },
    );
  });
});
