import type { types } from '@slack/bolt';
import { formatTableText, type Button, type Confirmation, type Reply, type Table, type View } from '../../src/core/reply.ts';
import { SLACK_LIMITS, type SlackLimits } from './limits.ts';
import { tableCsv } from '../../src/core/csv.ts';
import { renderMentions } from '../../src/core/mention.ts';

type KnownBlock = types.KnownBlock;

/** One chat message: blocks plus the plain fallback Slack shows in notifications. */
export interface SlackMessage {
  text: string;
  blocks: KnownBlock[];
}

/** A file to upload with files.uploadV2: from disk (`path`) or generated (`content`). */
export interface SlackFile {
  filename: string;
  title?: string;
  altText?: string;
  path?: string;
  content?: string;
}

export interface RenderedReply {
  ephemeral: boolean;
  messages: SlackMessage[];
  files: SlackFile[];
}

/** Slack's control characters escaped: `<!channel>`, `<@U1>` or `<https://x|y>` written by anyone show as text. */
function escapeAll(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * View text as Slack mrkdwn: everything escaped, then the mentions the bot wrote (mention(),
 * channelLink()) made real. The one way text from a view reaches a mrkdwn field.
 */
export function escapeMrkdwn(text: string): string {
  return renderMentions(text, escapeAll, (part) => (part.kind === 'user' ? `<@${part.id}>` : `<#${part.id}>`));
}

/** Mentions as `@U1` / `#C1`: for plain_text fields, code blocks and attached text files, where Slack renders none. */
function mentionsAsPlain(text: string): string {
  return renderMentions(
    text,
    (plain) => plain,
    (part) => `${part.kind === 'user' ? '@' : '#'}${part.id}`,
  );
}

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Splits text into pieces of at most `max` characters, at line breaks when possible, then at spaces. */
export function splitText(text: string, max: number): string[] {
  const pieces: string[] = [];
  let rest = text;
  while (rest.length > max) {
    let cut = rest.lastIndexOf('\n', max);
    if (cut < max / 2) cut = rest.lastIndexOf(' ', max);
    if (cut < max / 2) cut = max;
    pieces.push(rest.slice(0, cut));
    rest = rest.slice(cut).replace(/^[\n ]/, '');
  }
  if (rest.length) pieces.push(rest);
  return pieces;
}

export function plainText(text: string): string {
  return mentionsAsPlain(text)
    .replace(/\*([^*\n]+)\*/g, '$1')
    .replace(/`([^`\n]+)`/g, '$1');
}

/** A button whose command asks for options in a form first: `growthbot:1:ask=reason` (see ask-modal.ts). */
export const FORM_ACTION = /^growthbot:\d+:ask=([\w,]+)$/;
const formActionId = (i: number, asks: string[]) => `growthbot:${i}:ask=${asks.join(',')}`;

/** Block Kit's confirm object: Slack asks before it sends the click. */
function confirmDialog(confirm: Confirmation, style: Button['style'], limits: SlackLimits) {
  const plain = (text: string, max: number) => ({ type: 'plain_text' as const, text: truncate(plainText(text), max), emoji: true });
  return {
    title: plain(confirm.title, limits.confirmTitle),
    text: plain(confirm.text, limits.confirmText),
    confirm: plain(confirm.confirm, limits.confirmButton),
    deny: plain(confirm.deny, limits.confirmButton),
    ...(style ? { style } : {}),
  };
}

const section = (text: string): KnownBlock => ({ type: 'section', text: { type: 'mrkdwn', text } });

/** A table with its cells' mentions as plain text: a code block renders none. */
function plainTable(table: Table): Table {
  return { ...table, rows: table.rows.map((row) => row.map((cell) => (typeof cell === 'string' ? mentionsAsPlain(cell) : cell))) };
}

/** Pages of a table as monospace code blocks, the header repeated on each page. */
export function tablePages(table: Table, limits: SlackLimits): { pages: string[]; rowsShown: number[] } {
  const lines = formatTableText(plainTable(table)).split('\n').map(escapeAll);
  const head = lines.slice(0, 2);
  const budget = limits.sectionText - 8;
  const clip = (line: string) => truncate(line, budget - head.join('\n').length - 2);
  const pages: string[] = [];
  const rowsShown: number[] = [];
  let page = head.map(clip);
  let rows = 0;
  for (const line of lines.slice(2).map(clip)) {
    if ([...page, line].join('\n').length > budget && rows > 0) {
      pages.push(page.join('\n'));
      rowsShown.push(rows);
      page = head.map(clip);
      rows = 0;
    }
    page.push(line);
    rows++;
  }
  pages.push(page.join('\n'));
  rowsShown.push(rows);
  return { pages: pages.map((p) => `\`\`\`\n${p}\n\`\`\``), rowsShown };
}

/** Formulas neutralized (CSV injection): shared with every CSV the bot writes. */
export { tableCsv };

