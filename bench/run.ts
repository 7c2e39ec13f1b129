import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * `npm run bench`: each benchmark runs in its own process (so its peak memory is its own) and
 * prints its figures next to a baseline measured in the same run. Name some to run only those:
 * `npm run bench -- import clv`.
 */
const BENCHES = [
  'start',
  'import',
  'segmentation-core',
  'segmentation',
  'clv',
  'clv-commands',
  'recommend',
  'digest',
  'slack-ack',
  'postgres',
];

const here = path.dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const selected = BENCHES.filter((name) => (wanted.length === 0 || wanted.includes(name)) && existsSync(path.join(here, `${name}.ts`)));
let failed = 0;
for (const [i, name] of selected.entries()) {
  // the previous bench's files (gigabytes for import and digest) are written out before the next one measures anything
  if (i > 0) spawnSync('sync');
  process.stdout.write(`\n## ${name}\n`);
  const started = Date.now();
  const result = spawnSync(process.execPath, ['--import', 'tsx', path.join(here, `${name}.ts`)], { stdio: 'inherit', env: process.env });
  if (result.status !== 0) failed++;
  process.stdout.write(
    `(${name}: ${((Date.now() - started) / 1000).toFixed(1)} s${result.status !== 0 ? `, exited ${result.status}` : ''})\n`,
  );
}
process.exitCode = failed ? 1 : 0;
