import { plural } from '../src/core/format.ts';
import { z } from 'zod';
import { defineAction, defineCommand } from '../src/core/command.ts';
import type { CommandContext } from '../src/core/context.ts';
import { reply } from '../src/core/reply.ts';
import { localTime } from '../src/core/time-zone.ts';
import { nextFireTime } from '../src/digests/cron.ts';
import type { PreviewResult } from '../src/import/preview.ts';
import { importReply, maskEmailsIn } from '../src/import/reply.ts';
import type { ImportResult } from '../src/import/run-import.ts';
import { runInWorker, workerTask } from '../src/jobs/run-in-worker.ts';
import type { SourceDefinition } from '../src/sources/definition.ts';
import { findSource, redactedError, sourceWhere } from '../src/sources/describe.ts';
import { allSourceStates } from '../src/sources/state.ts';
import { importSourceOf, previewInputOf } from '../src/sources/sync.ts';
import { runSourceSync } from '../src/sources/run.ts';
import { runKey } from '../src/sources/runs.ts';
import { randomUUID } from 'node:crypto';
import { UserError } from '../src/core/errors.ts';

const PREVIEW_TASK = workerTask(new URL('../src/import/preview-task.ts', import.meta.url));
/** Rows /source test reads. */
const TEST_ROWS = 5;

const nameOption = z.object({
  name: z.string().trim().min(1).describe('the source’s name, as /source list shows it'),
});

const pad = (n: number) => String(n).padStart(2, '0');

/** `2026-11-25 10:00` in the business time zone; `—` for never. */
function when(iso: string | null | undefined, zone: string): string {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const t = localTime(date, zone);
  return `${t.year}-${pad(t.month)}-${pad(t.day)} ${pad(t.hour)}:${pad(t.minute)}`;
}

/** A date or an instant (data_through) as the business day and time, a day alone as itself. */
const through = (value: string | null | undefined, zone: string) => (!value ? '—' : value.length <= 10 ? value : when(value, zone));

const short = (text: string, max = 300) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

function nextRun(source: SourceDefinition, ctx: CommandContext): Date | null {
  if (!source.schedule) return null;
  return nextFireTime(source.schedule, source.zone ?? ctx.config.BUSINESS_TZ, ctx.now());
}

const list = defineAction({
  name: 'list',
  description: 'Lists the named sources (SOURCES_FILE): last sync, rows, how fresh the data is, next run and last error.',
  options: z.object({}),
  // freshness is everyone's business (is this morning's digest on yesterday's orders?); nothing secret is shown
  role: 'viewer',
  visibility: 'public',
  examples: ['/source list'],
  handler: async (ctx) => {
    const zone = ctx.config.BUSINESS_TZ;
    const states = await allSourceStates(ctx.db);
    const sources = ctx.sources.map((source) => {
      const state = states.get(source.name);
      const next = nextRun(source, ctx);
      return {
        name: source.name,
        type: source.type,
        kind: source.kind,
        where: sourceWhere(source),
        incremental: source.incremental ?? null,
        schedule: source.schedule ?? null,
        last_sync: state?.last_success_at ?? null,
        last_attempt: state?.last_attempt_at ?? null,
        rows: state?.last_rows ?? null,
        data_through: state?.data_through ?? null,
        next_run: next?.toISOString() ?? null,
        failing_since: state?.failing_since ?? null,
        last_error: state?.last_error ?? null,
      };
    });
    if (sources.length === 0)
      return reply(
        { sources },
        {
          title: '/source list',
          text: 'No sources are defined on this bot.',
          notes: [
            'An admin defines named sources (a URL, a PostgreSQL or SQLite query, a folder of exports) in the sources file (SOURCES_FILE, default ./sources.yaml) and restarts the bot; see README: Connect your data.',
          ],
        },
      );
    const failing = sources.filter((s) => s.failing_since);
    return reply(
      { sources },
      {
        title: '/source list',
        text: `${sources.length} ${plural(sources.length, 'source')}${failing.length ? `, ${failing.length} failing` : ''}. Sync one with /source sync <name>; check one with /source test <name>.`,
        tables: [
          {
            columns: ['source', 'kind', 'from', 'last sync', 'rows', 'data through', 'next run', 'status'],
            rows: sources.map((s) => [
              s.name,
              s.kind,
              short(s.where, 60),
              when(s.last_sync, zone),
              s.rows ?? '—',
              through(s.data_through, zone),
              s.next_run ? when(s.next_run, zone) : s.schedule ? '—' : 'on demand',
              s.failing_since ? `failing since ${when(s.failing_since, zone)}` : s.last_sync ? 'ok' : 'never synced',
            ]),
            numeric: [false, false, false, false, true, false, false, false],
          },
        ],
        notes: [
          ...failing.map((s) => `\`${s.name}\` last error: ${short(s.last_error ?? '')}`),
          `Times in ${zone}. "data through": the newest date in the rows synced.`,
        ],
      },
    );
  },
});

