// Child process of global-prototypes.test.ts, started the way `npm start` starts the bot (the tsx CLI):
// loads every module `npm start` loads, draws a chart from the main thread, then imports discord.js
// and builds a client, without starting the bot. Prints one JSON line: the built-ins snapshot.
import { readFileSync } from 'node:fs';
import { builtinsSnapshot } from './builtins-snapshot.mjs';

const main = new URL('../../src/main.ts', import.meta.url);
const source = readFileSync(main, 'utf8');
const imports = (pattern: RegExp) => [...source.matchAll(pattern)].map((m) => new URL(m[1]!, main).href);
// main.ts's value imports load with it; its dynamic ones (the Slack and Discord adapters) when a token is set
const staticImports = imports(/^import\s+(?!type\s)[^;]*?\sfrom\s+'([^']+)';/gm);
const dynamicImports = imports(/\bimport\('([^']+)'\)/g);
const loaded: string[] = [];
const load = async (href: string) => {
  await import(href);
  loaded.push(href.startsWith('file:') ? new URL(href).pathname.replace(/.*\/(src|adapters|commands)\//, '$1/') : href);
};

for (const href of staticImports) await load(href);

const { loadConfig } = await import('../../src/config/config.ts');
const { createLogger } = await import('../../src/logger.ts');
const { createApp } = await import('../../src/app.ts');
const { writeChart } = await import('../../src/charts/index.ts');
const config = loadConfig();
// the command registry (every file in commands/) and the migrations load here
const app = await createApp({ config, logger: createLogger('silent') });
const chart = await writeChart(
  { kind: 'bar', title: 'Drawn from the main thread', asOf: '2026-11-30', xTitle: 'x', yTitle: 'y', bars: [{ label: 'a', value: 1 }] },
  config.OUT_DIR,
  'main-thread-chart',
);
await app.close();

for (const href of dynamicImports) await load(href);

const { Client } = await import('discord.js');
const client = new Client({ intents: [] });
await client.destroy();

process.stdout.write(`${JSON.stringify({ loaded, commands: app.bot.registry.all().length, chart, snapshot: builtinsSnapshot() })}\n`);
