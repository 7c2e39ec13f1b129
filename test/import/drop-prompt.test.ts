import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bot } from '../../src/core/bot.ts';
import { dropPrompt, isSharedFileRef, sharedFileRefIn } from '../../src/import/drop-prompt.ts';
import { createTestBot, run } from '../helpers/bot.ts';
import { createTestStore, type TestStore } from '../helpers/store.ts';

let store: TestStore;
let bot: Bot;

beforeAll(async () => {
  store = await createTestStore();
  bot = await createTestBot(store.db, store.dir);
});
afterAll(() => store.close());

describe('the file-drop prompt and shared-file references', () => {
  it('offers the four kinds, each the typed /import that names the file', () => {
    const prompt = dropPrompt('Q3 `orders`\n.csv', 'file:F0ABC123');
    expect(prompt.view.buttons?.map((b) => [b.label, b.command])).toEqual([
      ['Customers', '/import customers file:F0ABC123'],
      ['Orders', '/import orders file:F0ABC123'],
      ['Spend', '/import spend file:F0ABC123'],
      ['Events', '/import events file:F0ABC123'],
    ]);
    expect(prompt.view.text).toBe("Import `Q3 'orders''.csv` as customers, orders, spend or events?");
    expect(prompt.view.ephemeral).toBe(true);
  });

  it('recognises only well-formed references', () => {
    expect(isSharedFileRef('file:F0ABC123')).toBe(true);
    expect(isSharedFileRef('attachment:1600000000000000012/1600000000000000013')).toBe(true);
    for (const bad of ['file:../etc/passwd', 'file:f0abc', 'attachment:12/x', 'orders.csv', 'https://x/file:F0ABC123'])
      expect(isSharedFileRef(bad), bad).toBe(false);
    expect(sharedFileRefIn('/import orders file:F0ABC123 strict=true')).toBe('file:F0ABC123');
    expect(sharedFileRefIn('/import orders source=file:F0ABC123')).toBe('file:F0ABC123');
    expect(sharedFileRefIn('/import orders orders.csv')).toBeUndefined();
  });

  it('a reference no adapter resolved (the console, another channel) says so and what to do, never reads a path', async () => {
    const answer = await run(bot, '/import orders file:F0ABC123');
    expect(answer.ok).toBe(false);
    expect(answer.data.error).toMatchObject({
      code: 'shared_file_unavailable',
      message: 'The shared file `file:F0ABC123` cannot be read here.',
    });
    expect(answer.data.error.hint).toContain('share the CSV again here');
  });
});
