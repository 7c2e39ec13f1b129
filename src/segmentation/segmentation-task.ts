import type { Kysely } from 'kysely';
import type { ProgressUpdate } from '../core/context.ts';
import { dayOfInstant } from '../core/business-day.ts';
import { UserError } from '../core/errors.ts';
import { createDatabase, dialectOf, sqlitePath } from '../store/database.ts';
import type { Database } from '../store/schema.ts';
import { checkFeatures, fetchCustomerFeatures, isOrderFeature, latestOrderDate, type CustomerFeatures } from './customer-features.ts';
import { SegmentationInputError } from './errors.ts';
import { rfm, RFM_GROUP_ORDER, RFM_GROUPS, type DimensionScoring, type RfmResult } from './rfm.ts';
import {
  getRun,
  runSegments,
  storeRun,
  type NewSegment,
  type RunDetails,
  type RunRecord,
  type SegmentRecord,
  type TransformInfo,
} from './runs.ts';
import { segmentCustomers } from './segment-customers.ts';
import { chooseFeatures, RFM_FEATURES } from './choose-features.ts';
import { writeRunCharts, type RunCharts } from './segment-views.ts';

export const RFM_SCORE_COLUMNS = ['r_score', 'f_score', 'm_score'];
export const AUTO_K_RANGE = { from: 2, to: 10 };
export const NO_PURCHASE = {
  name: 'No purchase yet',
  action: 'Welcome series and a first-purchase incentive (no deep discounts until they engage)',
};

export interface SegmentRunInput {
  /** Where the worker opens the store; absent when running in-process on a given db. */
  databaseUrl?: string;
  method: 'kmeans' | 'rfm';
  k: number | 'auto';
  /** Requested features; absent: the method's defaults. */
  features?: string[];
  asOf?: string;
  /** The business time zone: as_of runs to the end of that day in it. */
  zone: string;
  name?: string;
  seed: number;
  scaling: 'standard' | 'none';
  createdBy: string;
  platform: string;
  createdAt: string;
  currency: string;
  /** When given, the charts are rendered here too (off the bot's event loop when in a worker). */
  outDir?: string;
}

export interface SegmentRunOutput {
  run: RunRecord;
  segments: SegmentRecord[];
  charts?: RunCharts;
  timings: { features_ms: number; cluster_ms: number; store_ms: number };
}

type Progress = (update: ProgressUpdate) => void;

/** Worker entry: opens its own connection to the store named by `databaseUrl`. */
export default async function segmentationTask(input: SegmentRunInput, progress: Progress): Promise<SegmentRunOutput> {
  const url = input.databaseUrl!;
  const db = createDatabase(url);
  try {
    const file = dialectOf(url) === 'sqlite' ? sqlitePath(url) : undefined;
    return await performSegmentRun(db, input, progress, { sqliteFile: file === ':memory:' ? undefined : file });
  } finally {
    await db.destroy();
  }
}

export interface StoreAccess {
  /** The store's SQLite file, for the streaming read and write fast paths (absent: kysely only). */
  sqliteFile?: string;
}

