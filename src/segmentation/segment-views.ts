import type { ChartSpec } from '../charts/chart-spec.ts';
import { writeChart } from '../charts/index.ts';
import { countOf, formatCount, formatPercent, maskEmail, noValue, plural } from '../core/format.ts';
import type { Button, Table, View } from '../core/reply.ts';
import { formatMoney } from '../store/money.ts';
import { ORDER_FEATURES, isOrderFeature } from './customer-features.ts';
import type { RunRecord, SegmentKind, SegmentRecord } from './runs.ts';

/** A segment as `--json` shows it. */
export interface SegmentData {
  id: number;
  name: string;
  size: number;
  share: number;
  revenue_share: number | null;
  profile: Record<string, number>;
  action: string;
}

export interface RunData {
  run_id: number;
  name: string | null;
  method: 'kmeans' | 'rfm';
  k: number;
  as_of: string;
  customers: number;
  features: string[];
  inertia: number | null;
  segments: SegmentData[];
  overall: Record<string, number>;
  transforms: { feature: string; transform: string }[];
  k_choice?: { best: number; sample_rows: number; scores: { k: number; inertia: number; silhouette: number }[] };
  created_at: string;
  created_by: string;
  /** Absolute path of the segment sizes and profiles chart. */
  chart: string;
  /** Absolute path of the elbow and silhouette chart (k=auto). */
  k_chart?: string;
}

export function segmentData(segment: SegmentRecord): SegmentData {
  const { id, name, size, share, revenue_share, profile, action } = segment;
  return { id, name, size, share, revenue_share, profile, action };
}

/** A feature value in its unit: money for monetary and aov, days for recency and tenure; "— (why)" without one. */
export function formatFeature(name: string, value: number | undefined, currency: string, missing = 'no value'): string {
  if (value === undefined || !Number.isFinite(value)) return noValue(missing);
  if (name === 'monetary' || name === 'aov') return formatMoney(Math.round(value * 100), currency);
  if (name === 'recency' || name === 'tenure') return `${value.toFixed(0)} d`;
  return String(Math.round(value * 100) / 100);
}

/** A feature's name in a sentence: the RFM scores in words, any other as it is named in features=. */
export function featureWord(name: string): string {
  return SCORE_LABELS[name] ?? name;
}

export function featureLabel(name: string): string {
  if (name in SCORE_LABELS) return SCORE_LABELS[name]!;
  if (!isOrderFeature(name)) return name;
  return {
    recency: 'recency (days)',
    frequency: 'frequency (orders)',
    monetary: 'monetary (net revenue)',
    tenure: 'tenure (days)',
    aov: 'avg order value',
  }[name];
}

const SCORED: Record<string, string> = { r_score: 'recency', f_score: 'frequency', m_score: 'monetary' };
const SCORE_LABELS: Record<string, string> = { r_score: 'R score', f_score: 'F score', m_score: 'M score' };

/** Why a run has no value of `feature` for a segment (of `kind`) or a customer. */
function whyMissing(run: RunRecord, feature: string, kind?: SegmentKind): string {
  if (SCORED[feature] && run.details.rfm?.uninformative.some((u) => u.feature === SCORED[feature])) return 'not scored';
  if (kind === 'no_purchase') return 'no purchase';
  if (SCORED[feature]) return 'not averaged';
  return 'no value';
}

/** "▲ 40%" / "▼ 12%" against the overall mean. */
function versus(value: number | undefined, overall: number | undefined): string {
  if (value === undefined || overall === undefined || !(overall > 0)) return '';
  const change = value / overall - 1;
  if (Math.abs(change) < 0.005) return '≈ avg';
  return `${change > 0 ? '▲' : '▼'} ${Math.abs(change * 100).toFixed(0)}%`;
}

/** Revenue share is null when the run uses no order features or the customers' net revenue sums to 0. */
const NO_REVENUE = noValue('no revenue to share');

function profileColumns(run: RunRecord): string[] {
  return run.features;
}

