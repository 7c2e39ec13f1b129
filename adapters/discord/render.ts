import { ButtonStyle, ComponentType } from 'discord.js';
import type { APIActionRowComponent, APIButtonComponentWithCustomId, APIEmbed } from 'discord.js';
import { tableCsv } from '../../src/core/csv.ts';
import { renderMentions } from '../../src/core/mention.ts';
import { formatTableText, type Button, type Reply, type Table } from '../../src/core/reply.ts';
import { DISCORD_LIMITS } from './limits.ts';

/** A file for discord.js: a path on disk or bytes made while rendering (CSV of a long table). */
export interface MessageFile {
  attachment: string | Buffer;
  name: string;
  description?: string;
}

/** One Discord message, in the shape discord.js's reply/editReply/followUp/send take. */
export interface DiscordMessage {
  content: string;
  embeds: APIEmbed[];
  files: MessageFile[];
  components: APIActionRowComponent<APIButtonComponentWithCustomId>[];
}

export interface RenderOptions {
  /** The custom_id a button gets for its typed command (see ButtonIds), and its steps (ask-steps.ts). */
  buttonId: (command: string, button?: Button) => string;
  /** Table pages shown inline before the rest goes to a CSV attachment only. */
  maxTablePages?: number;
}

const COLOR_OK = 0x3b82f6;
const COLOR_ERROR = 0xef4444;
const CODE_FENCE = 8; // "```\n" + "\n```"

/** `*bold*` as the core writes it: opened after a space or line start, closed before a space or punctuation. */
export const CORE_BOLD = /(^|[\s(\[])\*(\S(?:[^*\n]*?\S)?)\*(?=$|[\s.,;:!?)\]])/gm;

const ZWSP = '\u200b';

/**
 * Text from anyone made inert: `@everyone`/`@here`, `<@1>`, `<#1>`, `<@&1>`, `</cmd:1>`, `<t:1>`
 * and masked links `[label](url)` get a zero-width space that breaks their syntax (invisible,
 * also inside code). allowedMentions {parse: []} on every message is the second guard.
 */
export function neutralize(text: string): string {
  return text
    .replace(/@(everyone|here)/gi, `@${ZWSP}$1`)
    .replace(/<(?=\S)/g, `<${ZWSP}`)
    .replace(/\]\(/g, `]${ZWSP}(`);
}

/** View text for Discord: neutralized, with the mentions the bot wrote (mention(), channelLink()) made real. */
export function discordText(text: string): string {
  return renderMentions(text, neutralize, (part) => (part.kind === 'user' ? `<@${part.id}>` : `<#${part.id}>`));
}

/** Mentions as `@1` / `#1`, the rest neutralized: for titles, footers, labels and code blocks, where Discord renders none. */
function plainText(text: string): string {
  return renderMentions(text, neutralize, (part) => `${part.kind === 'user' ? '@' : '#'}${part.id}`);
}

/** The core's light markdown in Discord's: *bold* becomes **bold**; `code` is the same. Also made safe (discordText). */
export function discordMarkdown(text: string): string {
  return discordText(text.replace(CORE_BOLD, '$1**$2**'));
}

/** The users a rendered content really mentions: the only ones allowedMentions lets Discord notify. */
export function mentionedIn(content: string): string[] {
  return [...new Set([...content.matchAll(/<@!?(\d+)>/g)].map((m) => m[1]!))].slice(0, 100);
}

