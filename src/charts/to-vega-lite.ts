import type { TopLevelSpec } from 'vega-lite';
import type { Config } from 'vega-lite';
import type {
  BarChartSpec,
  BarLineChartSpec,
  ChartSeries,
  ChartSpec,
  GroupedBarChartSpec,
  HistogramChartSpec,
  LineChartSpec,
  NonZeroAxis,
  VegaLiteChartSpec,
} from './chart-spec.ts';
import { formatCount } from '../core/format.ts';
import { binLabel, binValues } from './bins.ts';
import { CHART_FONT_FAMILY } from './fonts.ts';
import { labelWidth, wrapLabel, wrapLines } from './wrap.ts';

/** Width of the whole chart in vega units; the PNG is scaled from this to OUTPUT_WIDTH pixels. */
export const LAYOUT_WIDTH = 600;
export const OUTPUT_WIDTH = 800;
const DEFAULT_HEIGHT = 300;
const PALETTE = ['#4c78a8', '#f58518', '#54a24b', '#e45756', '#72b7b2', '#b279a2', '#eeca3b', '#9d755d', '#ff9da6', '#bab0ac'];
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const TITLE_WIDTH = LAYOUT_WIDTH - 20;
const LABEL_FONT_SIZE = 12;
/** Room a value axis (labels and title) takes from the plot's width, about. */
const VALUE_AXIS_WIDTH = 70;
/** The plot's width beside one or two value axes. */
const plotWidth = (axes: 1 | 2) => LAYOUT_WIDTH - 20 - axes * VALUE_AXIS_WIDTH;
/** Widest a category label may be beside horizontal bars before it wraps. */
const SIDE_LABEL_WIDTH = 200;
const LINE_HEIGHT = 15;

type Json = Record<string, unknown>;

export const HOUSE_CONFIG: Config = {
  font: CHART_FONT_FAMILY,
  background: 'white',
  padding: 10,
  view: { stroke: null },
  title: {
    fontSize: 17,
    subtitleFontSize: 13,
    subtitleColor: '#555555',
    anchor: 'start',
    offset: 12,
    // titles and labels are wrapped to fit (wrapLines): never cut
    limit: 0,
    subtitlePadding: 4,
  },
  axis: {
    labelFontSize: 12,
    titleFontSize: 13,
    labelColor: '#333333',
    titleColor: '#333333',
    gridColor: '#e8e8e8',
    domainColor: '#888888',
    tickColor: '#888888',
    labelLimit: 0,
    titlePadding: 8,
  },
  legend: {
    orient: 'bottom',
    direction: 'horizontal',
    labelFontSize: 12,
    titleFontSize: 12,
    symbolSize: 140,
    labelLimit: 0,
    columnPadding: 16,
  },
  range: { category: PALETTE },
  line: { strokeWidth: 2.5 },
  point: { size: 45, filled: true },
  bar: { color: PALETTE[0] },
};

interface Framed {
  title: string;
  subtitle?: string;
  asOf: string;
  period?: string;
  height?: number;
}

/** "as of 2026-11-30 · Nov 2026" */
export function asOfLine(spec: { asOf: string; period?: string }): string {
  if (!ISO_DATE.test(spec.asOf)) throw new Error(`chart: asOf must be a YYYY-MM-DD date, not "${spec.asOf}"`);
  return `as of ${spec.asOf}${spec.period ? ` · ${spec.period}` : ''}`;
}

/** Title and subtitle wrapped into lines; the subtitle ends with what `notes` add and the as-of line. */
function titleOf(spec: Framed, notes: string[]): Json {
  const text = wrapLines(spec.title, TITLE_WIDTH, 17, true);
  const subtitle = [spec.subtitle, ...notes, asOfLine(spec)]
    .filter((line): line is string => Boolean(line))
    .flatMap((line) => wrapLines(line, TITLE_WIDTH, 13));
  return { text: text.length === 1 ? text[0] : text, subtitle };
}

function frame(spec: Framed, defaultHeight = DEFAULT_HEIGHT, notes: string[] = []): Json {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: titleOf(spec, notes),
    width: LAYOUT_WIDTH,
    height: spec.height ?? defaultHeight,
    autosize: { type: 'fit-x', contains: 'padding' },
    config: HOUSE_CONFIG,
  };
}

