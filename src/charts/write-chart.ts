import { resolve } from 'node:path';
import { isMainThread } from 'node:worker_threads';
import { runInWorker, workerTask } from '../jobs/run-in-worker.ts';
import type { ChartSpec } from './chart-spec.ts';
import type { RenderChartInput } from './render-chart-task.ts';

const TASK = workerTask(new URL('./render-chart-task.ts', import.meta.url));

export function checkBaseName(baseName: string): void {
  if (!baseName || /[/\\]/.test(baseName)) throw new Error(`writeChart: invalid base name "${baseName}"`);
}

/**
 * Renders the chart to `<dir>/<baseName>.png` (creating dir) and returns its absolute path.
 *
 * The renderer (vega, vega-lite) only ever loads in worker threads: vega-lite adds
 * `Set.prototype.toJSON` when imported, which breaks discord.js in the same thread. On the main
 * thread the chart is drawn by a worker of the pool; in a worker (segmentation, digests) right there.
 */
export async function writeChart(spec: ChartSpec, dir: string, baseName: string): Promise<string> {
  checkBaseName(baseName);
  const input: RenderChartInput = { spec, dir: resolve(dir), baseName };
  if (isMainThread) return runInWorker<RenderChartInput, string>(TASK, input);
  const { writeChartHere } = await import('./render-chart.ts');
  return writeChartHere(input.spec, input.dir, input.baseName);
}
