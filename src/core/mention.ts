import { randomFillSync } from 'node:crypto';
import { isMainThread } from 'node:worker_threads';
import { sharedInt32 } from '../jobs/shared-int32.ts';

/** A user as typed in chat: Slack `<@U123|jane>`, Discord `<@123>` / `<@!123>`, or a bare id. */
export function userIdFromMention(value: string): string {
  const mention = /^<@!?([A-Za-z0-9_]+)(?:\|[^>]*)?>$/.exec(value.trim());
  return mention ? mention[1]! : value.trim().replace(/^@/, '');
}

/*
 * Text in a view is plain text: renderers escape all of it for their platform, so a campaign named
 * `<!channel>` shows as those characters and pings no one. A mention the bot itself means (the
 * caller, an approver) is written with mention()/channelLink(): a token that carries a random key
 * of this process (shared with its worker threads), which renderers turn into a real mention
 * after escaping everything else. Data cannot forge one: it does not know the key.
 */
const { buffer: keyBuffer, slots: keySlots } = sharedInt32('mentionKey', 2);
if (isMainThread && keySlots.every((slot) => slot === 0)) randomFillSync(keySlots);
const KEY = [...keySlots].map((slot) => (slot >>> 0).toString(16).padStart(8, '0')).join('');

/** Handed to worker threads (workerData.shared.mentionKey), so views built there mention too. */
export function mentionKeyBuffer(): SharedArrayBuffer {
  return keyBuffer;
}

const OPEN = '\uE000';
const CLOSE = '\uE001';
/** A token: kind `@` (user) or `#` (channel), the key, the id. */
const TOKEN = /\uE000([@#])([0-9a-f]{16})([A-Za-z0-9_.-]{1,64})\uE001/g;

export type MentionKind = 'user' | 'channel';

export interface MentionPart {
  kind: MentionKind;
  id: string;
}

function token(kind: '@' | '#', id: string | null | undefined): string {
  if (!id) return kind === '@' ? 'someone' : 'a channel';
  return /^[A-Za-z0-9_.-]{1,64}$/.test(id) ? `${OPEN}${kind}${KEY}${id}${CLOSE}` : `${kind}${id}`;
}

/** A real mention of a user the bot means to notify (the caller, an approver); ids only, never names from data. */
export function mention(userId: string | null | undefined): string {
  return token('@', userId);
}

/** A link to a chat channel (Slack `<#C1>`, Discord `<#1>`). */
export function channelLink(channelId: string | null | undefined): string {
  return token('#', channelId);
}

/**
 * Splits text into plain pieces (strings, to be escaped) and the mentions the bot wrote. A token
 * with another key (from an earlier process, or forged) and any stray token characters come back
 * as plain text.
 */
export function splitMentions(text: string): (string | MentionPart)[] {
  const parts: (string | MentionPart)[] = [];
  let last = 0;
  for (const match of text.matchAll(TOKEN)) {
    const [whole, kind, key, id] = match;
    const before = text.slice(last, match.index);
    last = match.index + whole.length;
    if (key === KEY) {
      if (before) parts.push(before);
      parts.push({ kind: kind === '@' ? 'user' : 'channel', id: id! });
    } else {
      parts.push(`${before}${kind}${id}`);
    }
  }
  if (last < text.length) parts.push(text.slice(last));
  return parts.map((part) => (typeof part === 'string' ? part.replace(/[\uE000\uE001]/g, '') : part));
}

/**
 * Renders text for a platform: `plain` escapes each piece of text, `real` writes each mention.
 * Every renderer goes through here, so nothing but a token becomes a mention.
 */
export function renderMentions(text: string, plain: (text: string) => string, real: (part: MentionPart) => string): string {
  return splitMentions(text)
    .map((part) => (typeof part === 'string' ? plain(part) : real(part)))
    .join('');
}

/** Text with mentions as `<@id>` / `<#id>`, nothing escaped: for the console, `--json` and the audit trail. */
export function mentionsAsText(text: string): string {
  return renderMentions(
    text,
    (plain) => plain,
    (part) => (part.kind === 'user' ? `<@${part.id}>` : `<#${part.id}>`),
  );
}

/** The user ids a text mentions for real. */
export function mentionedUsers(text: string): string[] {
  return splitMentions(text).flatMap((part) => (typeof part !== 'string' && part.kind === 'user' ? [part.id] : []));
}
