import type { webApi } from '@slack/bolt';
import type { Logger } from '../../src/logger.ts';
import type { Reply } from '../../src/core/reply.ts';
import type { ChannelQueue } from './channel-queue.ts';
import type { SlackLimits } from './limits.ts';
import { renderReply, type SlackFile, type SlackMessage } from './render.ts';

/** The Slack error code of a failed Web API call (`not_in_channel`), or the error's message. */
export function slackErrorCode(error: unknown): string {
  const data = (error as { data?: { error?: string } } | undefined)?.data;
  if (data?.error) return data.error;
  return error instanceof Error ? error.message : String(error);
}

/** Channel posts, updates and uploads, each paced through the per-channel queue. */
export class SlackPoster {
  constructor(
    readonly client: webApi.WebClient,
    private readonly queue: ChannelQueue,
    private readonly limits: SlackLimits,
    private readonly logger: Logger,
  ) {}

  async postMessage(channel: string, message: SlackMessage, threadTs?: string): Promise<string> {
    const result = await this.queue.run(channel, () =>
      this.client.chat.postMessage({ channel, text: message.text, blocks: message.blocks, ...(threadTs ? { thread_ts: threadTs } : {}) }),
    );
    return result.ts!;
  }

  async update(channel: string, ts: string, message: SlackMessage): Promise<void> {
    await this.queue.run(channel, () => this.client.chat.update({ channel, ts, text: message.text, blocks: message.blocks }));
  }

  async postEphemeral(channel: string, user: string, message: SlackMessage): Promise<void> {
    await this.client.chat.postEphemeral({ channel, user, text: message.text, blocks: message.blocks });
  }

  /** The bot's direct-message channel with a user: where files meant for them alone go. */
  async directChannel(user: string): Promise<string> {
    const opened = await this.client.conversations.open({ users: user });
    const id = opened.channel?.id;
    if (!id) throw new Error('conversations.open returned no channel');
    return id;
  }

  /** Uploads with files.uploadV2 (never the retired files.upload), one after another. */
  async uploadFiles(channel: string, files: SlackFile[], threadTs?: string): Promise<void> {
    for (const file of files) {
      const source = file.path !== undefined ? { file: file.path } : { content: file.content ?? '' };
      await this.queue.run(channel, () =>
        this.client.files.uploadV2({
          channel_id: channel,
          ...(threadTs ? { thread_ts: threadTs } : {}),
          filename: file.filename,
          title: file.title ?? file.filename,
          ...(file.altText ? { alt_text: file.altText } : {}),
          ...source,
        } as webApi.FilesUploadV2Arguments),
      );
    }
  }

  /** Posts a whole reply to a channel (approvals, digests), or in a message's thread; returns the messages' ts. Throws when any part fails, so the caller can retry or report. */
  async postReply(channel: string, reply: Reply, threadTs?: string): Promise<string[]> {
    const rendered = renderReply(reply, this.limits);
    const posted: string[] = [];
    for (const message of rendered.messages) posted.push(await this.postMessage(channel, message, threadTs));
    if (rendered.files.length) await this.uploadFiles(channel, rendered.files, threadTs);
    this.logger.debug({ channel, messages: rendered.messages.length, files: rendered.files.length, ts: posted[0] }, 'slack: reply posted');
    return posted;
  }

  /**
   * Replaces posted messages in place (chat.update): the reply's messages go into the old ones in order,
   * old ones left over are cleared, extra new ones are posted after them.
   */
  async updateReply(channel: string, timestamps: string[], reply: Reply): Promise<void> {
    const rendered = renderReply(reply, this.limits);
    for (const [i, ts] of timestamps.entries()) {
      await this.update(channel, ts, rendered.messages[i] ?? { text: '(replaced by the message above)', blocks: [] });
    }
    for (const message of rendered.messages.slice(timestamps.length)) await this.postMessage(channel, message);
    if (rendered.files.length) await this.uploadFiles(channel, rendered.files);
    this.logger.debug({ channel, messages: rendered.messages.length, ts: timestamps[0] }, 'slack: reply updated');
  }
}
