import type { Selectable } from 'kysely';
import { describeOptions, type OptionInfo } from '../core/option-schema.ts';
import { channelLink, mention, userIdFromMention } from '../core/mention.ts';
import type { CommandRegistry } from '../core/registry.ts';
import type { AuditLogTable } from '../store/schema.ts';

export type AuditRow = Selectable<AuditLogTable>;

/** How an entry ended, as /audit filters and the CSV name it: `user_error` and `error` are both errors. */
export type OutcomeKind = 'ok' | 'refused' | 'error';

export function outcomeKind(outcome: string): OutcomeKind {
  return outcome === 'ok' ? 'ok' : outcome === 'denied' ? 'refused' : 'error';
}

/**
 * `chat`: a line for a chat view (people and channels as mentions, long values cut short);
 * `plain`: text for a file (ids as `@U1` / `#C1`, values whole).
 */
export type WordsStyle = 'chat' | 'plain';

const ROLE_REFUSAL = /needs the \*?(\w+)\*? role; you have \*?(\w+)\*?/;
const ERROR_ID = /error id ([0-9a-f]+)/;

/** A stored detail as plain words: no chat markup, mention syntax as `@U1` / `#C1` (stored text cannot make a real mention). */
export function detailText(detail: string | null | undefined): string {
  return (detail ?? '')
    .replace(/<([@#])!?([A-Za-z0-9_]+)(?:\|[^>]*)?>/g, '$1$2')
    .replace(/\*/g, '')
    .replace(/^[⚠️❌\s]+/u, '')
    .trim();
}

/** The first sentence of a stored detail, at most `max` characters. */
function firstSentence(detail: string, max = 100): string {
  const plain = detailText(detail);
  const end = plain.search(/[.!?](\s|$)/);
  return clip(end >= 0 ? plain.slice(0, end) : plain, max);
}

/** What the user typed, as `code` in a chat line: for text with spaces, underscores or markup. */
function code(text: string): string {
  return `\`${text.replace(/`/g, "'").replace(/\s+/g, ' ')}\``;
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * An entry's outcome in words: "ok", "refused: needs approver (has analyst)", "error: No segment
 * `champs`", "error on our side (error id 1a2b3c4d)".
 */
export function outcomeWords(outcome: string, detail: string | null | undefined): string {
  const text = detail ?? '';
  if (outcome === 'ok') return 'ok';
  if (outcome === 'denied') {
    const roles = ROLE_REFUSAL.exec(text);
    if (roles) return `refused: needs ${roles[1]} (has ${roles[2]})`;
    return text ? `refused: ${firstSentence(text)}` : 'refused';
  }
  if (outcome === 'error') {
    const id = ERROR_ID.exec(text)?.[1];
    return id ? `error on our side (error id ${id})` : text ? `error on our side: ${firstSentence(text)}` : 'error on our side';
  }
  return text ? `error: ${firstSentence(text)}` : 'error';
}

/** The options of the action an entry names (`campaign approve`), or undefined when no action has that name any more. */
export function actionOptions(registry: CommandRegistry, command: string): OptionInfo[] | undefined {
  const [name, sub] = command.split(' ');
  try {
    return describeOptions(registry.action(registry.get(name ?? ''), sub).action.options);
  } catch {
    return undefined;
  }
}

/** An option's name as a label: `as_of` reads "as of". */
function label(name: string): string {
  return name.replace(/_/g, ' ');
}

function valueWords(value: unknown, info: OptionInfo | undefined, style: WordsStyle): string {
  if (value === '[redacted]') return '(redacted)';
  if (value === '[erased]') return '(erased)';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') {
    if (info?.kind === 'user') {
      const id = userIdFromMention(value);
      return style === 'chat' ? mention(id) : `@${id}`;
    }
    if (style === 'chat') return /^[A-Za-z0-9.:/@-]+$/.test(value) ? clip(value, 60) : code(clip(value, 60));
    return value === '' || /[\s,“”]/.test(value) ? `“${value}”` : value;
  }
  if (Array.isArray(value)) return value.map((item) => valueWords(item, undefined, style)).join(' ');
  return value === null || value === undefined ? '—' : JSON.stringify(value);
}

function parseOptions(stored: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(stored);
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : { value: parsed };
  } catch {
    return { value: stored };
  }
}

