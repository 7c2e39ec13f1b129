import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killAllBots, SPAWN_TEST_TIMEOUT_MS, spawnBot } from '../helpers/spawn-bot.ts';
import { createEmptyTestStore, type TestStore } from '../helpers/store.ts';
import { customerIds, customersCsv } from './chat-flows.ts';

let store: TestStore;

beforeAll(async () => {
  store = await createEmptyTestStore();
});

afterAll(async () => {
  await killAllBots();
  await store?.close();
});

describe('npm start with no platform configured: the console', () => {
  it(
    'runs the commands piped to it, one JSON line each, and exits with code 0 at the end of its input',
    async () => {
      const bot = spawnBot({
        databaseUrl: store.url,
        args: ['--json'],
        stdin: 'pipe',
        files: { 'customers.csv': customersCsv('CO-') },
      });
      bot.endInput(['/import customers customers.csv', '/customer show CO-2', '/segment list', ''].join('\n'));
      const exit = await bot.waitForExit(SPAWN_TEST_TIMEOUT_MS - 10_000);
      expect(exit, bot.describe()).toEqual({ code: 0, signal: null });
      const replies = bot.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { command: string; ok: boolean; text: string; data: Record<string, unknown> });
      expect(replies.map((reply) => [reply.command, reply.ok])).toEqual([
        ['/import customers customers.csv', true],
        ['/customer show CO-2', true],
        ['/segment list', true],
      ]);
      expect(replies[0]!.data).toMatchObject({ read: 3, inserted: 3, rejected: 0 });
      expect(replies[1]!.text).toContain('Grace Hopper');
      expect(await customerIds(store.db, 'CO-')).toEqual(['CO-1', 'CO-2', 'CO-3']);
    },
    SPAWN_TEST_TIMEOUT_MS,
  );

  it(
    'exits with code 0 on SIGTERM while it waits for input',
    async () => {
      const bot = spawnBot({ databaseUrl: store.url, stdin: 'pipe' });
      bot.write('/segment list\n');
      await bot.waitForOutput('Segmentation runs');
      expect(await bot.stop()).toEqual({ code: 0, signal: null });
    },
    SPAWN_TEST_TIMEOUT_MS,
  );
});
