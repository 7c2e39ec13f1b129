import type { ChartSpec } from './chart-spec.ts';
import { writeChartHere } from './render-chart.ts';

export interface RenderChartInput {
  spec: ChartSpec;
  /** Absolute. */
  dir: string;
  baseName: string;
}

/** Worker entry: draws one chart to `<dir>/<baseName>.png` and returns its absolute path. */
export default function renderChartTask(input: RenderChartInput): Promise<string> {
  return writeChartHere(input.spec, input.dir, input.baseName);
}
