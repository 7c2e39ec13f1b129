export type {
  BarChartSpec,
  BarLineChartSpec,
  ChartKind,
  ChartSeries,
  ChartSpec,
  GroupedBarChartSpec,
  HistogramChartSpec,
  LineChartSpec,
  NonZeroAxis,
  VegaLiteChartSpec,
} from './chart-spec.ts';
export { writeChart } from './write-chart.ts';
export { toVegaLite } from './to-vega-lite.ts';
