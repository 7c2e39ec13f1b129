import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, configSchema, loadConfig } from '../../src/config/config.ts';

describe('loadConfig', () => {
  it('defaults to the console on a local SQLite file', () => {
    const config = loadConfig({});
    expect(config.DATABASE_URL).toBe('sqlite:./data/bot.db');
    expect(config.DEFAULT_ROLE).toBe('viewer');
  });

  it('names each bad variable and what it should be', () => {
    const error = (() => {
      try {
        loadConfig({ SLACK_BOT_TOKEN: 'xapp-wrong', DATABASE_URL: 'mysql://x', DISCORD_TOKEN: 'abc', PORT: 'eighty' });
      } catch (e) {
        return e as ConfigError;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.message).toContain('SLACK_BOT_TOKEN: must be a bot token starting with xoxb-');
    expect(error!.message).toContain('SLACK_APP_TOKEN: is needed with SLACK_BOT_TOKEN');
    expect(error!.message).toContain('DATABASE_URL: must start with sqlite:');
    expect(error!.message).toContain('DISCORD_APP_ID: DISCORD_TOKEN and DISCORD_APP_ID go together');
    expect(error!.message).toContain('PORT:');
  });

  it('is documented variable by variable in .env.example', () => {
    const example = readFileSync(new URL('../../.env.example', import.meta.url), 'utf8');
    const documented = new Set([...example.matchAll(/^([A-Z_]+)=/gm)].map((m) => m[1]));
    const keys = Object.keys(configSchema.shape);
    for (const key of keys) expect(documented, `${key} missing from .env.example`).toContain(key);
  });
});
