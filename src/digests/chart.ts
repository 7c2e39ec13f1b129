import { writeChart } from '../charts/index.ts';
import type { DigestData } from './content.ts';

/** Revenue bars and new customers line over the digest's periods; returns the PNG's absolute path. */
export function writeDigestChart(data: DigestData, outDir: string, baseName: string): Promise<string> {
  const weekly = data.period.kind === 'week';
  return writeChart(
    {
      kind: 'bar-line',
      title: `Revenue and new customers by ${weekly ? 'week' : 'month'}`,
      subtitle: `${data.history[0]!.from} to ${data.period.to}`,
      xTitle: weekly ? 'Week starting' : 'Month',
      x: data.history.map((p) => (weekly ? p.from.slice(5) : p.from.slice(0, 7))),
      bars: {
        name: 'Revenue',
        axisTitle: `Revenue (${data.currency})`,
        values: data.history.map((p) => p.revenue_cents / 100),
        valueFormat: ',.0f',
      },
      line: { name: 'New customers', axisTitle: 'New customers', values: data.history.map((p) => p.new_customers), valueFormat: ',.0f' },
    },
    outDir,
    baseName,
  );
}
