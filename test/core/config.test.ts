import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, configSchema, loadConfig } from '../../src/config/config.ts';
import { defaultText, documentedSettings } from '../../src/config/reference.ts';

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

  it('the README settings table and .env.example list exactly the schema’s variables, each explained, with its default', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const table = readme.slice(readme.indexOf('<!-- settings:start'), readme.indexOf('<!-- settings:end -->'));
    const rows = new Map([...table.matchAll(/^\| `([A-Z][A-Z0-9_]*)` \| ([^|]+) \|/gm)].map((m) => [m[1]!, m[2]!.trim()]));
    const keys = Object.keys(configSchema.shape);
    expect([...rows.keys()].sort()).toEqual([...keys].sort());
    const defaults = loadConfig({}) as Record<string, unknown>;
    for (const key of keys) {
      const value = defaults[key];
      const shown = rows.get(key)!;
      if (key === 'WORKERS') expect(shown).toBe('CPU cores − 1 (at least 1)');
      else if (value === undefined || (Array.isArray(value) && value.length === 0)) expect(shown, key).toBe('unset');
      else expect(shown, key).toBe(`\`${String(value)}\``);
    }
    const example = readFileSync(new URL('../../.env.example', import.meta.url), 'utf8');
    for (const setting of documentedSettings(example)) {
      expect(keys, `${setting.name} in .env.example is no setting`).toContain(setting.name);
      expect(setting.comment.length, `${setting.name} has no comment of its own in .env.example`).toBeGreaterThan(10);
      // a value written in .env.example is the default, so copying the file changes nothing
      if (setting.example !== '') expect(`\`${setting.example}\``, setting.name).toBe(defaultText(setting.name));
    }
  });

  it('defaults the README states in passing, as `NAME` (default), are the schema’s', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const keys = new Set(Object.keys(configSchema.shape));
    const stated = [...readme.matchAll(/`([A-Z][A-Z0-9_]+)` \(([A-Za-z0-9.]+)\)/g)].filter((m) => keys.has(m[1]!));
    expect(stated.length).toBeGreaterThan(10);
    for (const [, name, value] of stated) expect(`\`${value}\``.replace('`unset`', 'unset'), name).toBe(defaultText(name!));
  });
});
