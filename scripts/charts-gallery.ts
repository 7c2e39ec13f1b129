// `npm run charts:gallery`: every chart the bot draws, computed from the demo data in examples/ by the
// same functions the commands use, rendered into out/gallery/ (<name>.png and <name>.json) for review.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pino from 'pino';
import { loadRegistry } from '../commands/index.ts';
import type { ChartSpec } from '../src/charts/chart-spec.ts';
import { toVegaLite } from '../src/charts/to-vega-lite.ts';
import { writeChart } from '../src/charts/write-chart.ts';
import { campaignReport, campaignRevenueChart } from '../src/campaigns/report.ts';
import { loadConfig } from '../src/config/config.ts';
import { Bot } from '../src/core/bot.ts';
import { computeDigestData, SECTIONS } from '../src/digests/content.ts';
import { digestChart } from '../src/digests/chart.ts';
import { workerPool } from '../src/jobs/worker-pool.ts';
import { computeCac } from '../src/metrics/cac.ts';
import { computeClvValues, fitClvModelReport } from '../src/metrics/clv-model.ts';
import { resolvePeriod } from '../src/metrics/periods.ts';
import { cacTrendChart } from '../src/metrics/views/cac-view.ts';
import { fitCheckChart, holdoutChart } from '../src/metrics/views/clv-model-view.ts';
import { clvDistributionChart } from '../src/metrics/views/clv-view.ts';
import { kChoiceChart, profileChart } from '../src/segmentation/segment-views.ts';
import { resolveRun, runSegments } from '../src/segmentation/runs.ts';
import { createDatabase } from '../src/store/database.ts';
import { migrateToLatest } from '../src/store/migrate.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ZONE = 'UTC';
/** The demo data ends on this day. */
const AS_OF = '2026-10-31';

export interface GalleryChart {
  /** File base name in the gallery. */
  name: string;
  /** The command that draws it. */
  from: string;
  spec: ChartSpec;
}

/**
 * Loads examples/ into a fresh SQLite store in `dir` through the bot's commands (as in the README),
 * launches a campaign on 2026-09-01 so it has a window of data, and computes every chart from it.
 */
export async function galleryCharts(dir: string): Promise<GalleryChart[]> {
  const url = `sqlite:${path.join(dir, 'gallery.db')}`;
  const db = createDatabase(url);
  try {
    await migrateToLatest(db);
    const config = loadConfig({ DATABASE_URL: url, OUT_DIR: path.join(dir, 'out'), REPORTING_CURRENCY: 'USD' });
    const bot = new Bot({
      db,
      config,
      logger: pino({ level: 'silent' }),
      registry: await loadRegistry(),
      outDir: path.join(dir, 'out'),
      now: () => new Date('2026-09-01T09:00:00Z'),
    });
    const say = async (text: string, userId = 'local') => {
      const reply = await bot.execute({ caller: { platform: 'console', userId, channelId: 'console' }, text });
      if (!reply.ok) throw new Error(`${text}: ${JSON.stringify(reply.view)}`);
      return reply;
    };
    for (const kind of ['customers', 'orders', 'spend', 'events', 'rates'])
      await say(`/import ${kind} ${path.join(root, 'examples', `${kind}.csv`)}`);
    const kmeans = await say(`/segment run as_of=2026-08-31 name="Gallery k-means"`);
    const rfm = await say(`/segment run method=rfm as_of=${AS_OF} name="Gallery RFM"`);
    await say('/campaign create name="Autumn offer" segment=champions holdout=20% window=30d');
    await say('/campaign submit "Autumn offer"');
    await say('/campaign approve "Autumn offer"', 'bob');
    const launched = await say('/campaign launch "Autumn offer"');

    const charts: GalleryChart[] = [];
    const kmeansRun = await resolveRun(db, (kmeans.data as { run_id: number }).run_id);
    const rfmRun = await resolveRun(db, (rfm.data as { run_id: number }).run_id);
    charts.push({
      name: 'segment-kmeans-profiles',
      from: '/segment run',
      spec: profileChart(kmeansRun, await runSegments(db, kmeansRun.id)),
    });
    const kSpec = kChoiceChart(kmeansRun);
    if (kSpec) charts.push({ name: 'segment-kmeans-choose-k', from: '/segment run k=auto', spec: kSpec });
    charts.push({
      name: 'segment-rfm-profiles',
      from: '/segment run method=rfm',
      spec: profileChart(rfmRun, await runSegments(db, rfmRun.id)),
    });

    const values = await computeClvValues(db, {
      asOf: AS_OF,
      zone: ZONE,
      horizonMonths: 12,
      annualDiscount: 0.1,
      margin: config.GROSS_MARGIN,
      customerIds: null,
      top: 10,
    });
    charts.push({ name: 'clv-distribution', from: '/clv', spec: clvDistributionChart(values, 'all customers') });
    const model = await fitClvModelReport(db, { asOf: AS_OF, holdout: '2026-04-30', zone: ZONE });
    charts.push({ name: 'clv-fit-check', from: '/clv model', spec: fitCheckChart(model) });
    const holdout = holdoutChart(model);
    if (holdout) charts.push({ name: 'clv-holdout', from: '/clv model holdout=', spec: holdout });

    const cac = await computeCac(db, resolvePeriod({ period: '2026-10' }, AS_OF, ZONE), { reportingCurrency: config.REPORTING_CURRENCY });
    const cacSpec = cacTrendChart(cac);
    if (cacSpec) charts.push({ name: 'cac-trend', from: '/cac', spec: cacSpec });

    const campaignId = (launched.data as { campaign: { id: number } }).campaign.id;
    const report = await campaignReport(db, campaignId, AS_OF, ZONE);
    charts.push({ name: 'campaign-revenue', from: '/campaign report', spec: campaignRevenueChart(report.data) });

    for (const [period, sendDate] of [
      ['month', '2026-11-01'],
      ['week', '2026-11-02'],
    ] as const) {
      const data = await computeDigestData(db, { period, sections: [...SECTIONS], send_date: sendDate, currency: 'USD', zone: ZONE });
      charts.push({ name: `digest-${period}`, from: `/digest preview period=${period}`, spec: digestChart(data) });
    }
    return charts;
  } finally {
    await db.destroy();
  }
}

export interface GalleryFile {
  name: string;
  png: string;
  json: string;
}

/** Renders each chart into `outDir`: `<name>.png`, and `<name>.json` with the chart spec and the vega-lite spec drawn. */
export async function writeGallery(charts: GalleryChart[], outDir: string): Promise<GalleryFile[]> {
  mkdirSync(outDir, { recursive: true });
  const files: GalleryFile[] = [];
  for (const chart of charts) {
    const png = await writeChart(chart.spec, outDir, chart.name);
    const json = path.join(outDir, `${chart.name}.json`);
    writeFileSync(json, `${JSON.stringify({ from: chart.from, spec: chart.spec, vegaLite: toVegaLite(chart.spec) }, null, 2)}\n`);
    files.push({ name: chart.name, png, json });
  }
  return files;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'growthbot-gallery-'));
  const outDir = path.join(root, 'out', 'gallery');
  try {
    const files = await writeGallery(await galleryCharts(dir), outDir);
    for (const file of files) console.log(path.relative(root, file.png));
    console.log(`${files.length} charts in ${path.relative(root, outDir)}/ (with their specs as .json)`);
  } finally {
    await workerPool.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