function truncate(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit - 1)}…`;
}

/** Splits text into chunks of at most `limit` characters, at line breaks where possible. */
export function splitText(text: string, limit: number): string[] {
  const chunks: string[] = [];
  let current = '';
  for (const line of text.split('\n')) {
    const pieces = line.length <= limit ? [line] : (line.match(new RegExp(`[\\s\\S]{1,${limit}}`, 'g')) ?? ['']);
    for (const piece of pieces) {
      const candidate = current === '' ? piece : `${current}\n${piece}`;
      if (candidate.length <= limit) {
        current = candidate;
      } else {
        if (current !== '') chunks.push(current);
        current = piece;
      }
    }
  }
  if (current !== '' || chunks.length === 0) chunks.push(current);
  return chunks;
}

function embedSize(embed: APIEmbed): number {
  return (
    (embed.title?.length ?? 0) +
    (embed.description?.length ?? 0) +
    (embed.footer?.text.length ?? 0) +
    (embed.author?.name.length ?? 0) +
    (embed.fields ?? []).reduce((sum, f) => sum + f.name.length + f.value.length, 0)
  );
}

export { tableCsv };

function slug(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 40) || 'table'
  );
}

type Block =
  { kind: 'content'; text: string } | { kind: 'embed'; embed: APIEmbed; file?: MessageFile } | { kind: 'file'; file: MessageFile };

/** A table with its cells as plain, inert text: a code block renders no mention anyway. */
function plainTable(table: Table): Table {
  return {
    ...table,
    columns: table.columns.map(plainText),
    rows: table.rows.map((row) => row.map((cell) => (typeof cell === 'string' ? plainText(cell) : cell))),
  };
}

/** A table as code-block pages that fit in a message's content; past `maxPages`, the CSV is attached. */
function tableBlocks(table: Table, index: number, maxPages: number): Block[] {
  const heading = table.title ? `**${truncate(discordMarkdown(table.title), 200)}**\n` : '';
  const lines = formatTableText(plainTable(table)).split('\n');
  const header = lines.slice(0, 2).map((l) => truncate(l, DISCORD_LIMITS.content - CODE_FENCE - 300));
  const body = lines.slice(2).map((l) => truncate(l, DISCORD_LIMITS.content - CODE_FENCE - 300));
  const budget = DISCORD_LIMITS.content - CODE_FENCE - heading.length - 120;
  const pages: string[][] = [];
  let page: string[] = [];
  let size = header.join('\n').length;
  for (const line of body) {
    if (page.length > 0 && size + line.length + 1 > budget) {
      pages.push(page);
      page = [];
      size = header.join('\n').length;
    }
    page.push(line);
    size += line.length + 1;
  }
  if (page.length > 0 || pages.length === 0) pages.push(page);

  const shown = pages.slice(0, maxPages);
  const truncated = pages.length > maxPages;
  const csvName = `${slug(table.title ?? `table-${index + 1}`)}.csv`;
  const blocks: Block[] = [];
  let row = 0;
  shown.forEach((lines, i) => {
    const from = row + 1;
    row += lines.length;
    const pageNote =
      pages.length > 1
        ? `\n-# rows ${from}–${row} of ${table.rows.length}${truncated && i === shown.length - 1 ? `; all rows in ${csvName}` : ''}`
        : '';
    blocks.push({ kind: 'content', text: `${i === 0 ? heading : ''}\`\`\`\n${[...header, ...lines].join('\n')}\n\`\`\`${pageNote}` });
  });
  if (truncated)
    blocks.push({
      kind: 'file',
      file: {
        attachment: Buffer.from(tableCsv(plainTable(table))),
        name: csvName,
        ...(table.title ? { description: plainText(table.title) } : {}),
      },
    });
  return blocks;
}

