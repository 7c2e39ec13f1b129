// Worker threads only (see writeChart): importing vega-lite changes Set.prototype in this thread.
import { mkdir, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import * as vega from 'vega';
import { compile } from 'vega-lite';
import { renderAsync } from '@resvg/resvg-js';
import type { ChartSpec } from './chart-spec.ts';
import { CHART_FONT_FAMILY, chartFontFiles } from './fonts.ts';
import { installDejaVuTextMetrics, type VegaTextMetrics } from './text-metrics.ts';
import { OUTPUT_WIDTH, toVegaLite } from './to-vega-lite.ts';
import { checkBaseName } from './write-chart.ts';

/** vega-lite warnings (e.g. dropped encodings) are not actionable in a chat reply; errors still throw. */
const quietLogger: vega.LoggerInterface = {
  level: () => 0,
  info: () => quietLogger,
  warn: () => quietLogger,
  debug: () => quietLogger,
  error: (...args: readonly unknown[]) => {
    throw new Error(`vega-lite: ${args.map(String).join(' ')}`);
  },
};

/** Charts carry their data inline: refuse every URL so rendering never touches network or disk. */
function offlineLoader(): vega.Loader {
  const loader = vega.loader();
  loader.sanitize = async (uri: string) => {
    throw new Error(`charts render inline data only; refused to load ${uri}`);
  };
  return loader;
}

/** The chart as an SVG string, laid out in vega units (scaled to OUTPUT_WIDTH when rasterised). */
export async function renderChartSvg(spec: ChartSpec): Promise<string> {
  installDejaVuTextMetrics((vega as unknown as { textMetrics: VegaTextMetrics }).textMetrics);
  const vgSpec = compile(toVegaLite(spec), { logger: quietLogger }).spec;
  const errors: string[] = [];
  const describe = (args: readonly unknown[]) => args.map((a) => (a instanceof Error ? a.message : String(a))).join(' ');
  const viewLogger: vega.LoggerInterface = {
    level: () => vega.Error,
    info: () => viewLogger,
    debug: () => viewLogger,
    // Vega reports a failed data load as a warning and goes on to render an empty chart.
    warn: (...args: readonly unknown[]) => {
      if (/^(Loading|Data ingestion) failed/.test(String(args[0]))) errors.push(describe(args));
      return viewLogger;
    },
    error: (...args: readonly unknown[]) => {
      errors.push(describe(args));
      return viewLogger;
    },
  };
  const view = new vega.View(vega.parse(vgSpec), { renderer: 'none', loader: offlineLoader(), logger: viewLogger });
  try {
    const svg = await view.toSVG();
    if (errors.length > 0) throw new Error(`chart rendering failed: ${errors.join('; ')}`);
    return svg;
  } finally {
    view.finalize();
  }
}

export async function svgToPng(svg: string): Promise<Buffer> {
  const fonts = chartFontFiles();
  const image = await renderAsync(svg, {
    font: { fontFiles: [fonts.regular, fonts.bold], loadSystemFonts: false, defaultFontFamily: CHART_FONT_FAMILY },
    fitTo: { mode: 'width', value: OUTPUT_WIDTH },
    background: 'white',
    logLevel: 'off',
  });
  return image.asPng();
}

/** PNG bytes of the chart, OUTPUT_WIDTH (800) pixels wide on white, drawn with the bundled DejaVu Sans. */
export async function renderChart(spec: ChartSpec): Promise<Buffer> {
  return svgToPng(await renderChartSvg(spec));
}

/** Renders in this thread and writes `<dir>/<baseName>.png` (creating dir); returns its absolute path. */
export async function writeChartHere(spec: ChartSpec, dir: string, baseName: string): Promise<string> {
  checkBaseName(baseName);
  const png = await renderChart(spec);
  const absDir = resolve(dir);
  await mkdir(absDir, { recursive: true });
  const path = resolve(absDir, `${baseName}.png`);
  await writeFile(path, png);
  return path;
}
