/** A platform-neutral answer: the structured data plus a view that adapters render. */
export interface Reply<D = unknown> {
  ok: boolean;
  data: D;
  view: View;
  /**
   * What the audit trail stores as this command's options, instead of the options (or the action's
   * auditOptions): what only the audit trail may hold, such as the anonymous id of a forgotten customer.
   * Taken off the reply before adapters see it.
   */
  audit?: Record<string, unknown>;
}

export interface View {
  title?: string;
  /** Light markdown: *bold*, `code`, line breaks. */
  text?: string;
  fields?: Field[];
  tables?: Table[];
  charts?: Attachment[];
  files?: Attachment[];
  buttons?: Button[];
  /** Small print shown last: windows, conventions, caveats. */
  notes?: string[];
  /** Only the caller sees it where the platform allows (errors, confirmations). */
  ephemeral?: boolean;
}

export interface Field {
  label: string;
  value: string;
}

export interface Table {
  title?: string;
  columns: string[];
  rows: (string | number)[][];
  /** Columns that hold numbers are right-aligned. */
  numeric?: boolean[];
}

export interface Attachment {
  /** Absolute path of the file on disk. */
  path: string;
  /** File name shown to users. */
  name: string;
  title?: string;
  /** Alt text for charts. */
  alt?: string;
}

export interface Button {
  label: string;
  /** The typed command the button runs, e.g. `/campaign approve 12`. */
  command: string;
  style?: 'primary' | 'danger';
  /** Asked before the command runs (Slack: a confirm dialog; Discord: an ephemeral Confirm / Cancel). */
  confirm?: Confirmation;
  /** Options of the command asked for in a small form before it runs (e.g. `['reason']`); the typed line works without it. */
  asks?: string[];
}

export interface Confirmation {
  title: string;
  text: string;
  /** The confirming button's label, e.g. `Approve`. */
  confirm: string;
  /** The cancelling button's label, e.g. `Cancel`. */
  deny: string;
}

export function reply<D>(data: D, view: View): Reply<D> {
  return { ok: true, data, view };
}

/** Plain-text rendering of a table as aligned monospace, shared by the text-based renderers. */
export function formatTableText(table: Table): string {
  const cells = [table.columns, ...table.rows.map((row) => row.map((cell) => String(cell)))];
  const widths = table.columns.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
  const numeric = table.numeric ?? table.rows[0]?.map((cell) => typeof cell === 'number') ?? [];
  const line = (row: string[]) =>
    row
      .map((cell, i) => (numeric[i] ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const separator = widths.map((w) => '─'.repeat(w)).join('  ');
  return [line(cells[0]!), separator, ...cells.slice(1).map(line)].join('\n');
}