function checkAligned(what: string, length: number, series: ChartSeries[]): void {
  for (const s of series) {
    if (s.values.length !== length) {
      throw new Error(`${what}: series "${s.name}" has ${s.values.length} values for ${length} x values`);
    }
  }
}

function seriesColor(names: string[], showLegend: boolean): Json {
  return {
    field: 'series',
    type: 'nominal',
    scale: { domain: names, range: PALETTE.slice(0, Math.max(1, Math.min(names.length, PALETTE.length))) },
    legend: showLegend ? { title: null } : null,
  };
}

function withFormat(axis: Json, format: string | undefined): Json {
  return format ? { ...axis, format } : axis;
}

/** A value axis (counts, money, ratios) starts at zero, unless the chart says why not. */
function valueScale(nonZero?: NonZeroAxis): Json {
  return nonZero?.nonZeroAxis ? { zero: false } : { zero: true, nice: true };
}

/** The value axis of a bar chart: the `value` field from zero, titled and formatted as the spec says. */
function valueEncoding(spec: { yTitle: string; valueFormat?: string }): Json {
  return { field: 'value', type: 'quantitative', title: spec.yTitle, axis: withFormat({}, spec.valueFormat), scale: valueScale() };
}

const nonZeroNote = (nonZero: NonZeroAxis | undefined, axis: string) =>
  nonZero?.nonZeroAxis ? [`The ${axis} axis does not start at 0 (marked ≈): ${nonZero.nonZeroAxis}`] : [];

/** The "≈" drawn over the foot of an axis that does not start at zero. */
function brokenAxisMark(height: number, orient: 'left' | 'right'): Json {
  return {
    data: { values: [{}] },
    mark: { type: 'text', text: '≈', fontSize: 16, fontWeight: 'bold', color: '#e45756', baseline: 'middle', align: 'center' },
    encoding: { x: { value: orient === 'left' ? 0 : LAYOUT_WIDTH }, y: { value: height - 8 } },
  };
}

/** Splits the "\n" of wrapped labels into lines; nothing is cut. */
const MULTILINE = { labelExpr: "split(datum.label, '\\n')", labelLimit: 0 };

/**
 * Category labels under vertical bars, each wrapped to its band (at most 3 lines), or null when
 * they do not fit that way.
 */
function wrapUnder(labels: string[], width: number): string[] | null {
  const band = width / Math.max(1, labels.length);
  const wrapped = labels.map((l) => wrapLabel(l, band - 6, LABEL_FONT_SIZE));
  const fits = wrapped.every((w) => w.split('\n').length <= 3 && labelWidth(w, LABEL_FONT_SIZE) <= band - 6);
  return fits ? wrapped : null;
}

/** Labels under the plot: wrapped when they fit their bands, otherwise on one line at an angle. */
function categoryAxisUnder(labels: string[], width: number): { labels: string[]; axis: Json } {
  const wrapped = wrapUnder(labels, width);
  if (wrapped) return { labels: wrapped, axis: { labelAngle: 0, ...MULTILINE } };
  return { labels, axis: { labelAngle: -40, labelAlign: 'right', labelLimit: 0 } };
}

/** Labels beside horizontal bars, wrapped at SIDE_LABEL_WIDTH; the band fits the tallest. */
function categoryAxisBeside(labels: string[]): { labels: string[]; axis: Json; lines: number } {
  const wrapped = labels.map((l) => wrapLabel(l, SIDE_LABEL_WIDTH, LABEL_FONT_SIZE));
  const lines = Math.max(1, ...wrapped.map((w) => w.split('\n').length));
  return { labels: wrapped, axis: MULTILINE, lines };
}

