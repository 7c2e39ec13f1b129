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
  VegaLiteChartSpec,
} from './chart-spec.ts';
import { CHART_FONT_FAMILY } from './fonts.ts';

/** Width of the whole chart in vega units; the PNG is scaled from this to OUTPUT_WIDTH pixels. */
export const LAYOUT_WIDTH = 600;
export const OUTPUT_WIDTH = 800;
const DEFAULT_HEIGHT = 300;
const PALETTE = ['#4c78a8', '#f58518', '#54a24b', '#e45756', '#72b7b2', '#b279a2', '#eeca3b', '#9d755d', '#ff9da6', '#bab0ac'];
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

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
    limit: LAYOUT_WIDTH - 20,
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
    labelLimit: 200,
    titlePadding: 8,
  },
  legend: {
    orient: 'bottom',
    direction: 'horizontal',
    labelFontSize: 12,
    titleFontSize: 12,
    symbolSize: 140,
    labelLimit: 220,
    columnPadding: 16,
  },
  range: { category: PALETTE },
  line: { strokeWidth: 2.5 },
  point: { size: 45, filled: true },
  bar: { color: PALETTE[0] },
};

function frame(spec: { title: string; subtitle?: string; height?: number }, defaultHeight = DEFAULT_HEIGHT): Json {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: spec.subtitle ? { text: spec.title, subtitle: spec.subtitle } : { text: spec.title },
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

function discreteLabelAxis(labels: string[]): Json {
  const longest = labels.reduce((m, l) => Math.max(m, l.length), 0);
  const crowded = labels.length * Math.max(longest, 3) * 7 > LAYOUT_WIDTH - 80;
  return crowded ? { labelAngle: -40, labelAlign: 'right', labelLimit: 140 } : { labelAngle: 0 };
}

function barSpec(spec: BarChartSpec): Json {
  if (spec.bars.length === 0) throw new Error('bar chart: no bars');
  const longest = spec.bars.reduce((m, b) => Math.max(m, b.label.length), 0);
  const horizontal = spec.orientation === 'horizontal' || (spec.orientation !== 'vertical' && (spec.bars.length > 8 || longest > 12));
  const sort = spec.sort === 'ascending' ? 'x' : spec.sort === 'descending' ? '-x' : spec.bars.map((b) => b.label);
  const valueSort = horizontal ? sort : typeof sort === 'string' ? sort.replace('x', 'y') : sort;
  const category = {
    field: 'label',
    type: 'nominal',
    sort: valueSort,
    title: spec.xTitle,
    axis: horizontal ? { labelLimit: 220 } : discreteLabelAxis(spec.bars.map((b) => b.label)),
  };
  const value = {
    field: 'value',
    type: 'quantitative',
    title: spec.yTitle,
    axis: withFormat({}, spec.valueFormat),
    scale: { nice: true },
  };
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
  const height = spec.height ?? (horizontal ? Math.max(120, spec.bars.length * 24) : DEFAULT_HEIGHT);
  return {
    ...frame(spec, height),
    data: { values: spec.bars.map((b) => ({ label: b.label, value: b.value })) },
    layer: layers,
  };
}

function groupedBarSpec(spec: GroupedBarChartSpec): Json {
  checkAligned('grouped-bar chart', spec.categories.length, spec.series);
  const names = spec.series.map((s) => s.name);
  const values = spec.categories.flatMap((category, i) => spec.series.map((s) => ({ category, series: s.name, value: s.values[i] })));
  return {
    ...frame(spec),
    data: { values },
    mark: { type: 'bar' },
    encoding: {
      x: {
        field: 'category',
        type: 'nominal',
        sort: spec.categories,
        title: spec.xTitle,
        axis: discreteLabelAxis(spec.categories),
        scale: { paddingInner: 0.2 },
      },
      xOffset: { field: 'series', type: 'nominal', sort: names },
      y: { field: 'value', type: 'quantitative', title: spec.yTitle, axis: withFormat({}, spec.valueFormat) },
      color: seriesColor(names, true),
    },
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
  return {
    ...frame(spec),
    data: { values },
    mark: { type: 'line', point: points },
    encoding: {
      x,
      y: { field: 'value', type: 'quantitative', title: spec.yTitle, axis: withFormat({}, spec.valueFormat), scale: { zero: false } },
      color: seriesColor(names, names.length > 1),
    },
  };
}

function barLineSpec(spec: BarLineChartSpec): Json {
  checkAligned('bar-line chart', spec.x.length, [spec.bars, spec.line]);
  const labels = spec.x.map(String);
  const values = spec.x.map((x, i) => ({ x: String(x), bar: spec.bars.values[i], line: spec.line.values[i] }));
  const [barColor, lineColor] = [PALETTE[0], PALETTE[1]];
  const names = [spec.bars.name, spec.line.name];
  const color = { scale: { domain: names, range: [barColor, lineColor] }, legend: { title: null } };
  const x = { field: 'x', type: 'ordinal', sort: labels, title: spec.xTitle, axis: discreteLabelAxis(labels) };
  return {
    ...frame(spec),
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
            scale: { zero: false },
          },
          color: { datum: spec.line.name, ...color },
        },
      },
    ],
    resolve: { scale: { y: 'independent' } },
  };
}

function histogramSpec(spec: HistogramChartSpec): Json {
  const finite = spec.values.filter((v) => Number.isFinite(v));
  if (finite.length === 0) throw new Error('histogram: no finite values');
  return {
    ...frame(spec),
    data: { values: finite.map((v) => ({ v })) },
    mark: { type: 'bar', color: PALETTE[0], binSpacing: 1 },
    encoding: {
      x: {
        field: 'v',
        type: 'quantitative',
        bin: { maxbins: spec.maxBins ?? 30 },
        title: spec.xTitle,
        axis: withFormat({ labelOverlap: true }, spec.valueFormat),
      },
      y: { aggregate: 'count', type: 'quantitative', title: spec.yTitle ?? 'Count' },
    },
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
