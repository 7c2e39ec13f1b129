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
export { renderChart, renderChartSvg, writeChart } from './render-chart.ts';
export { toVegaLite } from './to-vega-lite.ts';