export function profileTable(run: RunRecord, segments: SegmentRecord[]): Table {
  const columns = profileColumns(run);
  const currency = run.details.currency;
  return {
    title: 'Profiles (segment average, vs the overall average)',
    columns: ['Segment', ...columns.map(featureLabel)],
    rows: [
      ['Overall average', ...columns.map((f) => formatFeature(f, run.details.overall[f], currency, whyMissing(run, f)))],
      ...segments.map((s) => [
        s.name,
        ...columns.map((f) => {
          const text = formatFeature(f, s.profile[f], currency, whyMissing(run, f, s.kind));
          const vs = s.kind === 'no_purchase' ? '' : versus(s.profile[f], run.details.overall[f]);
          return vs ? `${text} (${vs})` : text;
        }),
      ]),
    ],
    numeric: [false, ...columns.map(() => true)],
  };
}

export function segmentsTable(segments: SegmentRecord[]): Table {
  return {
    title: 'Segments',
    columns: ['Id', 'Segment', 'Customers', 'Share', 'Revenue share', 'Recommended action'],
    rows: segments.map((s) => [
      `#${s.id}`,
      s.name,
      formatCount(s.size),
      formatPercent(s.share),
      s.revenue_share === null ? NO_REVENUE : formatPercent(s.revenue_share),
      s.action,
    ]),
    numeric: [false, false, true, true, true, false],
  };
}

function transformsText(run: RunRecord): string {
  return run.details.transforms.map((t) => `${t.feature}: ${t.transform}`).join('; ');
}

const customers = (n: number) => countOf(n, 'customer');

/** The sizes and profiles chart: each segment's features as % of the overall average, sizes in the labels. */
export function profileChart(run: RunRecord, segments: SegmentRecord[]): ChartSpec {
  const shown = segments.filter((s) => s.kind !== 'no_purchase');
  const unshown = segments.filter((s) => s.kind === 'no_purchase');
  const features = run.features.filter((f) => (run.details.overall[f] ?? 0) > 0);
  const left = unshown.map((s) => `; not shown: #${s.id} ${s.name} (${customers(s.size)}, no purchase to profile)`).join('');
  return {
    kind: 'grouped-bar',
    title: `Segments of run #${run.id}: sizes and profiles`,
    subtitle: `Each feature as % of its overall average (100 = average)${left}`,
    asOf: run.as_of,
    xTitle: 'Segment (#id name, customers)',
    yTitle: '% of overall average',
    valueFormat: ',.0f',
    categories: shown.map((s) => `#${s.id} ${s.name}\n${customers(s.size)}`),
    series: features.map((f) => ({
      name: featureLabel(f),
      values: shown.map((s) => (s.profile[f] === undefined ? null : Math.round((s.profile[f] / run.details.overall[f]) * 1000) / 10)),
    })),
  };
}

export function kChoiceChart(run: RunRecord): ChartSpec | undefined {
  const choice = run.details.choice;
  if (!choice) return undefined;
  return {
    kind: 'bar-line',
    title: `Choosing k for run #${run.id}: elbow and silhouette`,
    subtitle: `Chose k=${choice.best} (best silhouette) on ${customers(choice.sample_rows)}`,
    asOf: run.as_of,
    xTitle: 'k (number of segments)',
    x: choice.scores.map((s) => s.k),
    bars: {
      name: 'Inertia',
      axisTitle: 'Inertia (within-segment sum of squares)',
      values: choice.scores.map((s) => s.inertia),
      valueFormat: ',.0f',
    },
    line: { name: 'Silhouette', axisTitle: 'Silhouette (−1 to 1)', values: choice.scores.map((s) => s.silhouette), valueFormat: '.2f' },
  };
}

function runHeadline(run: RunRecord): string {
  const method = run.method === 'rfm' ? 'RFM scoring' : `k-means, k=${run.k}`;
  return `${method} · as of ${run.as_of} · ${countOf(run.customers, 'customer')} · ${run.features.filter((f) => !/_score$/.test(f)).join(', ')}`;
}

const NO_SPREAD: Record<string, (value: number, currency: string) => string> = {
  recency: (v) => `every customer last bought ${v} ${plural(v, 'day')} before as_of`,
  frequency: (v) => `every customer bought ${v} ${plural(v, 'time')}`,
  monetary: (v, currency) => `every customer spent ${formatMoney(Math.round(v * 100), currency)}`,
};