/** The reply's main embeds: title, text, fields and notes, split across embeds when long. */
function mainEmbeds(reply: Reply): APIEmbed[] {
  const { view } = reply;
  const color = reply.ok ? COLOR_OK : COLOR_ERROR;
  const descriptions = view.text ? splitText(discordMarkdown(view.text), DISCORD_LIMITS.embedDescription) : [];
  const fields = (view.fields ?? []).map((f) => ({
    name: truncate(discordMarkdown(f.label), DISCORD_LIMITS.embedFieldName) || '\u200b',
    value: truncate(discordMarkdown(f.value), DISCORD_LIMITS.embedFieldValue) || '\u200b',
    inline: f.value.length <= 40,
  }));
  const embeds: APIEmbed[] = [];
  const first: APIEmbed = { color };
  if (view.title) first.title = truncate(plainText(view.title.replace(CORE_BOLD, '$1$2')), DISCORD_LIMITS.embedTitle);
  embeds.push(first);
  descriptions.forEach((text, i) => {
    if (i === 0) first.description = text;
    else embeds.push({ color, description: text });
  });
  let current = embeds[embeds.length - 1]!;
  for (const field of fields) {
    const size = field.name.length + field.value.length;
    if ((current.fields?.length ?? 0) >= DISCORD_LIMITS.embedFields || embedSize(current) + size > DISCORD_LIMITS.embedTotal) {
      current = { color };
      embeds.push(current);
    }
    (current.fields ??= []).push(field);
  }
  if (view.notes?.length) {
    const footer = {
      text: truncate(
        view.notes.map((n) => plainText(n.replace(CORE_BOLD, '$1$2').replace(/`/g, ''))).join('\n'),
        DISCORD_LIMITS.embedFooter,
      ),
    };
    if (embedSize(current) + footer.text.length > DISCORD_LIMITS.embedTotal) {
      current = { color };
      embeds.push(current);
    }
    current.footer = footer;
  }
  return embeds;
}

function buttonRows(reply: Reply, buttonId: RenderOptions['buttonId']): APIActionRowComponent<APIButtonComponentWithCustomId>[][] {
  const buttons: APIButtonComponentWithCustomId[] = (reply.view.buttons ?? []).map((b) => ({
    type: ComponentType.Button,
    style: b.style === 'danger' ? ButtonStyle.Danger : b.style === 'primary' ? ButtonStyle.Primary : ButtonStyle.Secondary,
    label: truncate(plainText(b.label), DISCORD_LIMITS.buttonLabel),
    custom_id: buttonId(b.command, b),
  }));
  const rows: APIActionRowComponent<APIButtonComponentWithCustomId>[] = [];
  for (let i = 0; i < buttons.length; i += DISCORD_LIMITS.buttonsPerRow) {
    rows.push({ type: ComponentType.ActionRow, components: buttons.slice(i, i + DISCORD_LIMITS.buttonsPerRow) });
  }
  const groups: APIActionRowComponent<APIButtonComponentWithCustomId>[][] = [];
  for (let i = 0; i < rows.length; i += DISCORD_LIMITS.actionRows) groups.push(rows.slice(i, i + DISCORD_LIMITS.actionRows));
  return groups;
}

/**
 * A reply as Discord messages, each within Discord's limits: a simple text reply as content,
 * otherwise embeds; tables as code blocks; charts as embed images; files attached; buttons last.
 * Nothing is dropped: what does not fit one message goes to the next, long tables to a CSV.
 */
export function renderReply(reply: Reply, options: RenderOptions): DiscordMessage[] {
  const { view } = reply;
  const blocks: Block[] = [];
  const plain = !view.title && !view.fields?.length && !view.charts?.length && !view.notes?.length;
  if (plain) {
    if (view.text) for (const text of splitText(discordMarkdown(view.text), DISCORD_LIMITS.content)) blocks.push({ kind: 'content', text });
  } else {
    for (const embed of mainEmbeds(reply)) blocks.push({ kind: 'embed', embed });
  }
  (view.tables ?? []).forEach((table, i) => blocks.push(...tableBlocks(table, i, options.maxTablePages ?? 3)));
  for (const chart of view.charts ?? []) {
    const file: MessageFile = {
      attachment: chart.path,
      name: chart.name,
      ...(chart.alt ? { description: truncate(plainText(chart.alt), 1024) } : {}),
    };
    const embed: APIEmbed = { color: COLOR_OK, image: { url: `attachment://${chart.name}` } };
    if (chart.title) embed.title = truncate(plainText(chart.title), DISCORD_LIMITS.embedTitle);
    blocks.push({ kind: 'embed', embed, file });
  }
  for (const file of view.files ?? [])
    blocks.push({
      kind: 'file',
      file: { attachment: file.path, name: file.name, ...(file.title ? { description: truncate(plainText(file.title), 1024) } : {}) },
    });

  const messages: DiscordMessage[] = [];
  const fresh = (): DiscordMessage => {
    const message: DiscordMessage = { content: '', embeds: [], files: [], components: [] };
    messages.push(message);
    return message;
  };
  let current = fresh();
  const embedTotal = (m: DiscordMessage) => m.embeds.reduce((sum, e) => sum + embedSize(e), 0);
  for (const block of blocks) {
    if (block.kind === 'content') {
      // content shows above embeds: text after an embed starts a new message to keep the order
      const joined = current.content === '' ? block.text : `${current.content}\n${block.text}`;
      if (current.embeds.length > 0 || current.files.length > 0 || joined.length > DISCORD_LIMITS.content) current = fresh();
      current.content = current.content === '' ? block.text : `${current.content}\n${block.text}`;
    } else if (block.kind === 'embed') {
      const fits =
        current.embeds.length < DISCORD_LIMITS.embedsPerMessage &&
        embedTotal(current) + embedSize(block.embed) <= DISCORD_LIMITS.embedTotal &&
        (!block.file || current.files.length < DISCORD_LIMITS.filesPerMessage);
      if (!fits) current = fresh();
      current.embeds.push(block.embed);
      if (block.file) current.files.push(block.file);
    } else {
      if (current.files.length >= DISCORD_LIMITS.filesPerMessage) current = fresh();
      current.files.push(block.file);
    }
  }
  const groups = buttonRows(reply, options.buttonId);
  groups.forEach((rows, i) => {
    if (i > 0) current = fresh();
    current.components = rows;
  });
  if (current.content === '' && current.embeds.length === 0 && current.files.length === 0) {
    current.content = current.components.length ? '\u200b' : reply.ok ? 'Done.' : 'Something went wrong.';
  }
  return messages;
}
