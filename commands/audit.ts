import { z } from 'zod';
import { exportAudit, EXPORT_COLUMNS, EXPORT_ROW_CAP } from '../src/audit/export.ts';
import { auditPage, countAudit, dateOrInstant, OUTCOME_KINDS, type AuditFilters } from '../src/audit/trail.ts';
import { commandWords, entryLine, outcomeKind, outcomeWords, type AuditRow } from '../src/audit/words.ts';
import { defineAction, defineCommand } from '../src/core/command.ts';
import { isoDate } from '../src/core/dates.ts';
import { UserError } from '../src/core/errors.ts';
import { formatCount } from '../src/core/format.ts';
import { formCommandLine } from '../src/core/forms.ts';
import { mention, userIdFromMention } from '../src/core/mention.ts';
import type { CommandRegistry } from '../src/core/registry.ts';
import { reply, type Button } from '../src/core/reply.ts';

const PAGE_SIZE = 20;

const filterOptions = {
  user: z.string().meta({ kind: 'user' }).optional().describe('only this user (@mention, id or name)'),
  command: z.string().optional().describe('only this command, e.g. campaign or "campaign approve"'),
  outcome: z.enum(OUTCOME_KINDS).optional().describe('only entries that ended so'),
  since: isoDate.optional().describe('only from this date on'),
  until: dateOrInstant.optional().describe('only up to this date, included'),
};

function filtersOf(options: AuditFilters): AuditFilters {
  const { user, command, outcome, since, until } = options;
  return { user, command, outcome, since, until };
}

/** The filters as typed options: what the buttons' commands repeat. */
function filterArgs(filters: AuditFilters): Record<string, string> {
  const args: Record<string, string> = {};
  if (filters.user) args.user = userIdFromMention(filters.user);
  if (filters.command) args.command = filters.command;
  if (filters.outcome) args.outcome = filters.outcome;
  if (filters.since) args.since = filters.since;
  if (filters.until) args.until = filters.until;
  return args;
}

/** "user @jane, command campaign, outcome refused", or "" without filters. */
function filterWords(filters: AuditFilters): string {
  return [
    filters.user ? `user ${mention(userIdFromMention(filters.user))}` : '',
    filters.command ? `command /${filters.command.replace(/^\//, '')}` : '',
    filters.outcome ? `outcome ${filters.outcome}` : '',
    filters.since ? `since ${filters.since}` : '',
    filters.until ? `until ${filters.until}` : '',
  ]
    .filter(Boolean)
    .join(', ');
}

function entriesWord(count: number): string {
  return `${formatCount(count)} ${count === 1 ? 'entry' : 'entries'}`;
}

function entryData(row: AuditRow, registry: CommandRegistry) {
  return {
    id: Number(row.id),
    at: row.at,
    platform: row.platform,
    user_id: row.user_id,
    user_name: row.user_name,
    channel_id: row.channel_id,
    command: row.command,
    options: JSON.parse(row.options) as unknown,
    outcome: row.outcome,
    result: outcomeKind(row.outcome),
    detail: row.detail,
    duration_ms: Number(row.duration_ms),
    words: { command: commandWords(row, registry, 'plain'), outcome: outcomeWords(row.outcome, row.detail) },
  };
}

