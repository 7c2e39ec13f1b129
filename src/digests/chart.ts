import { writeChart, type BarLineChartSpec } from '../charts/index.ts';
import type { DigestData } from './content.ts';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "Aug 31" for a week starting on 2026-08-31, "Feb 2026" for a month starting on 2026-02-01. */
function periodLabel(from: string, weekly: boolean): string {
  const month = MONTHS[Number(from.slice(5, 7)) - 1];
  return weekly ? `${month} ${Number(from.slice(8, 10))}` : `${month} ${from.slice(0, 4)}`;
}

/** Revenue bars and new customers line over the digest's periods. */
export function digestChart(data: DigestData): BarLineChartSpec {
  const weekly = data.period.kind === 'week';
  return {
    kind: 'bar-line',
    title: `Revenue and new customers by ${weekly ? 'week' : 'month'}`,
    asOf: data.period.to,
    period: `${data.history[0]!.from} to ${data.period.to}`,
    xTitle: weekly ? 'Week starting' : 'Month',
    x: data.history.map((p) => periodLabel(p.from, weekly)),
    bars: {
      name: 'Revenue',
      axisTitle: `Revenue (${data.currency})`,
      values: data.history.map((p) => p.revenue_cents / 100),
      valueFormat: ',.0f',
    },
    line: { name: 'New customers', axisTitle: 'New customers', values: data.history.map((p) => p.new_customers), valueFormat: ',.0f' },
  };
}

/** Renders the digest chart; returns the PNG's absolute path. */
export function writeDigestChart(data: DigestData, outDir: string, baseName: string): Promise<string> {
  return writeChart(digestChart(data), outDir, baseName);
}
