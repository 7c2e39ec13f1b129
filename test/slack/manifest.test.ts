import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BOT_SCOPES, buildManifest, manifestJson } from '../../adapters/slack/manifest.ts';
import { loadRegistry } from '../../commands/index.ts';

describe('Slack app manifest', () => {
  it('is committed as generated from the command definitions (run npm run slack:manifest after adding a command)', async () => {
    const committed = readFileSync(new URL('../../slack-manifest.json', import.meta.url), 'utf8');
    expect(committed).toBe(manifestJson(await loadRegistry()));
  });

  it('has a slash command per top-level command, the scopes, interactivity and Socket Mode', async () => {
    const registry = await loadRegistry();
    const manifest = buildManifest(registry) as {
      features: { slash_commands: { command: string; description: string; usage_hint?: string }[] };
      oauth_config: { scopes: { bot: string[] } };
      settings: { interactivity: { is_enabled: boolean }; socket_mode_enabled: boolean };
    };
    expect(manifest.features.slash_commands.map((c) => c.command)).toEqual(registry.names().map((n) => `/${n}`));
    expect(manifest.features.slash_commands.find((c) => c.command === '/help')).toMatchObject({ usage_hint: '[<command>]' });
    for (const command of manifest.features.slash_commands) expect(command.description.length).toBeLessThanOrEqual(100);
    expect(manifest.oauth_config.scopes.bot).toEqual([...BOT_SCOPES]);
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
    expect(manifest.settings.socket_mode_enabled).toBe(true);
  });
});
