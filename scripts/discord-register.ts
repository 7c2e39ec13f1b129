import { existsSync } from 'node:fs';
import { loadRegistry } from '../commands/index.ts';
import { commandPayloads } from '../adapters/discord/commands.ts';
import { allowedGuildIds } from '../adapters/discord/index.ts';
import { inviteUrl } from '../adapters/discord/invite.ts';
import { registerCommands } from '../adapters/discord/register.ts';
import { ConfigError, loadConfig } from '../src/config/config.ts';

/** `npm run discord:register`: the slash commands for DISCORD_GUILD_ID (instant) or globally. */
async function main(): Promise<number> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  try {
    const config = loadConfig();
    const registry = await loadRegistry();
    const result = await registerCommands(config, registry);
    const where =
      result.scope === 'guild' ? `guild ${result.guildId} (available now)` : 'all guilds (Discord may take up to an hour to show them)';
    process.stdout.write(`Registered ${result.names.length} slash commands for ${where}: ${result.names.map((n) => `/${n}`).join(' ')}\n`);
    const hidden = commandPayloads(registry).filter((p) => p.default_member_permissions !== undefined);
    process.stdout.write(
      `Offered in servers only, not in DMs; ${hidden.map((p) => `/${p.name}`).join(' ')} shown only to members with Manage Server (change it under Server Settings > Integrations).\n`,
    );
    process.stdout.write(`Invite the bot (once per server): ${inviteUrl(config.DISCORD_APP_ID!, config.DISCORD_GUILD_ID)}\n`);
    const allowed = allowedGuildIds(config);
    process.stdout.write(
      allowed.length
        ? `The bot answers and stays only in: ${allowed.join(', ')} (DISCORD_GUILD_IDS, DISCORD_GUILD_ID).\n`
        : 'DISCORD_GUILD_IDS is empty: any server that adds the bot can use it. Set it to your server ids.\n',
    );
    return 0;
  } catch (error) {
    process.stderr.write(`${error instanceof ConfigError || error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

process.exitCode = await main();
