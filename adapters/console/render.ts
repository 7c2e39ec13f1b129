import path from 'node:path';
import { renderMentions } from '../../src/core/mention.ts';
import { formatTableText, type Reply } from '../../src/core/reply.ts';

/** A console user is named by the id it was started with (`--user jane`): mentions read as that name, channels as `#name`. */
function mentionsAsNames(text: string): string {
  return renderMentions(
    text,
    (piece) => piece,
    (part) => (part.kind === 'user' ? part.id : `#${part.id}`),
  );
}

/** Strips the light chat markdown the core uses: *bold* and `code` read fine as plain text; mentions as the user's name. */
function plain(text: string): string {
  return mentionsAsNames(text).replace(/(^|[\s(])\*([^*\s][^*\n]*?)\*(?=[\s.,;:!?)]|$)/gm, '$1$2');
}

function shown(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative.startsWith('..') ? file : relative;
}

/** The whole reply as terminal text. */
export function renderText(reply: Reply): string {
  const { view } = reply;
  const parts: string[] = [];
  if (view.title) parts.push(`== ${plain(view.title)} ==`);
  if (view.text) parts.push(plain(view.text));
  if (view.fields?.length) {
    const width = Math.max(...view.fields.map((f) => f.label.length));
    parts.push(view.fields.map((f) => `${plain(f.label).padEnd(width)}  ${plain(f.value)}`).join('\n'));
  }
  for (const table of view.tables ?? []) {
    const cells = { ...table, rows: table.rows.map((row) => row.map((cell) => (typeof cell === 'string' ? plain(cell) : cell))) };
    parts.push([table.title ? plain(table.title) : undefined, formatTableText(cells)].filter(Boolean).join('\n'));
  }
  for (const chart of view.charts ?? []) parts.push(`chart: ${shown(chart.path)}${chart.title ? ` (${chart.title})` : ''}`);
  for (const file of view.files ?? []) parts.push(`file: ${shown(file.path)}${file.title ? ` (${file.title})` : ''}`);
  if (view.buttons?.length) parts.push(view.buttons.map((b) => `[${plain(b.label)}] ${b.command}`).join('\n'));
  if (view.notes?.length) parts.push(view.notes.map((n) => `note: ${plain(n)}`).join('\n'));
  return parts.join('\n\n');
}
