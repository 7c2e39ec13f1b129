import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Config } from '../config/config.ts';
import type { SourceDefinition } from '../sources/definition.ts';
import type { Database } from '../store/schema.ts';
import type { CommandRegistry } from './registry.ts';
import type { Role } from './roles.ts';

export type Platform = 'console' | 'slack' | 'discord' | 'scheduler' | 'webhook';

/** Who is asking, and where. */
export interface Caller {
  platform: Platform;
  userId: string;
  userName?: string;
  channelId?: string;
  /** Platform groups or roles the user holds (Slack user group ids, Discord role ids). */
  platformRoles?: string[];
  /** Where the request came from: the Slack workspace (team) id, or the Discord server (guild) id. */
  workspaceId?: string;
  /** The Slack Enterprise Grid organization id, when the workspace is in one. */
  enterpriseId?: string;
  /** A direct message with the bot (on Discord: outside any server). */
  directMessage?: boolean;
}

/** A file the user shared on the platform, readable by the command (a CSV to import). */
export interface Upload {
  name: string;
  size?: number;
  open(): Promise<NodeJS.ReadableStream>;
  /** Where a worker thread can fetch the same bytes itself (platform file URL and its auth header). */
  url?: string;
  headers?: Record<string, string>;
  /**
   * How a typed command names this file in a source option besides its name: a file shared earlier,
   * `file:F0123ABCD` (a Slack file id) or `attachment:<message id>/<attachment id>` (Discord); see drop-prompt.ts.
   */
  ref?: string;
}

export interface ProgressUpdate {
  /** 0..1, or null when the total is unknown. */
  fraction: number | null;
  message: string;
}

/** A message the bot posted in a channel: the platform's ids of its parts (Slack ts, Discord message id), in order. */
export interface PostedMessage {
  platform: Platform;
  channelId: string;
  messageIds: string[];
}

/**
 * Posts a reply to a channel outside of a command's own answer (approvals, digests, launch reports).
 * Returns what was posted when the adapter can update it later. `direct`: `channelId` is a user id and
 * the reply goes to that user's direct messages (a digest's creator told its channel refused it). `thread`: the
 * id of a message in that channel the reply answers (Slack: posted in its thread; Discord: a reply to it).
 */
export type Notifier = (
  target: { platform: Platform; channelId: string; direct?: boolean; thread?: string },
  reply: import('./reply.ts').Reply,
) => Promise<PostedMessage | void>;

/** Replaces a posted message in place (an approval card once decided): the new reply's buttons only, so none when it has none. */
export type MessageUpdater = (posted: PostedMessage, reply: import('./reply.ts').Reply) => Promise<void>;

export interface CommandContext {
  /** The command being run, e.g. `import orders`. */
  command: string;
  caller: Caller;
  role: Role;
  db: Kysely<Database>;
  config: Config;
  logger: Logger;
  /** Directory for charts and files this command writes. */
  outDir: string;
  uploads: Upload[];
  now(): Date;
  progress(update: ProgressUpdate): void;
  /** Aborted when the caller cancels the command; pass it to runInWorker. */
  signal?: AbortSignal;
  notify: Notifier;
  updatePosted: MessageUpdater;
  commands: CommandRegistry;
  /** Named sources from SOURCES_FILE (the Bot's). */
  sources: readonly SourceDefinition[];
}