function fileStem(text: string | undefined, fallback: string): string {
  const stem = (text ?? '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 60);
  return stem || fallback;
}

/** The whole view as plain text, attached when a reply is too long to show. */
export function viewAsText(view: View): string {
  const parts: string[] = [];
  if (view.title) parts.push(plainText(view.title));
  if (view.text) parts.push(plainText(view.text));
  if (view.fields?.length) parts.push(view.fields.map((f) => `${plainText(f.label)}: ${plainText(f.value)}`).join('\n'));
  for (const table of view.tables ?? [])
    parts.push([table.title && plainText(table.title), formatTableText(plainTable(table))].filter(Boolean).join('\n'));
  if (view.buttons?.length) parts.push(view.buttons.map((b) => `[${plainText(b.label)}] ${b.command}`).join('\n'));
  if (view.notes?.length) parts.push(view.notes.map(plainText).join('\n'));
  return `${parts.join('\n\n')}\n`;
}

function blockSize(block: KnownBlock): number {
  return JSON.stringify(block).length;
}

/** Packs blocks into messages that stay within the block count and size limits. */
function pack(blocks: KnownBlock[], limits: SlackLimits): KnownBlock[][] {
  const messages: KnownBlock[][] = [];
  let current: KnownBlock[] = [];
  let size = 0;
  for (const block of blocks) {
    const add = blockSize(block);
    if (current.length && (current.length + 1 > limits.blocksPerMessage || size + add > limits.messageChars)) {
      messages.push(current);
      current = [];
      size = 0;
    }
    current.push(block);
    size += add;
  }
  if (current.length) messages.push(current);
  return messages;
}

/**
 * Renders a platform-neutral reply as Block Kit messages within Slack's limits: long tables are
 * paged with the full data attached as CSV, and a reply that still needs more than
 * `messagesPerReply` messages is cut short with its full text attached.
 */
export function renderReply(reply: Reply, limits: SlackLimits = SLACK_LIMITS): RenderedReply {
  const { view } = reply;
  const files: RenderedReply['files'] = [];
  const blocks: KnownBlock[] = [];

  if (view.title)
    blocks.push({ type: 'header', text: { type: 'plain_text', text: truncate(plainText(view.title), limits.headerText), emoji: true } });
  if (view.text) for (const piece of splitText(escapeMrkdwn(view.text), limits.sectionText)) blocks.push(section(piece));

  const fields = (view.fields ?? []).map((f) => ({
    type: 'mrkdwn' as const,
    text: truncate(`*${escapeMrkdwn(f.label)}*\n${escapeMrkdwn(f.value)}`, limits.fieldText),
  }));
  for (let i = 0; i < fields.length; i += limits.fieldsPerSection)
    blocks.push({ type: 'section', fields: fields.slice(i, i + limits.fieldsPerSection) });

  (view.tables ?? []).forEach((table, index) => {
    if (table.title) blocks.push(section(`*${truncate(escapeMrkdwn(table.title), limits.sectionText - 2)}*`));
    const { pages, rowsShown } = tablePages(table, limits);
    if (pages.length <= limits.tablePagesInline) {
      for (const page of pages) blocks.push(section(page));
      return;
    }
    const shown = pages.slice(0, limits.tablePagesInline);
    for (const page of shown) blocks.push(section(page));
    const count = rowsShown.slice(0, shown.length).reduce((a, b) => a + b, 0);
    const filename = `${fileStem(table.title ?? view.title, `table-${index + 1}`)}.csv`;
    files.push({ filename, title: table.title ? plainText(table.title) : filename, content: tableCsv(plainTable(table)) });
    blocks.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: `Showing rows 1–${count} of ${table.rows.length}. The full table is attached as *${filename}*.` }],
    });
  });

  for (const chart of view.charts ?? [])
    files.push({ filename: chart.name, title: plainText(chart.title ?? chart.name), altText: chart.alt, path: chart.path });
  for (const file of view.files ?? []) files.push({ filename: file.name, title: plainText(file.title ?? file.name), path: file.path });

  const buttons = (view.buttons ?? []).map((button, i) => ({
    type: 'button' as const,
    action_id: button.asks?.length ? formActionId(i, button.asks) : `growthbot:${i}`,
    text: { type: 'plain_text' as const, text: truncate(plainText(button.label), limits.buttonText), emoji: true },
    value: button.command.slice(0, limits.buttonValue),
    ...(button.style ? { style: button.style } : {}),
    ...(button.confirm ? { confirm: confirmDialog(button.confirm, button.style, limits) } : {}),
  }));
  for (let i = 0; i < buttons.length; i += limits.actionsElements)
    blocks.push({ type: 'actions', elements: buttons.slice(i, i + limits.actionsElements) });

  const notes = (view.notes ?? []).map((note) => ({ type: 'mrkdwn' as const, text: truncate(escapeMrkdwn(note), limits.contextText) }));
  for (let i = 0; i < notes.length; i += limits.contextElements)
    blocks.push({ type: 'context', elements: notes.slice(i, i + limits.contextElements) });

  if (blocks.length === 0) blocks.push(section(reply.ok ? '✅ Done.' : '⚠️ The command failed.'));

  let packed = pack(blocks, limits);
  if (packed.length > limits.messagesPerReply) {
    const filename = `${fileStem(view.title, 'reply')}.txt`;
    files.unshift({ filename, title: view.title ? `${plainText(view.title)} (full text)` : filename, content: viewAsText(view) });
    const notice = section(`✂️ This answer is longer than Slack shows in one reply; the full text is attached as *${filename}*.`);
    packed = packed.slice(0, limits.messagesPerReply);
    const last = packed[packed.length - 1]!;
    while (
      last.length &&
      (last.length + 1 > limits.blocksPerMessage || last.reduce((n, b) => n + blockSize(b), 0) + blockSize(notice) > limits.messageChars)
    )
      last.pop();
    last.push(notice);
  }

  // the notification text is mrkdwn too: escaped like the blocks
  const summary = truncate(
    escapeMrkdwn(plainText(view.title ?? view.text?.split('\n')[0] ?? (reply.ok ? 'Done' : 'The command failed'))),
    limits.fallbackText,
  );
  const messages = packed.map((message, i) => ({
    text: i === 0 ? summary : truncate(`${summary} (continued, ${i + 1}/${packed.length})`, limits.fallbackText),
    blocks: message,
  }));
  return { ephemeral: Boolean(view.ephemeral), messages, files };
}
