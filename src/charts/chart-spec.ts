import type { TopLevelSpec } from 'vega-lite';

/** Shared by every chart kind. `valueFormat` is a d3-format string such as ',.0f', '$,.2f' or '.1%'. */
interface ChartBase {
  title: string;
  subtitle?: string;
  /** Height of the plot area in px before scaling to the output width; defaults per kind. */
  height?: number;
}

interface AxisTitles {
  xTitle: string;
  yTitle: string;
  valueFormat?: string;
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
export interface LineChartSpec extends ChartBase, AxisTitles {
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
  line: ChartSeries & { axisTitle: string; valueFormat?: string };
}

/** Values binned into counts: CLV distribution. */
export interface HistogramChartSpec extends ChartBase {
  kind: 'histogram';
  xTitle: string;
  /** Defaults to 'Count'. */
  yTitle?: string;
  values: number[];
  /** Maximum number of bins (vega-lite picks nice boundaries); default 30. */
  maxBins?: number;
  valueFormat?: string;
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