function barSpec(spec: BarChartSpec): Json {
  if (spec.bars.length === 0) throw new Error('bar chart: no bars');
  const original = spec.bars.map((b) => b.label);
  const under = spec.orientation === 'horizontal' ? null : wrapUnder(original, plotWidth(1));
  const horizontal = spec.orientation === 'horizontal' || (spec.orientation !== 'vertical' && (spec.bars.length > 8 || !under));
  const placed: { labels: string[]; axis: Json; lines?: number } = horizontal
    ? categoryAxisBeside(original)
    : categoryAxisUnder(original, plotWidth(1));
  const labels = placed.labels;
  const sort = spec.sort === 'ascending' ? 'x' : spec.sort === 'descending' ? '-x' : labels;
  const valueSort = horizontal ? sort : typeof sort === 'string' ? sort.replace('x', 'y') : sort;
  const category = { field: 'label', type: 'nominal', sort: valueSort, title: spec.xTitle, axis: placed.axis };
  const value = valueEncoding(spec);
  const encoding = horizontal ? { y: category, x: value } : { x: category, y: value };
  const layers: Json[] = [{ mark: { type: 'bar', color: PALETTE[0] }, encoding }];
  if (spec.valueLabels ?? spec.bars.length <= 30) {
    layers.push({
      mark: horizontal
        ? { type: 'text', align: 'left', baseline: 'middle', dx: 4, fontSize: 11, color: '#333333' }
        : { type: 'text', align: 'center', baseline: 'bottom', dy: -3, fontSize: 11, color: '#333333' },
      encoding: {
        ...encoding,
        text: { field: 'value', type: 'quantitative', format: spec.valueFormat ?? ',.2~f' },
      },
    });
  }
  const lines = placed.lines ?? 1;
  const height = spec.height ?? (horizontal ? Math.max(120, spec.bars.length * Math.max(24, lines * LINE_HEIGHT + 8)) : DEFAULT_HEIGHT);
  return {
    ...frame(spec, height),
    data: { values: spec.bars.map((b, i) => ({ label: labels[i], value: b.value })) },
    layer: layers,
  };
}

function groupedBarSpec(spec: GroupedBarChartSpec): Json {
  checkAligned('grouped-bar chart', spec.categories.length, spec.series);
  const names = spec.series.map((s) => s.name);
  const under = spec.categories.length <= 8 ? wrapUnder(spec.categories, plotWidth(1)) : null;
  const beside = under ? null : categoryAxisBeside(spec.categories);
  const labels = under ?? beside!.labels;
  const values = labels.flatMap((category, i) => spec.series.map((s) => ({ category, series: s.name, value: s.values[i] })));
  const category = {
    field: 'category',
    type: 'nominal',
    sort: labels,
    title: spec.xTitle,
    axis: under ? { labelAngle: 0, ...MULTILINE } : beside!.axis,
    scale: { paddingInner: 0.2 },
  };
  const value = valueEncoding(spec);
  const offset = { field: 'series', type: 'nominal', sort: names };
  const encoding = under
    ? { x: category, xOffset: offset, y: value, color: seriesColor(names, true) }
    : { y: category, yOffset: offset, x: value, color: seriesColor(names, true) };
  const band = beside ? Math.max(names.length * 12 + 12, beside.lines * LINE_HEIGHT + 8) : 0;
  return {
    ...frame(spec, beside ? spec.categories.length * band : DEFAULT_HEIGHT),
    data: { values },
    mark: { type: 'bar' },
    encoding,
  };
}

const DAY_MS = 86_400_000;

function dateAxis(dates: string[], title: string): Json {
  const times = dates.map((d) => Date.parse(`${d}T00:00:00Z`));
  const span = (Math.max(...times) - Math.min(...times)) / DAY_MS;
  const format = span <= 120 ? '%b %d' : span <= 3 * 366 ? '%b %Y' : '%Y';
  const distinct = [...new Set(times)].sort((a, b) => a - b);
  // Few points: tick exactly at the data so weekly data is not labelled with odd weekdays.
  const ticks = distinct.length <= 12 ? { values: distinct } : { tickCount: 8 };
  return {
    field: 'x',
    type: 'temporal',
    title,
    scale: { type: 'utc' },
    axis: { format, labelAngle: 0, labelOverlap: true, ...ticks },
  };
}