/** The whole `/segment run`: features from the store, clustering or RFM scoring, stored run. */
export async function performSegmentRun(
  db: Kysely<Database>,
  input: SegmentRunInput,
  progress: Progress = () => {},
  access: StoreAccess = {},
): Promise<SegmentRunOutput> {
  const features = chooseFeatures(input);
  const available = await checkFeatures(db, features);
  const usesOrders = features.some(isOrderFeature);
  const latest = await latestOrderDate(db, input.zone);
  if (usesOrders && latest === null) {
    throw new UserError(
      'no_orders',
      `There are no purchases in the store, so ${features.filter(isOrderFeature).join(', ')} cannot be computed.`,
      {
        hint: available.attributes.length
          ? `Import orders with /import orders, or segment on customer attributes: features=${available.attributes.join(',')}.`
          : 'Import orders with /import orders first.',
      },
    );
  }
  const asOf = input.asOf ?? latest ?? dayOfInstant(new Date(input.createdAt), input.zone);
  const asOfNote = usesOrders && input.asOf && latest ? asOfWarning(input.asOf, latest) : undefined;

  let started = performance.now();
  progress({ fraction: 0, message: 'reading customer features' });
  const data = await fetchCustomerFeatures(db, {
    features,
    asOf,
    zone: input.zone,
    sqliteFile: access.sqliteFile,
    onProgress: (u) => progress({ fraction: (u.fraction ?? 0) * 0.35, message: u.message }),
  });
  const featuresMs = performance.now() - started;

  started = performance.now();
  progress({ fraction: 0.35, message: 'clustering' });
  const plan = input.method === 'rfm' ? scoreRfm(data, asOf) : clusterKmeans(data, input, asOf);
  const clusterMs = performance.now() - started;

  started = performance.now();
  progress({ fraction: 0.6, message: 'storing memberships' });
  const totalRevenue = data.revenue.reduce((a, b) => a + b, 0);
  const sizes = new Array<number>(plan.segments.length).fill(0);
  const revenue = new Array<number>(plan.segments.length).fill(0);
  for (let i = 0; i < data.ids.length; i++) {
    const s = plan.assignment[i];
    if (s < 0) continue;
    sizes[s]++;
    revenue[s] += data.revenue[i];
  }
  const members = sizes.reduce((a, b) => a + b, 0);
  const segments: NewSegment[] = plan.segments.map((segment, s) => ({
    ...segment,
    size: sizes[s],
    share: members > 0 ? sizes[s] / members : 0,
    revenue_share: data.usesOrders && totalRevenue !== 0 ? revenue[s] / totalRevenue : null,
  }));
  const details: RunDetails = {
    overall: plan.overall,
    transforms: plan.transforms,
    choice: plan.choice,
    ...(plan.rfm ? { rfm: plan.rfm } : {}),
    missing: plan.missing,
    currency: input.currency,
    ...(asOfNote ? { as_of_note: asOfNote } : {}),
    timings_ms: { features: Math.round(featuresMs), cluster: Math.round(clusterMs) },
  };
  const { runId } = await storeRun(
    db,
    {
      name: input.name ?? null,
      method: input.method,
      k: plan.segments.filter((s) => s.kind !== 'no_purchase').length,
      as_of: asOf,
      features: plan.columns,
      parameters: {
        method: input.method,
        k: input.k,
        features,
        as_of: asOf,
        seed: input.seed,
        scaling: input.scaling,
        ...(input.name ? { name: input.name } : {}),
      },
      details,
      customers: members,
      inertia: plan.inertia,
      created_at: input.createdAt,
      created_by: input.createdBy,
      platform: input.platform,
    },
    segments,
    { ids: data.ids, segment: plan.assignment, featureText: plan.featureText },
    (stored) =>
      progress({ fraction: 0.6 + 0.4 * (stored / Math.max(1, members)), message: `stored ${stored.toLocaleString('en-US')} memberships` }),
    { sqliteFile: access.sqliteFile },
  );
  const storeMs = performance.now() - started;
  const run = (await getRun(db, runId))!;
  const stored = await runSegments(db, runId);
  return {
    run,
    segments: stored,
    charts: input.outDir ? await writeRunCharts(run, stored, input.outDir) : undefined,
    timings: { features_ms: featuresMs, cluster_ms: clusterMs, store_ms: storeMs },
  };
}

/** Per customer: the index of its segment in `segments` (-1: in none); what each stored column holds. */
interface Plan {
  segments: Omit<NewSegment, 'size' | 'share' | 'revenue_share'>[];
  assignment: Int32Array;
  /** Columns of feature_values. */
  columns: string[];
  featureText(i: number): string;
  overall: Record<string, number>;
  transforms: TransformInfo[];
  choice?: RunDetails['choice'];
  rfm?: RunDetails['rfm'];
  inertia: number | null;
  missing: number;
}

/** Which customers are clustered: purchasers with every feature (all with the attributes when no order feature is used). */
function eligibleRows(data: CustomerFeatures): { rows: number[]; noPurchase: number[]; missing: number } {
  const dims = data.names.length;
  const rows: number[] = [];
  const noPurchase: number[] = [];
  let missing = 0;
  for (let i = 0; i < data.ids.length; i++) {
    if (data.usesOrders && !data.purchased[i]) {
      noPurchase.push(i);
      continue;
    }
    let complete = true;
    for (let d = 0; d < dims; d++) if (Number.isNaN(data.values[i * dims + d])) complete = false;
    if (complete) rows.push(i);
    else missing++;
  }
  return { rows, noPurchase, missing };
}

