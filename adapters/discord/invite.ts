import { OAuth2Scopes, PermissionFlagsBits } from 'discord.js';

/** What the bot needs in the channels it answers and posts digests in. */
export const BOT_PERMISSIONS = [
  PermissionFlagsBits.ViewChannel,
  PermissionFlagsBits.SendMessages,
  PermissionFlagsBits.EmbedLinks,
  PermissionFlagsBits.AttachFiles,
  PermissionFlagsBits.ReadMessageHistory,
  PermissionFlagsBits.UseApplicationCommands,
].reduce((sum, bit) => sum | bit, 0n);

/** The OAuth2 URL a server admin opens to add the bot with its slash commands. */
export function inviteUrl(appId: string, guildId?: string): string {
  const params = new URLSearchParams({
    client_id: appId,
    scope: [OAuth2Scopes.Bot, OAuth2Scopes.ApplicationsCommands].join(' '),
    permissions: BOT_PERMISSIONS.toString(),
    ...(guildId ? { guild_id: guildId, disable_guild_select: 'true' } : {}),
  });
  return `https://discord.com/oauth2/authorize?${params.toString()}`;
}
