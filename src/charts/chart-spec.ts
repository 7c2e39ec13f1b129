import type { TopLevelSpec } from 'vega-lite';

/**
 * Shared by every chart kind. Axis titles name their unit ("CLV (USD)", "Customers"); value axes
 * start at zero. `valueFormat` is a d3-format string such as ',.0f', '$,.2f' or '.1%'.
 */
interface ChartBase {
  /** Wrapped, never cut, as are the subtitle and the labels. */
  title: string;
  subtitle?: string;
  /** The day the figures are as of (YYYY-MM-DD), stated at the end of the subtitle. */
  asOf: string;
  /** The period shown, in words ("Nov 2026", "2026-05-01 to 2026-10-31"), stated after the as-of day. */
  period?: string;
  /** Height of the plot area in px before scaling to the output width; defaults per kind. */
  height?: number;
}

interface AxisTitles {
  xTitle: string;
  yTitle: string;
  valueFormat?: string;
}

/**
 * Why a value axis does not start at zero. A line's axis starts at zero unless this is given; the
 * reason is stated in the subtitle and the axis is marked as broken.
 */
export interface NonZeroAxis {
  nonZeroAxis?: string;
}

export interface ChartSeries {
  name: string;
  /** Aligned with the chart's categories or x values; null leaves a gap. */
  values: (number | null)[];
}

/** One value per category: segment sizes, top customers. */
export interface BarChartSpec extends ChartBase, AxisTitles {
  kind: 'bar';
  bars: { label: string; value: number }[];
  /** 'auto' (default) goes horizontal for many or long labels. */
  orientation?: 'auto' | 'vertical' | 'horizontal';
  /** Keep the given order (default) or sort by value. */
  sort?: 'none' | 'ascending' | 'descending';
  /** Print each value next to its bar; default true up to 30 bars. */
  valueLabels?: boolean;
}

/** Categories x series side by side: segment profile vs overall average, actual vs expected. */
export interface GroupedBarChartSpec extends ChartBase, AxisTitles {
  kind: 'grouped-bar';
  categories: string[];
  series: ChartSeries[];
}

/** Several named series over x: dates ('YYYY-MM-DD') or numbers. */
export interface LineChartSpec extends ChartBase, AxisTitles, NonZeroAxis {
  kind: 'line';
  x: (string | number)[];
  series: ChartSeries[];
  /** Mark each point; default true up to 40 x values. */
  points?: boolean;
}

/** Bars on the left y axis and a line on a second, right y axis, over the same x categories. */
export interface BarLineChartSpec extends ChartBase {
  kind: 'bar-line';
  xTitle: string;
  /** Periods or k values, drawn in the given order. */
  x: (string | number)[];
  bars: ChartSeries & { axisTitle: string; valueFormat?: string };
  line: ChartSeries & { axisTitle: string; valueFormat?: string } & NonZeroAxis;
}

/**
 * Values counted in bins (see binValues): log-scale bins for a skewed distribution such as CLV, the
 * largest value always in the last bin. The subtitle states the sample size ("n = 4,312 customers").
 */
export interface HistogramChartSpec extends ChartBase {
  kind: 'histogram';
  /** With the unit: "Predicted CLV (USD)". */
  xTitle: string;
  values: number[];
  /** What a value is, plural: "customers" (default "values"); the y axis is titled with it. */
  noun?: string;
  /** How many the values stand for when they are a sample of them: the counts are scaled to it. */
  population?: number;
  /** The values are money in this currency: bins read "$1K–2K". */
  currency?: string;
  /** Default 15. */
  maxBins?: number;
}

/** Escape hatch: any vega-lite spec with inline data. House fonts, width and background are applied. */
export interface VegaLiteChartSpec {
  kind: 'vega-lite';
  spec: TopLevelSpec;
  /** Override the spec's own title. */
  title?: string;
  subtitle?: string;
}

export type ChartSpec = BarChartSpec | GroupedBarChartSpec | LineChartSpec | BarLineChartSpec | HistogramChartSpec | VegaLiteChartSpec;

export type ChartKind = ChartSpec['kind'];