const list = defineAction({
  name: 'list',
  description: 'Shows the audit trail in words, newest first, a page at a time (what /audit alone does).',
  options: z.object({
    ...filterOptions,
    page: z.number().int().min(1).default(1).describe('which page, 1 being the newest entries'),
    limit: z.number().int().min(1).max(200).default(PAGE_SIZE).describe('entries per page'),
  }),
  role: 'admin',
  visibility: 'private',
  examples: ['/audit user=@jane since=2026-11-01', '/audit command=campaign outcome=refused', '/audit page=2 limit=5'],
  handler: async (ctx, options) => {
    const filters = filtersOf(options);
    const { page, limit } = options;
    const total = await countAudit(ctx.db, filters);
    const pages = Math.max(1, Math.ceil(total / limit));
    const filtered = filterWords(filters);
    if (page > pages)
      throw new UserError(
        'page_out_of_range',
        `There is no page ${page}: ${entriesWord(total)} match${total === 1 ? 'es' : ''}${filtered ? ` (${filtered})` : ''}, ${formatCount(pages)} ${pages === 1 ? 'page' : 'pages'} of ${limit}.`,
        {
          hint: `The last page is ${formCommandLine('audit', { ...filterArgs(filters), page: pages, ...(limit !== PAGE_SIZE ? { limit } : {}) })}`,
        },
      );
    const rows = await auditPage(ctx.db, filters, page, limit);
    const first = (page - 1) * limit + 1;
    const last = first + rows.length - 1;
    // "More" keeps the pages where they are while entries are added: it fixes until= at the newest entry that matched
    const newest = filters.until ?? (page === 1 ? rows[0]?.at : (await auditPage(ctx.db, filters, 1, 1))[0]?.at);
    const command = (p: number) =>
      formCommandLine('audit', { ...filterArgs({ ...filters, until: newest }), page: p, ...(limit !== PAGE_SIZE ? { limit } : {}) });
    const buttons: Button[] = [];
    if (page > 1) buttons.push({ label: 'Newer', command: command(page - 1) });
    if (page < pages) buttons.push({ label: 'More', command: command(page + 1), style: 'primary' });
    if (total > 0) buttons.push({ label: 'Export CSV', command: formCommandLine('audit export', filterArgs(filters)) });
    const headline = total
      ? `Entries ${formatCount(first)}–${formatCount(last)} of ${formatCount(total)}, newest first (times UTC)${filtered ? `; ${filtered}` : ''}.`
      : `No audit entries match${filtered ? ` (${filtered})` : ''}.`;
    return reply(
      {
        total,
        page,
        pages,
        first: rows.length ? first : 0,
        last: rows.length ? last : 0,
        entries: rows.map((row) => entryData(row, ctx.commands)),
      },
      {
        title: 'Audit trail',
        text: [headline, ...rows.map((row) => entryLine(row, ctx.commands))].join('\n'),
        buttons: buttons.length ? buttons : undefined,
        notes:
          pages > 1
            ? [
                `Page ${page} of ${pages}. The ${page < pages ? 'next' : 'previous'} page, typed: ${command(page < pages ? page + 1 : page - 1)}`,
              ]
            : undefined,
      },
    );
  },
});

const exportAction = defineAction({
  name: 'export',
  description: `A CSV file of the audit trail (the newest ${formatCount(EXPORT_ROW_CAP)} entries at most), with the filters of /audit.`,
  options: z.object(filterOptions),
  role: 'admin',
  visibility: 'private',
  examples: ['/audit export', '/audit export outcome=refused since=2026-11-01'],
  handler: async (ctx, options) => {
    const filters = filtersOf(options);
    const total = await countAudit(ctx.db, filters);
    const { file, name, rows } = await exportAudit(ctx.db, ctx.commands, filters, ctx.outDir, ctx.now());
    const filtered = filterWords(filters);
    const capped = total > rows;
    return reply(
      { file, rows, total, cap: EXPORT_ROW_CAP, columns: EXPORT_COLUMNS },
      {
        title: 'Audit trail export',
        text: capped
          ? `The newest ${entriesWord(rows)} of ${formatCount(total)}${filtered ? ` (${filtered})` : ''}: an export holds ${formatCount(EXPORT_ROW_CAP)} at most. Narrow it with since= and until= for the rest.`
          : `${entriesWord(rows)}${filtered ? ` (${filtered})` : ''}, newest first. An export holds ${formatCount(EXPORT_ROW_CAP)} at most.`,
        files: [{ path: file, name, title: 'Audit trail export' }],
        notes: [
          'Columns: when (UTC), user, platform, channel, command, options in words, outcome (ok, refused or error), detail and duration in milliseconds.',
          'Cells that a spreadsheet would run as a formula are prefixed with an apostrophe.',
        ],
      },
    );
  },
});

export default defineCommand({
  name: 'audit',
  description: 'Who ran which command, when, with which options, and how it ended; a CSV export for admins.',
  subcommands: [list, exportAction],
  defaultSubcommand: 'list',
});