function clusterKmeans(data: CustomerFeatures, input: SegmentRunInput, asOf: string): Plan {
  const dims = data.names.length;
  const { rows, noPurchase, missing } = eligibleRows(data);
  const who = data.usesOrders ? `customers with purchases as of ${asOf}` : `customers with ${data.names.join(', ')}`;
  if (typeof input.k === 'number' && rows.length < input.k) {
    throw new UserError('too_few_customers', `Only ${rows.length} ${who}: too few for k=${input.k}.`, {
      hint: rows.length >= 2 ? `Use k=${Math.min(rows.length, 12)} or less, or k=auto.` : 'Import more customers and orders first.',
    });
  }
  const values = new Float64Array(rows.length * dims);
  rows.forEach((i, j) => values.set(data.values.subarray(i * dims, i * dims + dims), j * dims));
  const raw = { names: data.names, rows: rows.length, values };
  let result;
  try {
    result = segmentCustomers(raw, { k: input.k, kRange: AUTO_K_RANGE, scaling: input.scaling, seed: input.seed });
  } catch (error) {
    throw asUserError(error, who);
  }
  const order = result.segments.map((_, c) => c).sort((a, b) => result.segments[b].size - result.segments[a].size || a - b);
  const position = new Int32Array(result.k);
  order.forEach((c, p) => (position[c] = p));
  const assignment = new Int32Array(data.ids.length).fill(-1);
  rows.forEach((i, j) => (assignment[i] = position[result.labels[j]]));
  const segments: Plan['segments'] = order.map((c) => ({
    name: result.segments[c].name,
    kind: 'cluster' as const,
    action: result.segments[c].action,
    profile: Object.fromEntries(data.names.map((name, d) => [name, round(result.segments[c].means[d])])),
  }));
  addNoPurchase(data, noPurchase, segments, assignment);
  return {
    segments,
    assignment,
    columns: data.names,
    featureText: (i) => featureText(data.values, i * dims, dims),
    overall: overallMeans(data, rows),
    transforms: result.transforms.map((t) => ({ feature: t.name, transform: t.description, skewness: round(t.skewness) })),
    choice: result.choice && {
      best: result.choice.best,
      sample_rows: result.choice.sampleRows,
      scores: result.choice.scores.map((s) => ({ k: s.k, inertia: round(s.inertia), silhouette: round(s.silhouette, 4) })),
    },
    inertia: result.kmeans.inertia,
    missing,
  };
}

function scoreRfm(data: CustomerFeatures, asOf: string): Plan {
  const { rows, noPurchase } = eligibleRows(data);
  if (rows.length === 0) {
    throw new UserError('too_few_customers', `No customers with purchases as of ${asOf}.`, {
      hint: 'Pick a later as_of, or import orders first.',
    });
  }
  const pick = (d: number) => Float64Array.from(rows, (i) => data.values[i * 3 + d]);
  let scores: RfmResult;
  try {
    scores = rfm({ recencyDays: pick(0), frequency: pick(1), monetary: pick(2) });
  } catch (error) {
    if (error instanceof SegmentationInputError && error.code === 'no_spread') {
      throw new UserError(
        'no_spread',
        `All ${rows.length.toLocaleString('en-US')} customers with purchases as of ${asOf} have the same recency, frequency and spend: RFM cannot tell them apart.`,
        { hint: 'Pick another as_of, or import more orders.', context: error.context },
      );
    }
    throw error;
  }
  const named = new Set(scores.groups);
  const present = RFM_GROUP_ORDER.filter((g) => named.has(g));
  const segmentOf = new Map(present.map((g, s) => [g, s]));
  const assignment = new Int32Array(data.ids.length).fill(-1);
  /** Customer row -> position in `rows` (-1: not scored). */
  const scored = new Int32Array(data.ids.length).fill(-1);
  const sums = present.map(() => new Float64Array(6));
  const counts = new Array<number>(present.length).fill(0);
  const scoreArrays = [scores.r, scores.f, scores.m];
  rows.forEach((i, j) => {
    const s = segmentOf.get(scores.groups[j])!;
    assignment[i] = s;
    scored[i] = j;
    counts[s]++;
    for (let d = 0; d < 3; d++) {
      sums[s][d] += data.values[i * 3 + d];
      sums[s][3 + d] += scoreArrays[d][j];
    }
  });
  const dims = [scores.dimensions.recency, scores.dimensions.frequency, scores.dimensions.monetary];
  const columns = [...RFM_FEATURES, ...RFM_SCORE_COLUMNS];
  const profiled = columns.filter((_, d) => d < 3 || dims[d - 3].informative);
  const segments: Plan['segments'] = present.map((group, s) => ({
    name: group,
    kind: 'rfm' as const,
    action: RFM_GROUPS[group],
    profile: Object.fromEntries(profiled.map((name) => [name, round(sums[s][columns.indexOf(name)] / counts[s])])),
  }));
  addNoPurchase(data, noPurchase, segments, assignment);
  return {
    segments,
    assignment,
    columns,
    featureText: (i) => {
      const base = featureText(data.values, i * 3, 3);
      const j = scored[i];
      if (j < 0) return `${base},,,`;
      return `${base},${scoreArrays.map((a) => (a[j] === 0 ? '' : String(a[j]))).join(',')}`;
    },
    overall: overallMeans(data, rows),
    transforms: RFM_FEATURES.map((feature, d) => ({ feature, transform: rfmTransform(feature, dims[d]), skewness: 0 })),
    rfm: {
      column: scores.column,
      uninformative: RFM_FEATURES.flatMap((feature, d) => (dims[d].informative ? [] : [{ feature, value: dims[d].value! }])),
    },
    inertia: null,
    missing: 0,
  };
}

