import { Events, type Attachment, type Client, type Message, type TextBasedChannel } from 'discord.js';
import type { Bot } from '../../src/core/bot.ts';
import type { Upload } from '../../src/core/context.ts';
import type { Reply } from '../../src/core/reply.ts';
import { discordAttachmentOf, discordAttachmentRef, dropPrompt, sharedFileRefIn } from '../../src/import/drop-prompt.ts';
import type { Logger } from '../../src/logger.ts';
import { messageOptions } from './deliver.ts';
import { uploadFromAttachment } from './options.ts';
import type { DiscordMessage } from './render.ts';

/** At most this many CSVs of one message get a prompt each. */
const PROMPTS_PER_MESSAGE = 3;
/** A button must be answered within Discord's 3 s: the message lookup gets at most this. */
const FETCH_TIMEOUT_MS = 1_500;

function isCsv(attachment: Pick<Attachment, 'name' | 'contentType'>): boolean {
  return /^text\/csv\b/i.test(attachment.contentType ?? '') || /\.csv(\.gz)?$/i.test(attachment.name);
}

export interface FileDropDeps {
  bot: Bot;
  client: Client;
  logger: Logger;
  render: (reply: Reply) => DiscordMessage[];
}

/**
 * A message that mentions the bot and attaches a CSV, in a server the bot serves: the bot answers it
 * with the question what the file holds and a button per kind, each the typed
 * `/import <kind> attachment:<message id>/<attachment id>`, run as whoever clicks. Needs the
 * GuildMessages intent (not the privileged MessageContent one: a message that mentions the bot carries
 * its content and attachments anyway). Direct messages are left alone: imports need a server.
 */
export function registerFileDrops(deps: FileDropDeps): void {
  const { bot, client, logger, render } = deps;
  client.on(Events.MessageCreate, (message) => {
    void ask(message).catch((error: unknown) =>
      logger.warn({ err: error, channel: message.channelId }, 'discord: could not ask what an attached CSV holds'),
    );
  });

  async function ask(message: Message): Promise<void> {
    const me = client.user;
    if (!me || message.author.bot || !message.guildId || !message.mentions.users.has(me.id)) return;
    if (!bot.tenancy.allowsId('discord', message.guildId)) return;
    const maxBytes = bot.config.IMPORT_MAX_BYTES;
    const csvs = [...message.attachments.values()].filter((a) => isCsv(a) && a.size <= maxBytes).slice(0, PROMPTS_PER_MESSAGE);
    for (const attachment of csvs) {
      const [first] = render(dropPrompt(attachment.name, discordAttachmentRef(message.id, attachment.id)));
      await message.reply({ ...messageOptions(first!), allowedMentions: { parse: [], repliedUser: false } });
    }
  }
}

/**
 * `attachment:<message id>/<attachment id>` named in a command (a file-drop button, or typed): that
 * attachment as an Upload, fetched from the message in the channel the command comes from, so only a file
 * shared where the caller is; undefined when the line names none, or it is not there (or not a CSV).
 */
export async function attachmentUploads(channel: TextBasedChannel | null, text: string | undefined): Promise<Upload[] | undefined> {
  const ref = text === undefined ? undefined : sharedFileRefIn(text);
  const ids = ref ? discordAttachmentOf(ref) : undefined;
  if (!ref || !ids || !channel) return undefined;
  const message = await Promise.race([
    channel.messages.fetch(ids.messageId).catch(() => undefined),
    new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), FETCH_TIMEOUT_MS).unref()),
  ]);
  if (!message) return undefined;
  const attachment = message.attachments.get(ids.attachmentId);
  if (!attachment || !isCsv(attachment)) return undefined;
  return [{ ...uploadFromAttachment({ url: attachment.url, name: attachment.name, size: attachment.size }), ref }];
}
