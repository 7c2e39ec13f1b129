import { createDatabase } from '../store/database.ts';
import { writeDigestChart } from './chart.ts';
import { computeDigestData, type DigestData, type DigestOptions } from './content.ts';

export interface DigestTaskInput {
  databaseUrl: string;
  options: DigestOptions;
  outDir: string;
  chartName: string;
}

/** Worker entry: opens its own connection to the store, runs the digest's queries and draws its chart (none for an empty period). */
export default async function digestDataTask(input: DigestTaskInput): Promise<{ data: DigestData; chart: string | null }> {
  const db = createDatabase(input.databaseUrl, { readonly: !input.databaseUrl.startsWith('postgres') });
  try {
    const data = await computeDigestData(db, input.options);
    return { data, chart: data.empty ? null : await writeDigestChart(data, input.outDir, input.chartName) };
  } finally {
    await db.destroy();
  }
}