/** The line as typed, for an entry whose line never parsed (its options are stored as `{ text }`). */
function typedLine(options: Record<string, unknown>, infos: OptionInfo[] | undefined): string | undefined {
  const keys = Object.keys(options);
  const only = keys.length === 1 && keys[0] === 'text' && !infos?.some((i) => i.name === 'text');
  if (!only || typeof options.text !== 'string') return undefined;
  const text = options.text.trim();
  return text.startsWith('/') ? text : `/${text}`;
}

/**
 * Stored options in words, in the action's order: "campaign 3, reason “holdout too small”". Option
 * names become labels, secrets stay "(redacted)", defaults are left out, and a line that never
 * parsed (stored as its text) reads as typed.
 */
export function optionsWords(stored: string, infos: OptionInfo[] | undefined, style: WordsStyle): string {
  const options = parseOptions(stored);
  const typed = typedLine(options, infos);
  if (typed !== undefined) return `as typed: ${style === 'chat' ? code(clip(typed, 80)) : typed}`;
  const keys = Object.keys(options);
  const order = (key: string) => {
    const index = infos?.findIndex((i) => i.name === key) ?? -1;
    return index >= 0 ? index : Number.MAX_SAFE_INTEGER;
  };
  const words = keys
    .sort((a, b) => order(a) - order(b))
    .flatMap((key) => {
      const info = infos?.find((i) => i.name === key);
      const value = options[key];
      if (value === undefined || (info?.defaultValue !== undefined && value === info.defaultValue)) return [];
      return [`${label(key)} ${valueWords(value, info, style)}`];
    })
    .join(', ');
  return style === 'chat' ? clip(words, 240) : words;
}

const PLATFORMS: Record<string, string> = { slack: 'Slack', discord: 'Discord', console: 'console' };

/** Who ran it: the name the platform gave with the command when there is one, and the user (a mention in chat). */
export function whoWords(row: AuditRow, style: WordsStyle): string {
  if (row.platform === 'scheduler' || row.platform === 'webhook') return `${row.platform} (${row.user_id})`;
  const person = style === 'chat' ? mention(row.user_id) : row.user_id;
  return row.user_name && row.user_name !== row.user_id ? `${row.user_name} (${person})` : person;
}

/** Where: "Slack #growth", "console". */
function whereWords(row: AuditRow): string {
  const platform = PLATFORMS[row.platform] ?? row.platform;
  const chat = row.platform === 'slack' || row.platform === 'discord';
  return chat && row.channel_id ? `${platform} ${channelLink(row.channel_id)}` : platform;
}

/** The action with its options in words: "/campaign approve campaign 3". */
export function commandWords(row: AuditRow, registry: CommandRegistry, style: WordsStyle): string {
  const infos = actionOptions(registry, row.command);
  const typed = typedLine(parseOptions(row.options), infos);
  if (typed !== undefined) return `${style === 'chat' ? code(clip(typed, 100)) : typed} (as typed)`;
  const options = optionsWords(row.options, infos, style);
  return options ? `/${row.command} ${options}` : `/${row.command}`;
}

/** One entry as a chat line: "2026-11-30 14:02 · jane (@jane), Slack #growth · /campaign approve campaign 3 · refused: needs approver (has analyst)". */
export function entryLine(row: AuditRow, registry: CommandRegistry): string {
  const when = row.at.slice(0, 16).replace('T', ' ');
  return `${when} · ${whoWords(row, 'chat')}, ${whereWords(row)} · ${commandWords(row, registry, 'chat')} · ${outcomeWords(row.outcome, row.detail)}`;
}
