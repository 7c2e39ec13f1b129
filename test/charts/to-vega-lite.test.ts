import { describe, expect, it } from 'vitest';
import { toVegaLite } from '../../src/charts/to-vega-lite.ts';

type Json = Record<string, any>;

describe('toVegaLite', () => {
  it('applies the house font, white background and fixed width', () => {
    const spec = toVegaLite({ kind: 'histogram', title: 'CLV', asOf: '2024-01-31', xTitle: 'CLV', values: [1, 2, 3] }) as Json;
    expect(spec.config.font).toBe('DejaVu Sans');
    expect(spec.config.background).toBe('white');
    expect(spec.width).toBe(600);
    expect(spec.autosize).toEqual({ type: 'fit-x', contains: 'padding' });
  });

  it('turns bar charts horizontal for many or long labels and keeps the given order', () => {
    const short = toVegaLite({
      kind: 'bar',
      title: 't',
      asOf: '2024-01-31',
      xTitle: 'x',
      yTitle: 'y',
      bars: [
        { label: 'A', value: 1 },
        { label: 'B', value: 2 },
      ],
    }) as Json;
    expect(short.layer[0].encoding.x.field).toBe('label');
    expect(short.layer[0].encoding.x.sort).toEqual(['A', 'B']);
    const long = toVegaLite({
      kind: 'bar',
      title: 't',
      asOf: '2024-01-31',
      xTitle: 'x',
      yTitle: 'y',
      bars: [{ label: 'A very long customer name', value: 1 }],
    }) as Json;
    // one long label wraps under its bar
    expect(long.layer[0].encoding.x.field).toBe('label');
    expect(long.data.values[0].label).toBe('A very long customer name');
    const many = toVegaLite({
      kind: 'bar',
      title: 't',
      asOf: '2024-01-31',
      xTitle: 'x',
      yTitle: 'y',
      bars: Array.from({ length: 6 }, (_, i) => ({ label: `Customer-with-an-unbreakable-name-${i}`, value: i })),
    }) as Json;
    expect(many.layer[0].encoding.y.field).toBe('label');
    expect(many.layer[0].encoding.y.axis).toEqual({ labelExpr: "split(datum.label, '\\n')", labelLimit: 0 });
    const sorted = toVegaLite({
      kind: 'bar',
      title: 't',
      asOf: '2024-01-31',
      xTitle: 'x',
      yTitle: 'y',
      sort: 'descending',
      bars: [{ label: 'A', value: 1 }],
    }) as Json;
    expect(sorted.layer[0].encoding.x.sort).toBe('-y');
  });

  it('states the as-of day and period after the subtitle, and wraps long titles, subtitles and labels into lines', () => {
    const spec = toVegaLite({
      kind: 'grouped-bar',
      title: 'Segments of run #12: sizes and profiles, with a title long enough to need a second line',
      subtitle: 'Each feature as % of its overall average (100 = average); not shown: #15 No purchase yet (768 customers)',
      asOf: '2026-11-30',
      period: 'Nov 2026',
      xTitle: 'Segment',
      yTitle: '% of overall average',
      categories: ['#1 Low spenders, occasional and long gone\n3,376 customers', '#2 Champions\n1 customer'],
      series: [{ name: 'recency', values: [120, 40] }],
    }) as Json;
    expect(spec.title.text).toHaveLength(2);
    expect(spec.title.subtitle.at(-1)).toBe('as of 2026-11-30 · Nov 2026');
    expect(spec.title.subtitle.length).toBeGreaterThan(2);
    expect(spec.config.title.limit).toBe(0);
    const labels = spec.data.values.map((v: Json) => v.category);
    expect(labels[0].split('\n').length).toBeGreaterThan(2);
    expect(labels[0].replace(/\n/g, ' ')).toBe('#1 Low spenders, occasional and long gone 3,376 customers');
    expect(spec.encoding.x.axis.labelExpr).toBe("split(datum.label, '\\n')");
    expect(() =>
      toVegaLite({ kind: 'bar', title: 't', asOf: '30/11/2026', xTitle: 'x', yTitle: 'y', bars: [{ label: 'a', value: 1 }] }),
    ).toThrow(/YYYY-MM-DD/);
  });

  it('starts value axes at zero; a line may not, saying why in the subtitle and marking the axis', () => {
    const line = {
      kind: 'line' as const,
      title: 'New customers',
      asOf: '2026-11-30',
      xTitle: 'Week',
      yTitle: 'New customers',
      x: ['2026-11-02', '2026-11-09'],
      series: [{ name: 'all', values: [74, 52] }],
    };
    const zero = toVegaLite(line) as Json;
    expect(zero.layer[0].encoding.y.scale).toEqual({ zero: true, nice: true });
    expect(zero.layer).toHaveLength(1);
    const broken = toVegaLite({ ...line, nonZeroAxis: 'the weekly change is what matters here' }) as Json;
    expect(broken.layer[0].encoding.y.scale).toEqual({ zero: false });
    expect(broken.title.subtitle.join(' ')).toContain('does not start at 0 (marked ≈): the weekly change is what matters here');
    expect(broken.layer[1].mark.text).toBe('≈');
    const barLine = toVegaLite({
      kind: 'bar-line',
      title: 'Revenue and new customers',
      asOf: '2026-11-30',
      xTitle: 'Month',
      x: ['Oct', 'Nov'],
      bars: { name: 'Revenue', axisTitle: 'Revenue (USD)', values: [100, 120] },
      line: { name: 'New customers', axisTitle: 'New customers', values: [74, 52] },
    }) as Json;
    expect(barLine.layer.map((l: Json) => l.encoding.y.scale.zero)).toEqual([true, true]);
  });

  it('bins a histogram itself, scales a sample to its population and states n', () => {
    const values = [...Array.from({ length: 99 }, (_, i) => 10 + i), 5000];
    const spec = toVegaLite({
      kind: 'histogram',
      title: 'CLV',
      asOf: '2026-11-30',
      xTitle: 'CLV (USD)',
      values,
      noun: 'customers',
      population: 1000,
      currency: 'USD',
    }) as Json;
    const rows = spec.data.values as Json[];
    expect(rows.reduce((a, r) => a + r.count, 0)).toBe(1000);
    expect(rows.at(-1)).toMatchObject({ bin: '$2K–5K', to: 5000, count: 10 });
    expect(spec.title.subtitle.join(' ')).toContain('n = 1,000 customers (counts scaled from a quantile sample of 100); log-scale bins');
    expect(spec.layer[0].encoding.y).toMatchObject({ title: 'Customers', scale: { zero: true } });
  });

  it('merges a raw spec config over the house config and overrides the title', () => {
    const spec = toVegaLite({
      kind: 'vega-lite',
      title: 'Mine',
      spec: { data: { values: [] }, mark: 'point', config: { axis: { labelFontSize: 20 } } },
    }) as Json;
    expect(spec.config.axis.labelFontSize).toBe(20);
    expect(spec.config.axis.titleFontSize).toBe(13);
    expect(spec.config.font).toBe('DejaVu Sans');
    expect(spec.title).toEqual({ text: 'Mine' });
  });
});
