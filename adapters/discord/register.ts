import { REST, Routes } from 'discord.js';
import type { Config } from '../../src/config/config.ts';
import type { CommandRegistry } from '../../src/core/registry.ts';
import { commandPayloads } from './commands.ts';

export interface RegistrationResult {
  scope: 'guild' | 'global';
  guildId?: string;
  names: string[];
}

/**
 * Replaces the app's slash commands with the registry's: in one guild when DISCORD_GUILD_ID is
 * set (instant), otherwise globally (Discord may take up to an hour to show changes).
 */
export async function registerCommands(config: Config, registry: CommandRegistry, rest?: REST): Promise<RegistrationResult> {
  if (!config.DISCORD_TOKEN || !config.DISCORD_APP_ID) {
    throw new Error('DISCORD_TOKEN and DISCORD_APP_ID must be set to register slash commands (Developer Portal > your app).');
  }
  const client = rest ?? new REST({ ...(config.DISCORD_API_URL ? { api: config.DISCORD_API_URL } : {}) }).setToken(config.DISCORD_TOKEN);
  const body = commandPayloads(registry);
  const route = config.DISCORD_GUILD_ID
    ? Routes.applicationGuildCommands(config.DISCORD_APP_ID, config.DISCORD_GUILD_ID)
    : Routes.applicationCommands(config.DISCORD_APP_ID);
  const saved = (await client.put(route, { body })) as { name: string }[];
  return {
    scope: config.DISCORD_GUILD_ID ? 'guild' : 'global',
    ...(config.DISCORD_GUILD_ID ? { guildId: config.DISCORD_GUILD_ID } : {}),
    names: saved.map((command) => command.name),
  };
}