/** How an RFM run scored and named: dimensions with no spread, the map's column, the one-order rule. */
export function rfmNotes(run: RunRecord): string[] {
  const rfm = run.details.rfm;
  if (run.method !== 'rfm' || !rfm) return [];
  const notes = rfm.uninformative.map(
    ({ feature, value }) =>
      `${feature.charAt(0).toUpperCase()}${feature.slice(1)} is uninformative: ${NO_SPREAD[feature]?.(value, run.details.currency) ?? 'every customer has the same value'}, so it cannot tell customers apart; it is not scored and not used in the names.`,
  );
  if (rfm.column === 'monetary') notes.push('Names use R and M (M in place of F in the R × F segment map).');
  if (rfm.column === null) notes.push('Names use R alone.');
  notes.push(
    "Scores are quintiles of the values (ties share a score; recent = 5); names come from the R × F segment map (see the README). A customer with one order is never Champions, Loyal customers or Can't lose them.",
  );
  return notes;
}

export interface RunCharts {
  chart: string;
  k_chart?: string;
}

/** Renders the run's charts (PNG) into outDir: sizes and profiles, and the k choice when k was auto. */
export async function writeRunCharts(run: RunRecord, segments: SegmentRecord[], outDir: string): Promise<RunCharts> {
  const chart = await writeChart(profileChart(run, segments), outDir, `segment-run-${run.id}-profiles`);
  const kSpec = kChoiceChart(run);
  return kSpec ? { chart, k_chart: await writeChart(kSpec, outDir, `segment-run-${run.id}-choose-k`) } : { chart };
}

/** The reply to `/segment run`; charts already rendered (by the worker) are reused. */
/** What names a run in every reply that lists it. */
export function runIdentity(run: RunRecord) {
  return {
    run_id: run.id,
    name: run.name,
    method: run.method,
    k: run.k,
    as_of: run.as_of,
    customers: run.customers,
    features: run.features,
  };
}

export async function runView(
  run: RunRecord,
  segments: SegmentRecord[],
  outDir: string,
  charts?: RunCharts,
): Promise<{ data: RunData; view: View }> {
  const { chart, k_chart: kChart } = charts ?? (await writeRunCharts(run, segments, outDir));
  const choice = run.details.choice;
  const lines = [runHeadline(run), `Transforms: ${transformsText(run)}.`];
  if (choice) {
    const best = choice.scores.find((s) => s.k === choice.best);
    lines.push(
      `k=auto tried k=${choice.scores[0]?.k}..${choice.scores.at(-1)?.k} and chose *k=${choice.best}* (highest silhouette, ${best?.silhouette.toFixed(2)}); check the elbow chart.`,
    );
  }
  if (run.inertia !== null) lines.push(`Inertia ${run.inertia.toFixed(3)} (in the transformed units).`);
  const tables = [segmentsTable(segments), profileTable(run, segments)];
  if (choice) {
    tables.push({
      title: 'Choice of k',
      columns: ['k', 'Inertia', 'Silhouette'],
      rows: choice.scores.map((s) => [s.k, s.inertia.toFixed(1), s.silhouette.toFixed(3)]),
      numeric: [true, true, true],
    });
  }
  const notes = [`Run #${run.id}: address a segment by its id or name in /segment show, /segment export and campaign audiences.`];
  if (run.details.as_of_note) notes.unshift(run.details.as_of_note);
  notes.push(...rfmNotes(run));
  if (run.details.missing > 0)
    notes.push(
      `${countOf(run.details.missing, 'customer')} ${run.details.missing === 1 ? 'lacks' : 'lack'} one of the features and ${run.details.missing === 1 ? 'is' : 'are'} in no segment.`,
    );
  if (segments.some((s) => s.kind === 'no_purchase'))
    notes.push('"No purchase yet": customers without a purchase as of the date; not clustered.');
  const top = segments[0];
  const buttons: Button[] = top
    ? [
        { label: `Show ${top.name}`, command: `/segment show ${top.id}` },
        { label: `Export ${top.name}`, command: `/segment export ${top.id}` },
      ]
    : [];
  const data: RunData = {
    ...runIdentity(run),
    inertia: run.inertia,
    segments: segments.map(segmentData),
    overall: run.details.overall,
    transforms: run.details.transforms.map(({ feature, transform }) => ({ feature, transform })),
    ...(choice ? { k_choice: choice } : {}),
    created_at: run.created_at,
    created_by: run.created_by,
    chart,
    ...(kChart ? { k_chart: kChart } : {}),
  };
  return {
    data,
    view: {
      title: `Segmentation run #${run.id}${run.name ? ` “${run.name}”` : ''}: ${countOf(segments.length, 'segment')}`,
      text: lines.join('\n'),
      tables,
      charts: [
        {
          path: chart,
          name: `segment-run-${run.id}-profiles.png`,
          title: 'Segment sizes and profiles',
          alt: 'Grouped bars: each segment’s features as a percentage of the overall average',
        },
        ...(kChart
          ? [
              {
                path: kChart,
                name: `segment-run-${run.id}-choose-k.png`,
                title: 'Elbow and silhouette per k',
                alt: 'Bars of inertia and a line of silhouette for each k tried',
              },
            ]
          : []),
      ],
      buttons,
      notes,
    },
  };
}

