import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ChartSpec } from '../../src/charts/chart-spec.ts';
import { renderChart, renderChartSvg } from '../../src/charts/render-chart.ts';
import { writeChart } from '../../src/charts/write-chart.ts';
import { chartFixtures } from './chart-fixtures.ts';
import { pngSize } from './png.ts';

const timings: string[] = [];
afterAll(() => console.log(`chart render times: ${timings.join(', ')}`));

describe('renderChart', () => {
  for (const [kind, spec] of Object.entries(chartFixtures)) {
    it(`renders a ${kind} chart as an 800 px wide PNG`, async () => {
      await renderChart(spec); // warm up the libraries once per kind
      const start = performance.now();
      const png = await renderChart(spec);
      const ms = performance.now() - start;
      timings.push(`${kind} ${ms.toFixed(0)} ms`);
      const { width, height } = pngSize(png);
      expect(width).toBe(800);
      expect(height).toBeGreaterThan(250);
      expect(height).toBeLessThan(1200);
      expect(png.length).toBeGreaterThan(5_000);
      expect(ms).toBeLessThan(2_000);
    });
  }

  it('is deterministic: same spec, same bytes', async () => {
    for (const spec of [chartFixtures.line, chartFixtures['bar-line'], chartFixtures.histogram]) {
      const [a, b] = [await renderChart(spec), await renderChart(spec)];
      expect(a.equals(b)).toBe(true);
    }
  });

  it('does not depend on the process time zone', async () => {
    const saved = process.env.TZ;
    try {
      process.env.TZ = 'UTC';
      const utc = await renderChart(chartFixtures.line);
      process.env.TZ = 'America/Los_Angeles';
      const la = await renderChart(chartFixtures.line);
      expect(la.equals(utc)).toBe(true);
    } finally {
      if (saved === undefined) delete process.env.TZ;
      else process.env.TZ = saved;
    }
  });

  it('draws text with the bundled font: a different title gives a different image', async () => {
    const a = await renderChart({ ...chartFixtures.bar, title: 'Segment sizes' } as ChartSpec);
    const b = await renderChart({ ...chartFixtures.bar, title: 'Segment sizez' } as ChartSpec);
    expect(pngSize(a)).toEqual(pngSize(b));
    expect(a.equals(b)).toBe(false);
    const svg = await renderChartSvg(chartFixtures.bar);
    expect(svg).toContain('font-family="DejaVu Sans"');
    expect(svg).toContain('Customers per segment');
    expect(svg).toContain('RFM segments');
    expect(svg).toContain('as of 2024-01-31 · last 12 months');
  });

  it('formats date axes and keeps series order in the legend', async () => {
    const svg = await renderChartSvg(chartFixtures.line);
    expect(svg).toContain('>Jan 08<');
    expect(svg.indexOf('>Google Ads<')).toBeLessThan(svg.indexOf('>Meta<'));
  });

  it('rejects misaligned series and mixed x values', async () => {
    await expect(
      renderChart({
        kind: 'line',
        title: 't',
        asOf: '2024-01-31',
        xTitle: 'x',
        yTitle: 'y',
        x: [1, 2],
        series: [{ name: 's', values: [1] }],
      }),
    ).rejects.toThrow(/1 values for 2 x values/);
    await expect(
      renderChart({
        kind: 'line',
        title: 't',
        asOf: '2024-01-31',
        xTitle: 'x',
        yTitle: 'y',
        x: [1, '2024-01-01'],
        series: [{ name: 's', values: [1, 2] }],
      }),
    ).rejects.toThrow(/numbers or all be YYYY-MM-DD/);
  });

  it('never loads data from a URL', async () => {
    const spec: ChartSpec = {
      kind: 'vega-lite',
      spec: { data: { url: 'http://example.com/data.json' }, mark: 'bar', encoding: { x: { field: 'a', type: 'nominal' } } },
    };
    await expect(renderChart(spec)).rejects.toThrow(/inline data only/);
  });
});

describe('writeChart', () => {
  const dir = mkdtempSync(join(tmpdir(), 'growthbot-charts-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('creates the directory and writes <baseName>.png, returning the absolute path', async () => {
    const path = await writeChart(chartFixtures.histogram, join(dir, 'nested', 'deeper'), 'clv');
    expect(isAbsolute(path)).toBe(true);
    expect(path).toBe(join(dir, 'nested', 'deeper', 'clv.png'));
    expect(pngSize(readFileSync(path)).width).toBe(800);
  });

  it('refuses a base name with a path separator', async () => {
    await expect(writeChart(chartFixtures.bar, dir, '../escape')).rejects.toThrow(/invalid base name/);
  });
});
