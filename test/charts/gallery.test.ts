import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { galleryCharts, writeGallery, type GalleryChart, type GalleryFile } from '../../scripts/charts-gallery.ts';
import { binValues } from '../../src/charts/bins.ts';
import type { ChartSpec } from '../../src/charts/chart-spec.ts';
import { pngSize } from './png.ts';

type Json = Record<string, any>;

/*
 * The chart gallery (`npm run charts:gallery`): every chart the bot draws, computed from the demo data,
 * rendered, and checked for what a truthful chart needs: a title, axis titles with units, the as-of
 * day in the subtitle, value axes from zero, labels that are never cut.
 */

const dir = mkdtempSync(join(tmpdir(), 'growthbot-gallery-'));
let charts: GalleryChart[] = [];
let files: GalleryFile[] = [];

beforeAll(async () => {
  charts = await galleryCharts(dir);
  files = await writeGallery(charts, join(dir, 'gallery'));
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Every x/y encoding of a vega-lite spec, through its layers. */
function encodings(spec: Json): [string, Json][] {
  const own = Object.entries((spec.encoding ?? {}) as Json).filter(([channel]) => channel === 'x' || channel === 'y');
  return [...own, ...((spec.layer ?? []) as Json[]).flatMap(encodings)];
}

/** Fields that hold amounts (counts, money, ratios) rather than positions. */
const VALUE_FIELDS = new Set(['value', 'bar', 'line', 'count']);
/** An axis title names its unit: in parentheses, as a %, or as what is counted. */
const UNIT = /\(.+\)|%|\b(customers|purchases)\b/i;

const subtitleOf = (vl: Json) => (vl.title.subtitle as string[]).join('\n');

describe('chart gallery', () => {
  it('draws every chart kind the bot uses, from the demo data', () => {
    expect(files.map((f) => f.name)).toEqual([
      'segment-kmeans-profiles',
      'segment-kmeans-choose-k',
      'segment-rfm-profiles',
      'clv-distribution',
      'clv-fit-check',
      'clv-holdout',
      'cac-trend',
      'campaign-revenue',
      'digest-month',
      'digest-week',
    ]);
    expect(new Set(charts.map((c) => c.spec.kind))).toEqual(new Set(['grouped-bar', 'bar-line', 'line', 'histogram']));
  });

  it('renders each as an 800 px wide PNG of sane height and size', () => {
    for (const file of files) {
      const png = readFileSync(file.png);
      const { width, height } = pngSize(png);
      expect(width, file.name).toBe(800);
      expect(height, file.name).toBeGreaterThan(300);
      expect(height, file.name).toBeLessThan(1400);
      expect(png.length, file.name).toBeGreaterThan(15_000);
    }
  });

  it('gives each a title, the as-of day (and period) in the subtitle, and axis titles with units', () => {
    for (const file of files) {
      const { spec, vegaLite: vl } = JSON.parse(readFileSync(file.json, 'utf8')) as { spec: ChartSpec & Json; vegaLite: Json };
      const title = [vl.title.text].flat().join(' ');
      expect(title.length, file.name).toBeGreaterThan(10);
      expect(subtitleOf(vl), file.name).toContain(`as of ${spec.asOf}${spec.period ? ` · ${spec.period}` : ''}`);
      for (const [channel, encoding] of encodings(vl)) {
        expect(encoding.title, `${file.name} ${channel}`).toBeTruthy();
        if (VALUE_FIELDS.has(encoding.field)) expect(encoding.title, `${file.name} ${channel}`).toMatch(UNIT);
      }
    }
  });

  it('starts every count, money and ratio axis at zero', () => {
    for (const file of files) {
      const { vegaLite: vl } = JSON.parse(readFileSync(file.json, 'utf8')) as { vegaLite: Json };
      const values = encodings(vl).filter(([, e]) => VALUE_FIELDS.has(e.field));
      expect(values.length, file.name).toBeGreaterThan(0);
      for (const [channel, encoding] of values) {
        expect(encoding.type, `${file.name} ${channel}`).toBe('quantitative');
        expect(encoding.scale?.zero, `${file.name} ${channel}`).toBe(true);
      }
    }
  });

  it('never cuts a title or a label', () => {
    for (const file of files) {
      const { vegaLite: vl } = JSON.parse(readFileSync(file.json, 'utf8')) as { vegaLite: Json };
      expect(vl.config.title.limit, file.name).toBe(0);
      expect(vl.config.axis.labelLimit, file.name).toBe(0);
      expect(vl.config.legend.labelLimit, file.name).toBe(0);
      for (const [channel, encoding] of encodings(vl))
        if (encoding.axis?.labelLimit !== undefined) expect(encoding.axis.labelLimit, `${file.name} ${channel}`).toBe(0);
    }
    const profiles = charts.find((c) => c.name === 'segment-rfm-profiles')!.spec as Json;
    expect(profiles.categories.every((c: string) => /^#\d+ .+\n[\d,]+ customers?$/.test(c))).toBe(true);
  });

  it('bins the skewed CLV distribution on a log scale with the top customer in the last bin, n stated', () => {
    const chart = charts.find((c) => c.name === 'clv-distribution')!;
    const spec = chart.spec as Extract<ChartSpec, { kind: 'histogram' }>;
    const { vegaLite: vl } = JSON.parse(readFileSync(files.find((f) => f.name === chart.name)!.json, 'utf8')) as { vegaLite: Json };
    const rows = vl.data.values as { from: number; to: number; count: number }[];
    const max = Math.max(...spec.values);
    expect(binValues(spec.values).scale).toBe('log');
    expect(rows.at(-1)!.from).toBeLessThanOrEqual(max);
    expect(rows.at(-1)!.to).toBeGreaterThanOrEqual(max);
    expect(rows.at(-1)!.count).toBeGreaterThan(0);
    // no bar holds most of the customers
    const total = rows.reduce((a, r) => a + r.count, 0);
    expect(total).toBe(spec.population);
    expect(Math.max(...rows.map((r) => r.count)) / total).toBeLessThan(0.5);
    expect(subtitleOf(vl)).toContain(`n = ${spec.population!.toLocaleString('en-US')} customers`);
    expect(subtitleOf(vl)).toContain('log-scale bins');
  });
});