export function listView(runs: { run: RunRecord; segments: SegmentRecord[] }[]): View {
  if (runs.length === 0) return { title: 'Segmentation runs', text: 'No runs yet. Start one with `/segment run`.' };
  const text = runs
    .map(({ run, segments }) => {
      const head = `*#${run.id}${run.name ? ` ${run.name}` : ''}* · ${runHeadline(run)} · by ${run.created_by} on ${run.created_at.slice(0, 16).replace('T', ' ')} UTC`;
      const lines = segments.map((s) => `  • ${s.name} (#${s.id}): ${formatCount(s.size)} · ${formatPercent(s.share)}`);
      return [head, ...lines].join('\n');
    })
    .join('\n\n');
  return { title: 'Segmentation runs, newest first', text };
}

export interface ExampleCustomer {
  customer_id: string;
  email: string;
  features: Record<string, number | null>;
}

export function showView(run: RunRecord, segment: SegmentRecord, examples: ExampleCustomer[]): View {
  const currency = run.details.currency;
  const columns = run.features;
  return {
    title: `Segment #${segment.id}: ${segment.name}`,
    text: `From run #${run.id}${run.name ? ` “${run.name}”` : ''} (${runHeadline(run)}).\n*Recommended action:* ${segment.action}`,
    fields: [
      { label: 'Customers', value: `${formatCount(segment.size)} (${formatPercent(segment.share)})` },
      { label: 'Revenue share', value: segment.revenue_share === null ? NO_REVENUE : formatPercent(segment.revenue_share) },
    ],
    tables: [
      {
        title: 'Profile',
        columns: ['Feature', 'Segment average', 'Overall average', 'Vs overall'],
        rows: columns.map((f) => [
          featureLabel(f),
          formatFeature(f, segment.profile[f], currency, whyMissing(run, f, segment.kind)),
          formatFeature(f, run.details.overall[f], currency, whyMissing(run, f)),
          versus(segment.profile[f], run.details.overall[f]) ||
            (segment.kind === 'no_purchase' ? noValue('no purchase') : noValue('not compared')),
        ]),
        numeric: [false, true, true, true],
      },
      {
        title: 'Example customers',
        columns: ['Customer', 'Email', ...columns.map(featureLabel)],
        rows: examples.map((e) => [
          e.customer_id,
          e.email,
          ...columns.map((f) => formatFeature(f, e.features[f] ?? undefined, currency, whyMissing(run, f, segment.kind))),
        ]),
        numeric: [false, false, ...columns.map(() => true)],
      },
    ],
    buttons: [{ label: 'Export CSV', command: `/segment export ${segment.id}` }],
    notes: ['Emails are masked. Export the segment for the full list of customer ids.'],
  };
}

export function parseFeatureValues(text: string, columns: string[]): Record<string, number | null> {
  const cells = text.split(',');
  return Object.fromEntries(columns.map((c, i) => [c, cells[i] === undefined || cells[i] === '' ? null : Number(cells[i])]));
}

export { maskEmail, ORDER_FEATURES };
