import { writeChart } from '../../charts/index.ts';
import type { ChartSpec } from '../../charts/index.ts';
import type { CommandContext } from '../../core/context.ts';
import type { Attachment } from '../../core/reply.ts';
import { chartName } from './chart-name.ts';

/** Renders a chart into the command's output folder and describes it for the view. */
export async function attachChart(ctx: CommandContext, spec: ChartSpec, prefix: string, alt: string): Promise<Attachment> {
  const path = await writeChart(spec, ctx.outDir, chartName(prefix));
  const name = path.split(/[\\/]/).pop()!;
  return { path, name, title: 'title' in spec && spec.title ? spec.title : prefix, alt };
}