const sync = defineAction({
  name: 'sync',
  description: 'Syncs a named source now: imports its rows (only the new ones for an incremental source), with progress.',
  options: nameOption,
  positional: ['name'],
  role: 'analyst',
  visibility: 'public',
  long: true,
  examples: ['/source sync shop_orders'],
  handler: async (ctx, { name }) => {
    const source = findSource(ctx.sources, name);
    // the scheduler's path: the run recorded, ADMIN_CHANNEL told of a failing spell and of its end
    const at = ctx.now();
    // typed syncs are never the same run, even two in one millisecond
    const key = `${runKey('command', at)}:${randomUUID().slice(0, 8)}`;
    const run = await runSourceSync(ctx, source.name, 'command', at, {
      key,
      progress: ctx.progress,
      caller: ctx.caller,
      definition: source,
    });
    if (run.status === 'taken')
      throw new UserError('sync_running', `A sync of ${source.name} started at this very moment is already running.`, {
        hint: 'Wait for its answer, then check /source list.',
      });
    if (run.status === 'failed') throw run.error;
    const outcome = run.outcome;
    const answer = importReply((outcome as typeof outcome & { import: ImportResult }).import);
    const zone = ctx.config.BUSINESS_TZ;
    return {
      ...answer,
      data: { ...answer.data, source: source.name, data_through: outcome.dataThrough, cursor: outcome.cursor },
      view: {
        ...answer.view,
        title: `/source sync ${source.name} · ${sourceWhere(source)}`,
        fields: [...(answer.view.fields ?? []), { label: 'Data through', value: through(outcome.dataThrough, zone) }],
        notes: [
          ...(answer.view.notes ?? []),
          ...(source.incremental
            ? [
                `Incremental on \`${source.incremental}\`: the next sync reads the rows past ${outcome.cursor ?? 'the start (none read yet)'}.`,
              ]
            : []),
        ],
      },
    };
  },
});

const test = defineAction({
  name: 'test',
  description: `Checks a named source: connects, reads ${TEST_ROWS} rows, shows how the columns map and the first rejections. Writes nothing.`,
  options: nameOption,
  positional: ['name'],
  role: 'analyst',
  // sample values (emails masked) stay with the caller
  visibility: 'private',
  long: true,
  examples: ['/source test shop_orders'],
  handler: async (ctx, { name }) => {
    const source = findSource(ctx.sources, name);
    let result: PreviewResult;
    try {
      const input = previewInputOf(ctx.config, source, await importSourceOf(ctx.config, source, null));
      result = await runInWorker<typeof input & { rows: number }, PreviewResult>(PREVIEW_TASK, { ...input, rows: TEST_ROWS }, ctx.progress);
    } catch (error) {
      throw redactedError(error, source);
    }
    const ignored = result.columns.filter((c) => c.field === null).map((c) => `\`${c.column}\``);
    return reply(
      { ...result, source: source.name, kind: source.kind },
      {
        title: `/source test ${source.name} · ${sourceWhere(source)}`,
        text: `Connected and read ${result.read} ${plural(result.read, 'row')} as ${source.kind}: ${result.valid} would be imported, ${result.rejections.length} rejected. Nothing was written.`,
        tables: [
          {
            title: 'Column mapping',
            columns: ['column', 'field'],
            rows: result.columns.map((c) => [
              `\`${c.column}\``,
              c.field === null ? '(ignored)' : c.field === 'attribute' ? '(numeric attribute)' : `\`${c.field}\``,
            ]),
          },
          ...(result.rejections.length
            ? [
                {
                  title: 'First rejections',
                  columns: ['line', 'column', 'reason', 'value'],
                  rows: result.rejections.map((r) => [r.line, r.column, r.reason, short(maskEmailsIn(r.value), 40)]),
                  numeric: [true, false, false, false],
                },
              ]
            : []),
        ],
        notes: [
          ...(ignored.length ? [`Ignored columns: ${ignored.join(', ')} (name them with map: in the sources file to use them).`] : []),
          ...(source.incremental ? [`Read from the start (:since is null); a sync reads only the rows past the last one seen.`] : []),
        ],
      },
    );
  },
});

export default defineCommand({
  name: 'source',
  description: 'Named data sources an admin defined (a URL, a database query, a folder of exports): list, sync and test them.',
  subcommands: [list, sync, test],
});
