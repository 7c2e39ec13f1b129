import { REST, Routes } from 'discord.js';
import type { Config } from '../../src/config/config.ts';
import type { CommandRegistry } from '../../src/core/registry.ts';
import { commandPayloads } from './commands.ts';

export interface RegistrationResult {
  scope: 'guild' | 'global';
  guildId?: string;
  names: string[];
}

/** The app's commands endpoint: one guild's with DISCORD_GUILD_ID, else the global one. */
function commandsEndpoint(config: Config, rest: REST | undefined, doing: string) {
  if (!config.DISCORD_TOKEN || !config.DISCORD_APP_ID) {
    throw new Error(`DISCORD_TOKEN and DISCORD_APP_ID must be set to ${doing} (Developer Portal > your app).`);
  }
  return {
    client: rest ?? new REST({ ...(config.DISCORD_API_URL ? { api: config.DISCORD_API_URL } : {}) }).setToken(config.DISCORD_TOKEN),
    route: config.DISCORD_GUILD_ID
      ? Routes.applicationGuildCommands(config.DISCORD_APP_ID, config.DISCORD_GUILD_ID)
      : Routes.applicationCommands(config.DISCORD_APP_ID),
    scope: config.DISCORD_GUILD_ID ? ('guild' as const) : ('global' as const),
  };
}

/**
 * Replaces the app's slash commands with the registry's: in one guild when DISCORD_GUILD_ID is
 * set (instant), otherwise globally (Discord may take up to an hour to show changes).
 */
export async function registerCommands(config: Config, registry: CommandRegistry, rest?: REST): Promise<RegistrationResult> {
  const { client, route, scope } = commandsEndpoint(config, rest, 'register slash commands');
  const saved = (await client.put(route, { body: commandPayloads(registry) })) as { name: string }[];
  return {
    scope,
    ...(config.DISCORD_GUILD_ID ? { guildId: config.DISCORD_GUILD_ID } : {}),
    names: saved.map((command) => command.name),
  };
}

export interface RegistrationCheck {
  scope: 'guild' | 'global';
  /** Commands of the registry that Discord does not have. */
  missing: string[];
  /** Commands Discord has in an older form (description, options, choices, limits, or who may see them differ). */
  outdated: string[];
  /** Commands Discord has that the registry no longer defines. */
  extra: string[];
}

interface CommandShape {
  name: string;
  description?: string;
  type?: number;
  required?: boolean;
  autocomplete?: boolean;
  min_value?: number;
  max_value?: number;
  choices?: { value: unknown }[];
  options?: CommandShape[];
  default_member_permissions?: string | null;
  contexts?: number[] | null;
  integration_types?: number[] | null;
}

/**
 * Who may see a command: the permission members need, and (global commands only: Discord keeps
 * them for global commands alone) where it is offered and for which kind of install.
 */
function access(item: CommandShape, scope: 'guild' | 'global'): unknown {
  const permissions = item.default_member_permissions ?? null;
  if (scope === 'guild') return [permissions];
  const sorted = (list: number[] | null | undefined) => (list ? [...list].sort() : null);
  return [permissions, sorted(item.contexts), sorted(item.integration_types)];
}

/** What a user sees of a command or option; fields Discord adds or leaves out when false are evened out. */
function shape(item: CommandShape): unknown {
  return [
    item.name,
    item.description ?? '',
    item.type ?? 1,
    item.required ?? false,
    item.autocomplete ?? false,
    item.min_value ?? null,
    item.max_value ?? null,
    (item.choices ?? []).map((choice) => choice.value),
    (item.options ?? []).map(shape),
  ];
}

/**
 * Compares the slash commands registered in Discord (the guild's with DISCORD_GUILD_ID, else the
 * global ones) with the registry's, so start-up can say when `npm run discord:register` is due.
 */
export async function checkRegistration(config: Config, registry: CommandRegistry, rest?: REST): Promise<RegistrationCheck> {
  const { client, route, scope } = commandsEndpoint(config, rest, 'check the registered slash commands');
  const registered = new Map(
    ((await client.get(route)) as CommandShape[]).map((command) => [
      command.name,
      JSON.stringify([shape(command), access(command, scope)]),
    ]),
  );
  const check: RegistrationCheck = { scope, missing: [], outdated: [], extra: [] };
  for (const command of commandPayloads(registry) as CommandShape[]) {
    const seen = registered.get(command.name);
    if (seen === undefined) check.missing.push(command.name);
    else if (seen !== JSON.stringify([shape(command), access(command, scope)])) check.outdated.push(command.name);
    registered.delete(command.name);
  }
  check.extra.push(...registered.keys());
  return check;
}
