import type { App, webApi } from '@slack/bolt';
import type { Bot } from '../../src/core/bot.ts';
import type { Upload } from '../../src/core/context.ts';
import { dropPrompt, slackFileIdOf, slackFileRef } from '../../src/import/drop-prompt.ts';
import type { Logger } from '../../src/logger.ts';
import type { SlackLimits } from './limits.ts';
import { slackErrorCode } from './poster.ts';
import { renderReply } from './render.ts';
import { isCsv, slackFileUpload, type ListedFile } from './shared-files.ts';

/** At most this many CSVs of one message get a prompt each. */
const PROMPTS_PER_MESSAGE = 3;
/** Messages already answered (an event Slack retried), remembered this long a process. */
const SEEN_MAX = 1000;

interface FileShareEvent {
  type: 'message';
  subtype?: string;
  user?: string;
  bot_id?: string;
  channel?: string;
  ts?: string;
  thread_ts?: string;
  text?: string;
  files?: ListedFile[];
}

export interface FileDropDeps {
  bot: Bot;
  client: webApi.WebClient;
  logger: Logger;
  limits: SlackLimits;
}

/**
 * A CSV shared in a channel, private channel or direct message where the bot is, with no command:
 * the sharer alone is asked (an ephemeral message) whether to import it as customers, orders, spend or
 * events. It listens to `message` events of subtype `file_share` (message.channels, message.groups,
 * message.im): unlike `file_shared`, they carry the channel, the sharer, the thread and the files in one
 * event. Each button is the typed `/import <kind> file:<file id>`, run as whoever clicks; the file id is
 * resolved by sharedFileUpload, only to a file shared in the channel the click comes from.
 */
export function registerFileDrops(app: App, deps: FileDropDeps): void {
  const { bot, client, logger, limits } = deps;
  const seen = new Set<string>();
  app.event('message', async ({ event, context }) => {
    const message = event as FileShareEvent;
    if (message.subtype !== 'file_share' || !message.user || !message.channel || !message.files?.length) return;
    if (message.bot_id || message.user === context.botUserId) return;
    if ((message.text ?? '').trim().startsWith('/')) return; // a command typed with the file: not a question
    const key = `${message.channel}:${message.ts}`;
    if (seen.has(key)) return;
    seen.add(key);
    if (seen.size > SEEN_MAX) seen.delete(seen.values().next().value!);
    const maxBytes = bot.config.IMPORT_MAX_BYTES;
    const csvs = message.files.filter((file) => file.id && isCsv(file) && (file.size === undefined || file.size <= maxBytes));
    for (const file of csvs.slice(0, PROMPTS_PER_MESSAGE)) {
      const rendered = renderReply(dropPrompt(file.name ?? 'upload.csv', slackFileRef(file.id!)), limits).messages[0]!;
      try {
        await client.chat.postEphemeral({
          channel: message.channel,
          user: message.user,
          text: rendered.text,
          blocks: rendered.blocks,
          ...(message.thread_ts ? { thread_ts: message.thread_ts } : {}),
        });
      } catch (error) {
        logger.warn({ code: slackErrorCode(error), channel: message.channel }, 'slack: could not ask what a shared CSV holds');
      }
    }
  });
}

/** Where a file is shared, as files.info tells the bot: channels, private channels, direct messages. */
function placesOf(file: ListedFile & Record<string, unknown>): Set<string> {
  const places = new Set<string>();
  for (const key of ['channels', 'groups', 'ims'] as const) {
    const list = file[key];
    if (Array.isArray(list)) for (const id of list) if (typeof id === 'string') places.add(id);
  }
  const shares = file.shares as { public?: Record<string, unknown>; private?: Record<string, unknown> } | undefined;
  for (const group of [shares?.public, shares?.private]) for (const id of Object.keys(group ?? {})) places.add(id);
  return places;
}

/**
 * `/import <kind> file:F…`: the Slack file as an Upload, only when it is a CSV shared in the channel the
 * command comes from (so never a file the caller could not see there); else undefined, and the import
 * says the shared file cannot be read here. Its size is the import's to bound (IMPORT_MAX_BYTES).
 */
export async function sharedFileUpload(
  client: webApi.WebClient,
  botToken: string,
  source: string,
  channelId: string,
): Promise<Upload | undefined> {
  const fileId = slackFileIdOf(source);
  if (!fileId) return undefined;
  let file: (ListedFile & Record<string, unknown>) | undefined;
  try {
    file = (await client.files.info({ file: fileId })).file as (ListedFile & Record<string, unknown>) | undefined;
  } catch (error) {
    if (/file_not_found|file_deleted|not_visible|access_denied/.test(slackErrorCode(error))) return undefined;
    throw error;
  }
  if (!file || file.id !== fileId || !isCsv(file) || !placesOf(file).has(channelId)) return undefined;
  if (!file.url_private_download && !file.url_private) return undefined;
  return { ...slackFileUpload(file, botToken), ref: source };
}
