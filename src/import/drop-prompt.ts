import { UserError } from '../core/errors.ts';
import { reply, type Reply } from '../core/reply.ts';
import type { ImportKind } from './fields.ts';

/** What a CSV dropped in a chat may hold: the kinds the prompt offers (rates stay a typed command). */
export const DROP_KINDS = ['customers', 'orders', 'spend', 'events'] as const satisfies readonly ImportKind[];

/**
 * A file shared earlier, named in an import's source option: `file:F0123ABCD` (a Slack file id) or
 * `attachment:<message id>/<attachment id>` (a Discord message's attachment). The adapter the command
 * comes from resolves it, and only to a file shared in the channel the command runs in.
 */
const SHARED_FILE_REF = /^(file:F[A-Z0-9]{4,30}|attachment:\d{5,25}\/\d{5,25})$/;

export function isSharedFileRef(source: string): boolean {
  return SHARED_FILE_REF.test(source);
}

export function slackFileRef(fileId: string): string {
  return `file:${fileId}`;
}

/** The Slack file id of a `file:F…` reference. */
export function slackFileIdOf(source: string): string | undefined {
  return /^file:(F[A-Z0-9]{4,30})$/.exec(source)?.[1];
}

export function discordAttachmentRef(messageId: string, attachmentId: string): string {
  return `attachment:${messageId}/${attachmentId}`;
}

/** The message and attachment ids of an `attachment:…` reference. */
export function discordAttachmentOf(source: string): { messageId: string; attachmentId: string } | undefined {
  const match = /^attachment:(\d{5,25})\/(\d{5,25})$/.exec(source);
  return match ? { messageId: match[1]!, attachmentId: match[2]! } : undefined;
}

/** The shared-file reference a typed line names (its first token that is one), if any. */
export function sharedFileRefIn(text: string): string | undefined {
  for (const token of text.trim().split(/\s+/)) {
    const value = token.replace(/^source=/, '').replace(/^"(.*)"$/, '$1');
    if (isSharedFileRef(value)) return value;
  }
  return undefined;
}

export function sharedFileUnavailable(source: string): UserError {
  return new UserError('shared_file_unavailable', `The shared file \`${source}\` cannot be read here.`, {
    hint: 'A shared file is imported only in the channel or direct message it was shared in, while it is still there: share the CSV again here and pick what it holds, or attach it to /import.',
  });
}

/** A file name as shown inside `code`: no backticks or line breaks, at most 80 characters. */
function shownName(name: string): string {
  const clean = name.replace(/[`\r\n]/g, "'").trim() || 'the file';
  return clean.length <= 80 ? clean : `${clean.slice(0, 79)}…`;
}

/**
 * The question asked when a CSV is shared where the bot is, with no command: one button per kind,
 * each the typed `/import <kind> <ref>` it stands for, run with the role of whoever clicks.
 */
export function dropPrompt(fileName: string, ref: string): Reply {
  return reply(
    { file: fileName, ref, commands: DROP_KINDS.map((kind) => `/import ${kind} ${ref}`) },
    {
      text: `Import \`${shownName(fileName)}\` as customers, orders, spend or events?`,
      buttons: DROP_KINDS.map((kind) => ({ label: kind[0]!.toUpperCase() + kind.slice(1), command: `/import ${kind} ${ref}` })),
      notes: [`Or type it: /import orders ${ref} (add date_format=, map= or strict=true as needed). Importing needs the analyst role.`],
      ephemeral: true,
    },
  );
}