/** A numeric x (day of a window, k): a position, not an amount, so it spans the data. */
function numberAxis(xs: number[], title: string): Json {
  const integers = xs.every(Number.isInteger);
  const distinct = [...new Set(xs)].sort((a, b) => a - b);
  const ticks = integers && distinct.length <= 20 ? { values: distinct } : integers ? { tickMinStep: 1 } : {};
  return {
    field: 'x',
    type: 'quantitative',
    title,
    scale: { zero: false, nice: false },
    axis: { labelOverlap: true, ...(integers ? { format: 'd' } : {}), ...ticks },
  };
}

function lineSpec(spec: LineChartSpec): Json {
  checkAligned('line chart', spec.x.length, spec.series);
  const allDates = spec.x.length > 0 && spec.x.every((x) => typeof x === 'string' && ISO_DATE.test(x));
  if (!allDates && spec.x.some((x) => typeof x !== 'number')) {
    throw new Error('line chart: x values must all be numbers or all be YYYY-MM-DD dates');
  }
  const names = spec.series.map((s) => s.name);
  const values = spec.x.flatMap((x, i) => spec.series.map((s) => ({ x, series: s.name, value: s.values[i] })));
  const points = spec.points ?? spec.x.length <= 40;
  const x = allDates ? dateAxis(spec.x as string[], spec.xTitle) : numberAxis(spec.x as number[], spec.xTitle);
  const framed = frame(spec, DEFAULT_HEIGHT, nonZeroNote(spec, 'value'));
  const line = {
    mark: { type: 'line', point: points },
    encoding: {
      x,
      y: { field: 'value', type: 'quantitative', title: spec.yTitle, axis: withFormat({}, spec.valueFormat), scale: valueScale(spec) },
      color: seriesColor(names, names.length > 1),
    },
  };
  return {
    ...framed,
    data: { values },
    layer: spec.nonZeroAxis ? [line, brokenAxisMark(framed.height as number, 'left')] : [line],
  };
}

function barLineSpec(spec: BarLineChartSpec): Json {
  checkAligned('bar-line chart', spec.x.length, [spec.bars, spec.line]);
  const placed = categoryAxisUnder(spec.x.map(String), plotWidth(2));
  const labels = placed.labels;
  const values = labels.map((x, i) => ({ x, bar: spec.bars.values[i], line: spec.line.values[i] }));
  const [barColor, lineColor] = [PALETTE[0], PALETTE[1]];
  const names = [spec.bars.name, spec.line.name];
  const color = { scale: { domain: names, range: [barColor, lineColor] }, legend: { title: null } };
  const x = { field: 'x', type: 'ordinal', sort: labels, title: spec.xTitle, axis: placed.axis };
  const framed = frame(spec, DEFAULT_HEIGHT, nonZeroNote(spec.line, `${spec.line.axisTitle} (right)`));
  return {
    ...framed,
    data: { values },
    layer: [
      {
        mark: { type: 'bar', opacity: 0.9 },
        encoding: {
          x,
          y: {
            field: 'bar',
            type: 'quantitative',
            title: spec.bars.axisTitle,
            axis: withFormat({ titleColor: barColor, orient: 'left' }, spec.bars.valueFormat),
            scale: valueScale(),
          },
          color: { datum: spec.bars.name, ...color },
        },
      },
      {
        mark: { type: 'line', point: true, strokeWidth: 3 },
        encoding: {
          x,
          y: {
            field: 'line',
            type: 'quantitative',
            title: spec.line.axisTitle,
            axis: withFormat({ titleColor: lineColor, orient: 'right', grid: false }, spec.line.valueFormat),
            scale: valueScale(spec.line),
          },
          color: { datum: spec.line.name, ...color },
        },
      },
      ...(spec.line.nonZeroAxis ? [brokenAxisMark(framed.height as number, 'right')] : []),
    ],
    resolve: { scale: { y: 'independent' } },
  };
}

/** "1 customer", "4,312 customers" for a noun given in the plural. */
function countOf(n: number, noun: string): string {
  return `${formatCount(n)} ${n === 1 ? noun.replace(/s$/, '') : noun}`;
}

