import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestStore, type TestStore } from '../helpers/store.ts';
import { snapshotDifferences, type BuiltinsSnapshot } from './builtins-snapshot.mjs';

const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const require = createRequire(import.meta.url);
const tsxCli = require.resolve('tsx/cli');
/** The helpers tslib's CommonJS build (as discord.js loads it) defines, read from its source. */
const tslibHelpers = [
  ...readFileSync(createRequire(require.resolve('discord.js')).resolve('tslib'), 'utf8').matchAll(/exporter\("(__\w+)"/g),
].map((m) => m[1]!);

/**
 * Globals (never prototypes) that the runtime and our dependencies add on purpose, each under a
 * name of its own: tsx's loader count; Node's own fetch dispatcher (pg builds a Response to tell
 * Node from Cloudflare Workers); zod's registry; tslib's helpers (its CommonJS build, loaded by
 * discord.js, also defines them globally).
 */
const ALLOWED_GLOBALS = new Set([
  'Symbol(tsx:global-cjs-loader-count)',
  'Symbol(undici.globalDispatcher.1)',
  // undici 7 (Slack's WebSocket client) sets both when it loads before anything has set the first
  'Symbol(undici.globalDispatcher.2)',
  '__zod_globalConfig',
  '__zod_globalRegistry',
  ...tslibHelpers,
]);

let store: TestStore | undefined;
afterAll(async () => store?.close());

describe('what `npm start` loads leaves the built-ins alone', () => {
  // two child processes that each load the whole bot: generous on a busy machine
  it(
    'changes no built-in prototype or constructor in the main thread, and discord.js loads after it all',
    { timeout: 180_000 },
    async () => {
      store = await createTestStore();
      const pristine = await run(process.execPath, [path.join(here, 'builtins-snapshot.mjs')], { cwd: root });
      // the tsx CLI, as package.json's start script runs src/main.ts
      const loaded = await run(process.execPath, [tsxCli, path.join(here, 'load-everything.ts')], {
        cwd: root,
        env: {
          ...process.env,
          DATABASE_URL: store.url,
          OUT_DIR: path.join(store.dir, 'out'),
          LOG_LEVEL: 'silent',
          SLACK_BOT_TOKEN: '',
          DISCORD_TOKEN: '',
          DISCORD_APP_ID: '',
        },
        maxBuffer: 16 * 2 ** 20,
      }).catch((error: { stderr?: string; message: string }) => {
        // a minified dependency's failure prints whole lines of code: keep the message readable
        throw new Error(`loading what npm start loads failed: ${(error.stderr || error.message).slice(-3000)}`);
      });
      const report = JSON.parse(loaded.stdout.trim().split('\n').pop()!) as {
        loaded: string[];
        commands: number;
        chart: string;
        snapshot: BuiltinsSnapshot;
      };

      expect(report.loaded).toEqual(
        expect.arrayContaining([
          'src/app.ts',
          'adapters/console/console.ts',
          'src/campaigns/services.ts',
          'src/digests/scheduler.ts',
          'adapters/slack/start.ts',
          'adapters/discord/index.ts',
        ]),
      );
      expect(report.commands).toBeGreaterThan(5);
      expect(existsSync(report.chart)).toBe(true);
      expect(report.snapshot['Set.prototype']!.toJSON).toBeUndefined();

      const changes = snapshotDifferences(JSON.parse(pristine.stdout), report.snapshot);
      const builtinChanges = changes.filter((change) => !change.startsWith('globalThis '));
      expect(builtinChanges).toEqual([]);
      const unexpectedGlobals = changes
        .filter((change) => change.startsWith('globalThis '))
        .map((change) => change.slice('globalThis '.length, change.indexOf(': ')))
        .filter((name) => !ALLOWED_GLOBALS.has(name));
      expect(unexpectedGlobals).toEqual([]);
    },
  );
});
