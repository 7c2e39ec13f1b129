import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { writeDemoData, type DemoCounts } from './demo-data.ts';

export { demoRows, writeDemoData, type DemoOptions } from './demo-data.ts';

/** The committed demo dataset: 5,000 customers, 18 months ending 2026-10-31, seed 42. */
export const EXAMPLE_OPTIONS = { customers: 5000, seed: 42, end: '2026-10-31', months: 18 } as const;

export function generateExamples(dir = path.dirname(fileURLToPath(import.meta.url))): Promise<DemoCounts> {
  return writeDemoData(dir, EXAMPLE_OPTIONS);
}

// `npm run examples` rebuilds examples/*.csv; `tsx examples/generate.ts <dir>` writes elsewhere.
if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const dir = process.argv[2] ? path.resolve(process.argv[2]) : undefined;
  void generateExamples(dir).then((counts) => {
    process.stdout.write(
      `wrote ${counts.customers} customers, ${counts.orderLines} order lines, ${counts.spend} spend rows, ${counts.events} events to ${dir ?? 'examples/'}\n`,
    );
  });
}