/** Counts scaled to add up to `total` (largest remainders), for a sample that stands for more. */
function scaleCounts(counts: number[], total: number): number[] {
  const sum = counts.reduce((a, b) => a + b, 0);
  const exact = counts.map((c) => (c * total) / sum);
  const scaled = exact.map(Math.floor);
  let left = total - scaled.reduce((a, b) => a + b, 0);
  const order = exact.map((e, i) => ({ i, rest: e - Math.floor(e) })).sort((a, b) => b.rest - a.rest || a.i - b.i);
  for (const { i } of order) {
    if (left <= 0) break;
    scaled[i]!++;
    left--;
  }
  return scaled;
}

function histogramSpec(spec: HistogramChartSpec): Json {
  const finite = spec.values.filter((v) => Number.isFinite(v));
  if (finite.length === 0) throw new Error('histogram: no finite values');
  const noun = spec.noun ?? 'values';
  const { scale, bins } = binValues(finite, { maxBins: spec.maxBins });
  const sampled = spec.population !== undefined && spec.population !== finite.length;
  const counts = sampled
    ? scaleCounts(
        bins.map((b) => b.count),
        spec.population!,
      )
    : bins.map((b) => b.count);
  const placed = categoryAxisUnder(
    bins.map((b) => binLabel(b, spec.currency)),
    plotWidth(1),
  );
  const n = spec.population ?? finite.length;
  const notes = [
    `n = ${countOf(n, noun)}${sampled ? ` (counts scaled from a quantile sample of ${formatCount(finite.length)})` : ''}; ${
      scale === 'log' ? 'log-scale bins' : 'equal-width bins'
    } up to the largest value`,
  ];
  const yTitle = `${noun.charAt(0).toUpperCase()}${noun.slice(1)}`;
  const encoding = {
    x: { field: 'bin', type: 'ordinal', sort: placed.labels, title: spec.xTitle, axis: placed.axis, scale: { paddingInner: 0.05 } },
    y: { field: 'count', type: 'quantitative', title: yTitle, scale: valueScale(), axis: { format: ',d' } },
  };
  return {
    ...frame(spec, DEFAULT_HEIGHT, notes),
    data: { values: bins.map((b, i) => ({ bin: placed.labels[i], from: b.from, to: b.to, count: counts[i] })) },
    layer: [
      { mark: { type: 'bar', color: PALETTE[0] }, encoding },
      {
        mark: { type: 'text', align: 'center', baseline: 'bottom', dy: -3, fontSize: 11, color: '#333333' },
        encoding: { ...encoding, text: { field: 'count', type: 'quantitative', format: ',d' } },
      },
    ],
  };
}

function isPlainObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function mergeConfig(base: Json, over: Json): Json {
  const out: Json = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = isPlainObject(v) && isPlainObject(out[k]) ? mergeConfig(out[k] as Json, v) : v;
  return out;
}

function rawSpec(spec: VegaLiteChartSpec): Json {
  const raw = spec.spec as unknown as Json;
  const out: Json = {
    width: LAYOUT_WIDTH,
    autosize: { type: 'fit-x', contains: 'padding' },
    ...raw,
    config: mergeConfig(HOUSE_CONFIG as Json, isPlainObject(raw.config) ? raw.config : {}),
  };
  if (spec.title !== undefined) out.title = spec.subtitle ? { text: spec.title, subtitle: spec.subtitle } : { text: spec.title };
  return out;
}

/** Translate a chart spec into a complete vega-lite spec with the house style. */
export function toVegaLite(spec: ChartSpec): TopLevelSpec {
  let out: Json;
  switch (spec.kind) {
    case 'bar':
      out = barSpec(spec);
      break;
    case 'grouped-bar':
      out = groupedBarSpec(spec);
      break;
    case 'line':
      out = lineSpec(spec);
      break;
    case 'bar-line':
      out = barLineSpec(spec);
      break;
    case 'histogram':
      out = histogramSpec(spec);
      break;
    case 'vega-lite':
      out = rawSpec(spec);
      break;
    default:
      throw new Error(`unknown chart kind: ${(spec as { kind: unknown }).kind}`);
  }
  return out as unknown as TopLevelSpec;
}
