import { existsSync } from 'node:fs';
import { loadRegistry } from '../commands/index.ts';
import { inviteUrl } from '../adapters/discord/invite.ts';
import { registerCommands } from '../adapters/discord/register.ts';
import { ConfigError, loadConfig } from '../src/config/config.ts';

/** `npm run discord:register`: the slash commands for DISCORD_GUILD_ID (instant) or globally. */
async function main(): Promise<number> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  try {
    const config = loadConfig();
    const result = await registerCommands(config, await loadRegistry());
    const where =
      result.scope === 'guild' ? `guild ${result.guildId} (available now)` : 'all guilds (Discord may take up to an hour to show them)';
    process.stdout.write(`Registered ${result.names.length} slash commands for ${where}: ${result.names.map((n) => `/${n}`).join(' ')}\n`);
    process.stdout.write(`Invite the bot (once per server): ${inviteUrl(config.DISCORD_APP_ID!, config.DISCORD_GUILD_ID)}\n`);
    return 0;
  } catch (error) {
    process.stderr.write(`${error instanceof ConfigError || error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

process.exitCode = await main();
