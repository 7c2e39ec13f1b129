import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { manifestJson } from '../adapters/slack/manifest.ts';
import { loadRegistry } from '../commands/index.ts';

const target = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'slack-manifest.json');
writeFileSync(target, manifestJson(await loadRegistry()));
process.stdout.write(`wrote ${path.relative(process.cwd(), target)}\n`);