function rfmTransform(feature: string, scoring: DimensionScoring): string {
  if (!scoring.informative) return `not scored: every customer has the same value (${round(scoring.value!)})`;
  const cuts = scoring.cuts.map((c) => String(round(c))).join(', ');
  return `quintile score 1-5${feature === 'recency' ? ' (recent = 5)' : ''}, cut points ${cuts}`;
}

function addNoPurchase(data: CustomerFeatures, rows: number[], segments: Plan['segments'], assignment: Int32Array): void {
  if (rows.length === 0) return;
  const index = segments.length;
  for (const i of rows) assignment[i] = index;
  segments.push({ name: NO_PURCHASE.name, kind: 'no_purchase', action: NO_PURCHASE.action, profile: finiteMeans(data, rows) });
}

function overallMeans(data: CustomerFeatures, rows: number[]): Record<string, number> {
  return finiteMeans(data, rows);
}

/** Per feature: the mean over the rows where it is defined (features undefined for all are left out). */
function finiteMeans(data: CustomerFeatures, rows: number[]): Record<string, number> {
  const dims = data.names.length;
  const out: Record<string, number> = {};
  data.names.forEach((name, d) => {
    let sum = 0;
    let n = 0;
    for (const i of rows) {
      const v = data.values[i * dims + d];
      if (!Number.isNaN(v)) {
        sum += v;
        n++;
      }
    }
    if (n > 0) out[name] = round(sum / n);
  });
  return out;
}

function featureText(values: Float64Array, offset: number, dims: number): string {
  let text = '';
  for (let d = 0; d < dims; d++) {
    const v = values[offset + d];
    if (d > 0) text += ',';
    if (!Number.isNaN(v)) text += String(Math.round(v * 100) / 100);
  }
  return text;
}

function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Segmentation input errors said in the user's terms, with what to do next. */
function asUserError(error: unknown, who: string): unknown {
  if (!(error instanceof SegmentationInputError)) return error;
  const context = error.context;
  switch (error.code) {
    case 'zero_variance':
      return new UserError(
        'zero_variance',
        `Feature \`${String(context.feature)}\` has the same value (${String(context.value)}) for every one of the ${who}: it cannot tell segments apart.`,
        {
          hint: 'Drop it from features=, or pick another as_of.',
          context,
        },
      );
    case 'too_few_rows':
    case 'too_few_distinct_points':
      return new UserError('too_few_customers', `Too few distinct ${who}: ${error.message}.`, {
        hint: 'Use a smaller k, or k=auto.',
        context,
      });
    default:
      return new UserError(error.code, `${error.message}.`, { hint: 'Check features= and k=.', context });
  }
}

/** as_of this many days past the latest purchase makes everyone look lapsed. */
export const AS_OF_AFTER_DATA_DAYS = 30;
/** as_of this many days before the latest purchase leaves much of the data out. */
export const AS_OF_BEFORE_DATA_DAYS = 365;

/** A warning when as_of is well past the latest purchase (or far before it), naming the as_of used. */
export function asOfWarning(asOf: string, latest: string): string | undefined {
  const days = Math.round((Date.parse(`${asOf}T00:00:00Z`) - Date.parse(`${latest}T00:00:00Z`)) / 86_400_000);
  const count = (n: number) => `${n.toLocaleString('en-US')} ${n === 1 ? 'day' : 'days'}`;
  if (days > AS_OF_AFTER_DATA_DAYS)
    return `⚠️ as_of ${asOf} is ${count(days)} after the latest purchase (${latest}): recency is counted to ${asOf}, so every customer looks at least ${count(days)} silent and the names compare customers only with each other. Used as_of ${asOf} as asked; leave as_of out to use ${latest}.`;
  if (-days > AS_OF_BEFORE_DATA_DAYS)
    return `⚠️ as_of ${asOf} is ${count(-days)} before the latest purchase (${latest}): purchases after ${asOf} are left out. Used as_of ${asOf} as asked; leave as_of out to use ${latest}.`;
  return undefined;
}
