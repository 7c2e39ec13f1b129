import { DiscordAPIError, RESTJSONErrorCodes, type Client, type MessageMentionOptions } from 'discord.js';
import { UserError } from '../../src/core/errors.ts';
import { mentionedIn, type DiscordMessage } from './render.ts';

export type MessageOptions = Omit<DiscordMessage, 'content'> & { content?: string; allowedMentions: MessageMentionOptions };

/**
 * Who a message may notify: nobody by name or role, no @everyone/@here (parse: []), only the users
 * the bot itself mentions in the content (`extra`: the caller it answers). On every message sent.
 */
export function allowedMentions(content: string | undefined, extra: string[] = []): MessageMentionOptions {
  return { parse: [], users: [...new Set([...extra, ...mentionedIn(content ?? '')])].slice(0, 100) };
}

/** discord.js message options from a rendered message; `keepEmpty` clears old content on edits. */
export function messageOptions(message: DiscordMessage, keepEmpty = false): MessageOptions {
  return {
    ...(message.content !== '' || keepEmpty ? { content: message.content } : {}),
    embeds: message.embeds,
    files: message.files,
    components: message.components,
    allowedMentions: allowedMentions(message.content),
  };
}

/** The interaction token is gone (expired or unknown): only a channel message can still answer. */
export function isTokenError(error: unknown): boolean {
  return (
    error instanceof DiscordAPIError &&
    (error.code === RESTJSONErrorCodes.UnknownWebhook ||
      error.code === RESTJSONErrorCodes.InvalidWebhookToken ||
      error.code === RESTJSONErrorCodes.UnknownInteraction)
  );
}

/** A Discord refusal as a message a person can act on; other errors pass unchanged. */
export function channelError(error: unknown, channelId: string): unknown {
  if (!(error instanceof DiscordAPIError)) return error;
  if (error.code === RESTJSONErrorCodes.MissingAccess || error.code === RESTJSONErrorCodes.MissingPermissions) {
    return new UserError('discord_missing_access', `The bot cannot post in Discord channel ${channelId} (${error.message}).`, {
      hint: 'Add the bot to that channel, or give its role View Channel, Send Messages, Embed Links and Attach Files there.',
      context: { code: error.code, status: error.status },
    });
  }
  if (error.code === RESTJSONErrorCodes.UnknownChannel) {
    return new UserError('discord_unknown_channel', `Discord channel ${channelId} does not exist or is not visible to the bot.`, {
      hint: 'Check the channel id (right-click the channel > Copy Channel ID with Developer Mode on).',
      context: { code: error.code, status: error.status },
    });
  }
  return error;
}

/** Posts rendered messages to a channel; Missing Access and Unknown Channel become UserErrors. */
export async function sendToChannel(client: Client, channelId: string, messages: DiscordMessage[], mention?: string): Promise<void> {
  let channel;
  try {
    channel = await client.channels.fetch(channelId);
  } catch (error) {
    throw channelError(error, channelId);
  }
  if (!channel || !channel.isSendable()) {
    throw new UserError('discord_channel_unusable', `Discord channel ${channelId} is not a text channel the bot can post in.`, {
      hint: 'Pick a text channel the bot can see.',
    });
  }
  for (const [i, message] of messages.entries()) {
    const options = messageOptions(message);
    if (i === 0 && mention) {
      options.content = `<@${mention}> ${options.content ?? ''}`.trimEnd();
      options.allowedMentions = allowedMentions(options.content, [mention]);
    }
    try {
      await channel.send(options);
    } catch (error) {
      throw channelError(error, channelId);
    }
  }
}
