import { countOf, formatCount, formatPercent } from '../core/format.ts';
import type { View } from '../core/reply.ts';
import { oneLine } from '../import/product-values.ts';
import type { SegmentRecord } from '../segmentation/runs.ts';
import type { Evaluation } from './evaluate.ts';
import type { CustomerRecommendations } from './for-customer.ts';
import type { Ranked } from './rank.ts';
import type { ModelDetails, RecommendationRun } from './runs.ts';
import type { SegmentProducts } from './segment-products.ts';

/** Product names and ids come from files: one line each, and short, wherever a reply shows them. */
const NAME_CHARS = 60;
const REASON_NAME_CHARS = 40;
const ID_CHARS = 40;

const cut = (text: string, max: number) => oneLine(text, max) ?? '—';

/** "WHITE METAL LANTERN (71053)", or the id alone when the product has no other name. */
export function productLabel(id: string, names: ReadonlyMap<string, string | null>): string {
  const shownId = cut(id, ID_CHARS);
  const name = names.get(id);
  const shownName = name ? cut(name, NAME_CHARS) : null;
  return shownName && shownName !== shownId ? `${shownName} (${shownId})` : shownId;
}

/** The one-line reason: "bought with WHITE METAL LANTERN by 312 customers", or popularity's. */
export function reasonOf(ranked: Ranked<string>, names: ReadonlyMap<string, string | null>): string {
  if (ranked.because) {
    const near = names.get(ranked.because.product) ?? ranked.because.product;
    return `bought with ${cut(near, REASON_NAME_CHARS)} by ${countOf(ranked.because.coBuyers, 'customer')}`;
  }
  return `popular: bought by ${countOf(ranked.buyers ?? 0, 'customer')}`;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

const METHOD_NOTE =
  'Item-to-item: products bought by the same customers as what the customer bought (cosine similarity over customers; a pair counts once at least 2 customers bought both), scored by the sum of their similarities to those purchases; the most popular products fill the list when there are fewer.';

export function customerData(result: CustomerRecommendations, names: ReadonlyMap<string, string | null>) {
  return {
    customer_id: result.customerId,
    run_id: result.run.id,
    as_of: result.run.as_of,
    products_bought: result.bought,
    recommendations: result.ranked.map((r, i) => ({
      rank: i + 1,
      product_id: r.product,
      name: names.get(r.product) ?? null,
      score: r.score,
      reason: reasonOf(r, names),
      because: r.because ? { product_id: r.because.product, co_buyers: r.because.coBuyers } : null,
      ...(r.buyers !== undefined ? { buyers: r.buyers } : {}),
    })),
  };
}

/** /recommend customer=…: the list with a reason per product; `newer` is the latest purchase day when it is after the model's. */
export function customerView(result: CustomerRecommendations, names: ReadonlyMap<string, string | null>, newer: string | null): View {
  const { run, ranked } = result;
  const id = cut(result.customerId, ID_CHARS);
  const fromNear = ranked.filter((r) => r.because).length;
  const text =
    result.bought === 0
      ? `Customer ${id} has no purchases with products yet: the ${countOf(ranked.length, 'most popular product')} instead.`
      : `Top ${formatCount(ranked.length)} for customer ${id}: ${formatCount(fromNear)} from what they bought (${countOf(result.bought, 'product')}), ${formatCount(ranked.length - fromNear)} by popularity.`;
  const notes = [
    `Learnt from purchases through ${run.as_of} (model #${run.id}, ${countOf(run.customers, 'customer')}). Products they already bought and inactive products are never recommended.`,
    METHOD_NOTE,
  ];
  if (newer) notes.push(`Purchases up to ${newer} are in the store since: /recommend train learns from them.`);
  return {
    title: `Recommendations for customer ${id}`,
    text,
    tables: ranked.length
      ? [{ columns: ['#', 'Product', 'Why'], rows: ranked.map((r, i) => [i + 1, productLabel(r.product, names), reasonOf(r, names)]) }]
      : [],
    notes,
  };
}

export function trainView(run: RecommendationRun): View {
  const details = run.details as ModelDetails;
  const { read, learn, store } = details.timings_ms;
  return {
    title: `Recommendations learnt (model #${run.id})`,
    text: `Learnt which products are bought together from ${countOf(details.lines, 'purchase line')} of ${countOf(run.customers, 'customer')} and ${countOf(run.products, 'product')}, through ${run.as_of}, in ${seconds(read + learn + (store ?? 0))}.`,
    fields: [
      { label: 'Customers', value: formatCount(run.customers) },
      { label: 'Products', value: formatCount(run.products) },
      { label: 'Purchase lines', value: formatCount(details.lines) },
      { label: 'Time', value: `read ${seconds(read)}, learn ${seconds(learn)}, store ${seconds(store ?? 0)}` },
    ],
    notes: [
      METHOD_NOTE,
      'Ask /recommend customer=<id> or /recommend segment=<name>; /recommend evaluate measures the method against popularity on the latest purchases.',
    ],
  };
}

export function evaluationData(run: RecommendationRun) {
  const evaluation = run.details as Evaluation;
  const { timings_ms: _timings, ...figures } = evaluation as Evaluation & { timings_ms?: unknown };
  return { run_id: run.id, ...figures };
}

export function evaluationView(run: RecommendationRun): View {
  const e = run.details as Evaluation & { timings_ms: { read: number } };
  const better = e.recommender.hit_rate > e.popularity.hit_rate;
  return {
    title: `Recommendations evaluated (run #${run.id})`,
    text: `On the last ${countOf(e.holdout_days, 'day')} (${e.holdout_from} to ${e.holdout_through}), the recommender's top ${e.k} held a product the customer went on to buy for ${formatPercent(e.recommender.hit_rate)} of ${countOf(e.customers, 'customer')}; the ${e.k} most popular products did for ${formatPercent(e.popularity.hit_rate)}.${
      better ? '' : ' The recommender does not beat popularity on this data.'
    }`,
    tables: [
      {
        columns: ['Method', `Hit rate@${e.k}`, 'Customers hit', 'Coverage'],
        rows: [
          ['Co-purchases', formatPercent(e.recommender.hit_rate), formatCount(e.recommender.hits), formatPercent(e.recommender.coverage)],
          ['Popularity', formatPercent(e.popularity.hit_rate), formatCount(e.popularity.hits), formatPercent(e.popularity.coverage)],
        ],
        numeric: [false, true, true, true],
      },
    ],
    notes: [
      `Both learnt from purchases through ${e.train_through} (${countOf(e.train.lines, 'line')}, learnt in ${seconds(e.train.ms)}) and scored on the same customers: those who bought before the holdout and bought a product new to them in it. A hit: at least one of the top ${e.k} among those new products. Left out: ${countOf(e.new_customers, 'new customer')} (nothing bought before) and ${countOf(e.repeat_only, 'customer')} who only bought again what they had.`,
      `Coverage: the share of the ${countOf(e.catalog, 'product')} bought before the holdout that appear in someone's top ${e.k}.`,
      METHOD_NOTE,
    ],
  };
}

export function segmentView(segment: SegmentRecord, result: SegmentProducts, names: ReadonlyMap<string, string | null>): View {
  const label = `${cut(segment.name, NAME_CHARS)} (#${segment.id})`;
  if (result.segment_buyers === 0)
    return {
      title: `Products for segment ${label}`,
      text: `No customer of segment ${label} has a purchase with products: there is nothing to compare.`,
    };
  return {
    title: `Products for segment ${label}`,
    text: result.products.length
      ? `What the ${countOf(result.segment_buyers, 'buyer')} of the segment buy more than all ${countOf(result.base_buyers, 'buyer')} do (products at least ${formatCount(result.min_buyers)} of them bought), most distinctive first.`
      : `The segment's ${countOf(result.segment_buyers, 'buyer')} buy no product (of those at least ${formatCount(result.min_buyers)} of them bought) more than all ${countOf(result.base_buyers, 'buyer')} do.`,
    tables: result.products.length
      ? [
          {
            columns: ['#', 'Product', 'Segment', 'Everyone', 'Lift'],
            rows: result.products.map((p, i) => [
              i + 1,
              productLabel(p.product, names),
              `${formatPercent(p.segment_share)} (${formatCount(p.segment_buyers)})`,
              formatPercent(p.base_share),
              `${p.lift.toFixed(1)}×`,
            ]),
            numeric: [true, false, true, true, true],
          },
        ]
      : [],
    notes: [
      'Segment and Everyone: the share of buyers who bought the product; Lift: how many times more often the segment buys it. All purchases with products count, those after the segment run too; inactive products are left out.',
    ],
  };
}
