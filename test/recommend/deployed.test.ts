import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killAllBots, SPAWN_TEST_TIMEOUT_MS, spawnBot } from '../helpers/spawn-bot.ts';
import { createEmptyTestStore, type TestStore } from '../helpers/store.ts';
import { customerOf, writePurchases } from './seed.ts';

let store: TestStore;
let dir: string;
beforeAll(async () => {
  store = await createEmptyTestStore();
  dir = mkdtempSync(path.join(os.tmpdir(), 'growthbot-recommend-'));
});
afterAll(async () => {
  await killAllBots();
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('/recommend in the bot as deployed (npm start, the console)', () => {
  it(
    'imports orders with products, learns, recommends with reasons and evaluates, one JSON line per command',
    async () => {
      const files = writePurchases(dir);
      const commands = [
        `/import orders ${files.orders}`,
        `/import products ${files.products}`,
        '/recommend train',
        `/recommend customer=${customerOf('A', 20)} limit=3`,
        '/recommend evaluate',
      ];
      const bot = spawnBot({ databaseUrl: store.url, args: ['--json'], stdin: 'pipe' });
      bot.endInput(`${commands.join('\n')}\n`);
      const exit = await bot.waitForExit(SPAWN_TEST_TIMEOUT_MS - 10_000);
      expect(exit, bot.describe()).toEqual({ code: 0, signal: null });
      const replies = bot.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { command: string; ok: boolean; text: string; data: Record<string, any> });
      expect(replies.map((r) => [r.command, r.ok])).toEqual(commands.map((c) => [c, true]));
      expect(replies[0]!.data.line_items).toMatchObject({ products: 16 });
      expect(replies[2]!.data).toMatchObject({ run_id: 1, customers: 90, products: 16 });
      const top = replies[3]!.data.recommendations as { product_id: string; reason: string }[];
      expect(top.map((r) => r.product_id)).toEqual(['A4', 'BAG', 'B1']);
      expect(top[1]!.reason).toMatch(/^bought with Alpine A[123] by \d+ customers$/);
      expect(replies[3]!.text).toContain('bought with Alpine A');
      expect(replies[4]!.data.recommender.hit_rate).toBeGreaterThan(replies[4]!.data.popularity.hit_rate);
      expect(replies[4]!.text).toContain('Hit rate@10');
    },
    SPAWN_TEST_TIMEOUT_MS,
  );
});
