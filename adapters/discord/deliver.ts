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

async function sendableChannel(client: Client, channelId: string) {
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
  return channel;
}

/**
 * Posts rendered messages to a channel and returns their ids; Missing Access and Unknown Channel become UserErrors.
 * `replyTo`: the first message replies to that message of the channel (an approval card).
 */
export async function sendToChannel(
  client: Client,
  channelId: string,
  messages: DiscordMessage[],
  mention?: string,
  replyTo?: string,
): Promise<string[]> {
  const channel = await sendableChannel(client, channelId);
  const ids: string[] = [];
  for (const [i, message] of messages.entries()) {
    const options: MessageOptions & { reply?: { messageReference: string; failIfNotExists: boolean } } = messageOptions(message);
    if (i === 0 && replyTo) options.reply = { messageReference: replyTo, failIfNotExists: false };
    if (i === 0 && mention) {
      options.content = `<@${mention}> ${options.content ?? ''}`.trimEnd();
      options.allowedMentions = allowedMentions(options.content, [mention]);
    }
    try {
      ids.push((await channel.send(options)).id);
    } catch (error) {
      throw channelError(error, channelId);
    }
  }
  return ids;
}

/** Sends rendered messages to a user's direct messages: a private answer that can no longer be ephemeral. */
export async function sendToUser(client: Client, userId: string, messages: DiscordMessage[]): Promise<void> {
  const channel = await client.users.createDM(userId);
  for (const message of messages) await channel.send(messageOptions(message));
}

/**
 * Replaces posted channel messages in place (PATCH /channels/:id/messages/:id): the new messages go into the
 * old ones in order (components replaced, so a reply without buttons removes them), old ones left over are
 * cleared, extra new ones are posted after them.
 */
export async function editInChannel(client: Client, channelId: string, messageIds: string[], messages: DiscordMessage[]): Promise<void> {
  const channel = await sendableChannel(client, channelId);
  try {
    for (const [i, id] of messageIds.entries()) {
      const message = messages[i];
      await channel.messages.edit(
        id,
        message
          ? { ...messageOptions(message, true), attachments: [] }
          : { content: '(replaced by the message above)', embeds: [], components: [], attachments: [], allowedMentions: { parse: [] } },
      );
    }
    for (const message of messages.slice(messageIds.length)) await channel.send(messageOptions(message));
  } catch (error) {
    throw channelError(error, channelId);
  }
}
