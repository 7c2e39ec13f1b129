export type {
  BarChartSpec,
  BarLineChartSpec,
  ChartKind,
  ChartSeries,
  ChartSpec,
  GroupedBarChartSpec,
  HistogramChartSpec,
  LineChartSpec,
  VegaLiteChartSpec,
} from './chart-spec.ts';
export { writeChart } from './write-chart.ts';
export { toVegaLite } from './to-vega-lite.ts';
