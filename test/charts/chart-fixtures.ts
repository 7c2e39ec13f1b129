import type { ChartSpec } from '../../src/charts/chart-spec.ts';

/** One realistic spec per chart kind. */
export const chartFixtures: Record<ChartSpec['kind'], ChartSpec> = {
  bar: {
    kind: 'bar',
    title: 'Customers per segment',
    subtitle: 'RFM segments',
    asOf: '2024-01-31',
    period: 'last 12 months',
    xTitle: 'Segment',
    yTitle: 'Customers',
    bars: [
      { label: 'Champions', value: 412 },
      { label: 'Loyal', value: 780 },
      { label: 'At risk', value: 301 },
      { label: 'Hibernating', value: 1203 },
    ],
  },
  'grouped-bar': {
    kind: 'grouped-bar',
    title: 'Actual vs expected customers by frequency',
    asOf: '2024-01-31',
    xTitle: 'Purchases',
    yTitle: 'Customers',
    categories: ['0', '1', '2', '3', '4+'],
    series: [
      { name: 'Actual', values: [520, 210, 90, 40, 25] },
      { name: 'Expected', values: [505, 220, 95, 38, 27] },
    ],
  },
  line: {
    kind: 'line',
    title: 'CAC per channel',
    asOf: '2024-01-28',
    period: '2024-01-01 to 2024-01-28',
    xTitle: 'Week',
    yTitle: 'CAC (USD)',
    valueFormat: '$,.0f',
    x: ['2024-01-01', '2024-01-08', '2024-01-15', '2024-01-22'],
    series: [
      { name: 'Google Ads', values: [40, 42, 39, 45] },
      { name: 'Meta', values: [30, null, 33, 31] },
    ],
  },
  'bar-line': {
    kind: 'bar-line',
    title: 'Elbow and silhouette',
    asOf: '2024-01-31',
    xTitle: 'k',
    x: [2, 3, 4, 5, 6],
    bars: { name: 'Inertia', axisTitle: 'Inertia', values: [900, 600, 420, 380, 350] },
    line: { name: 'Silhouette', axisTitle: 'Silhouette', valueFormat: '.2f', values: [0.41, 0.48, 0.52, 0.44, 0.39] },
  },
  histogram: {
    kind: 'histogram',
    title: 'CLV distribution',
    asOf: '2024-01-31',
    xTitle: '12-month CLV (USD)',
    noun: 'customers',
    currency: 'USD',
    values: Array.from({ length: 300 }, (_, i) => 20 + ((i * 37) % 101) * ((i * 13) % 7)),
  },
  'vega-lite': {
    kind: 'vega-lite',
    title: 'Raw spec',
    spec: {
      data: {
        values: [
          { a: 1, b: 2 },
          { a: 2, b: 3 },
          { a: 3, b: 5 },
        ],
      },
      mark: 'point',
      encoding: { x: { field: 'a', type: 'quantitative' }, y: { field: 'b', type: 'quantitative' } },
    },
  },
};
