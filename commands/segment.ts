import { z } from 'zod';
import { defineAction, defineCommand } from '../src/core/command.ts';
import type { CommandContext } from '../src/core/context.ts';
import { timeZoneOption, zoneFor } from '../src/core/business-day.ts';
import { isoDate } from '../src/core/dates.ts';
import { UserError } from '../src/core/errors.ts';
import { countOf, formatCount, maskEmail } from '../src/core/format.ts';
import { reply } from '../src/core/reply.ts';
import { describeHolder, runExclusive } from '../src/jobs/exclusive.ts';
import { runInWorker, workerTask } from '../src/jobs/run-in-worker.ts';
import { sqlitePath } from '../src/store/database.ts';
import { compareRuns } from '../src/segmentation/compare.ts';
import { exportSegment } from '../src/segmentation/export.ts';
import { getRun, listRuns, resolveRun, resolveSegment, runSegments, segmentMembersPage } from '../src/segmentation/runs.ts';
import { checkFeatures, resolveFeatureNames } from '../src/segmentation/customer-features.ts';
import { chooseFeatures } from '../src/segmentation/choose-features.ts';
import type { SegmentRunInput, SegmentRunOutput } from '../src/segmentation/segmentation-task.ts';
import {
  featureWord,
  listView,
  parseFeatureValues,
  runIdentity,
  runView,
  segmentData,
  showView,
} from '../src/segmentation/segment-views.ts';

const TASK = workerTask(new URL('../src/segmentation/segmentation-task.ts', import.meta.url));

const segmentRef = z
  .string()
  .min(1)
  .describe('a segment: its id (e.g. 12) or name (the newest run with that name)')
  .meta({ autocomplete: 'segment' });

/** In a worker thread on a file or server store; in-process on an in-memory store (a worker cannot reach it). */
async function startRun(ctx: CommandContext, requested: SegmentRunInput): Promise<SegmentRunOutput> {
  const input = requested.features ? { ...requested, features: await resolveFeatureNames(ctx.db, requested.features) } : requested;
  await checkFeatures(ctx.db, chooseFeatures(input)); // answer bad requests without starting a worker
  // One segmentation at a time across every instance.
  return runExclusive(
    ctx,
    'segment-run',
    () => segmentNow(ctx, input),
    (holder) =>
      new UserError(
        'segment_run_running',
        `A segmentation run is already running (${describeHolder(holder)}); try again when it finishes.`,
        {
          hint: 'Its result will show in /segment list.',
        },
      ),
  );
}

async function segmentNow(ctx: CommandContext, input: SegmentRunInput): Promise<SegmentRunOutput> {
  const url = ctx.config.DATABASE_URL;
  if (!url.startsWith('postgres') && sqlitePath(url) === ':memory:') {
    // loaded when needed: the clustering code stays out of the bot's start
    const { performSegmentRun } = await import('../src/segmentation/segmentation-task.ts');
    return performSegmentRun(ctx.db, input, ctx.progress);
  }
  return runInWorker<SegmentRunInput, SegmentRunOutput>(TASK, { ...input, databaseUrl: url, outDir: ctx.outDir }, ctx.progress, ctx.signal);
}

function parseFeatureList(text: string | undefined): string[] | undefined {
  if (text === undefined) return undefined;
  return text
    .split(',')
    .map((f) => f.trim().toLowerCase())
    .filter(Boolean);
}

export default defineCommand({
  name: 'segment',
  description: 'Customer segments: k-means or RFM runs with named, explained segments you can keep, export and target.',
  subcommands: [
    defineAction({
      name: 'run',
      description: 'Segments customers (k-means on chosen features, or classic RFM groups), names each segment and recommends an action.',
      options: z.object({
        method: z.enum(['kmeans', 'rfm']).default('kmeans').describe('k-means clusters, or classic RFM quintile groups'),
        k: z
          .union([z.literal('auto'), z.number().int().min(2).max(12)])
          .default('auto')
          .describe('number of segments, or auto to pick 2..10 by silhouette')
          .meta({ hint: 'auto|2..12' }),
        features: z
          .string()
          .optional()
          .describe('comma-separated: recency, frequency, monetary, tenure, aov, or any numeric customer attribute')
          .meta({ hint: 'recency,frequency,monetary,…' }),
        as_of: isoDate.optional().describe('compute features as of the end of this day (default: the latest order date)'),
        tz: timeZoneOption,
        name: z.string().min(1).max(80).optional().describe('a name for the run'),
        seed: z.number().int().min(0).default(1).describe('random seed; the same seed gives the same segments'),
        scaling: z
          .enum(['standard', 'none'])
          .default('standard')
          .describe('standard: log for skewed features, then z-scores; none: raw values'),
      }),
      role: 'analyst',
      visibility: 'public',
      long: true,
      writes: true,
      examples: [
        '/segment run',
        '/segment run k=5 features=recency,frequency,monetary,tenure',
        '/segment run method=rfm as_of=2026-10-31',
        '/segment run k=5 features=annual_income,spending_score scaling=none',
      ],
      handler: async (ctx, options) => {
        const output = await startRun(ctx, {
          method: options.method,
          k: options.k,
          features: parseFeatureList(options.features),
          asOf: options.as_of,
          zone: zoneFor(ctx.config, options.tz),
          name: options.name,
          seed: options.seed,
          scaling: options.scaling,
          createdBy: ctx.caller.userName ?? ctx.caller.userId,
          platform: ctx.caller.platform,
          createdAt: ctx.now().toISOString(),
          currency: ctx.config.DEFAULT_CURRENCY,
        });
        const { data, view } = await runView(output.run, output.segments, ctx.outDir, output.charts);
        return reply(data, view);
      },
    }),
    defineAction({
      name: 'list',
      description: 'Lists segmentation runs and their segments, newest first.',
      options: z.object({ limit: z.number().int().min(1).max(50).default(10).describe('how many runs') }),
      role: 'viewer',
      visibility: 'public',
      examples: ['/segment list', '/segment list limit=3'],
      handler: async (ctx, { limit }) => {
        const runs = await Promise.all(
          (await listRuns(ctx.db, limit)).map(async (run) => ({ run, segments: await runSegments(ctx.db, run.id) })),
        );
        return reply(
          {
            runs: runs.map(({ run, segments }) => ({
              ...runIdentity(run),
              created_at: run.created_at,
              created_by: run.created_by,
              segments: segments.map((s) => ({ id: s.id, name: s.name, size: s.size, share: s.share })),
            })),
          },
          listView(runs),
        );
      },
    }),
    defineAction({
      name: 'show',
      description: 'Shows one segment: its profile against the average, the recommended action and example customers.',
      options: z.object({ segment: segmentRef }),
      positional: ['segment'],
      role: 'viewer',
      visibility: 'public',
      examples: ['/segment show Champions', '/segment show 12'],
      handler: async (ctx, { segment: ref }) => {
        const segment = await resolveSegment(ctx.db, ref);
        const run = (await getRun(ctx.db, segment.run_id))!;
        const members = await segmentMembersPage(ctx.db, segment.id, '', 5);
        const emails = members.length
          ? await ctx.db
              .selectFrom('customers')
              .select(['customer_id', 'email'])
              .where(
                'customer_id',
                'in',
                members.map((m) => m.customer_id),
              )
              .execute()
          : [];
        const emailOf = new Map(emails.map((e) => [e.customer_id, e.email]));
        const examples = members.map((m) => ({
          customer_id: m.customer_id,
          email: maskEmail(emailOf.get(m.customer_id)),
          features: parseFeatureValues(m.feature_values, run.features),
        }));
        return reply(
          { run_id: run.id, as_of: run.as_of, segment: segmentData(segment), overall: run.details.overall, examples },
          showView(run, segment, examples),
        );
      },
    }),
    defineAction({
      name: 'export',
      description: 'Exports a segment as CSV: customer ids and their features as of the run.',
      options: z.object({ segment: segmentRef }),
      positional: ['segment'],
      role: 'analyst',
      visibility: 'private',
      examples: ['/segment export Champions', '/segment export 12'],
      handler: async (ctx, { segment: ref }) => {
        const segment = await resolveSegment(ctx.db, ref);
        const run = (await getRun(ctx.db, segment.run_id))!;
        const { file, name, rows } = await exportSegment(ctx.db, run, segment, ctx.outDir);
        return reply(
          { file, rows, segment_id: segment.id, run_id: run.id },
          {
            title: `Export of ${segment.name} (#${segment.id})`,
            text: `${countOf(rows, 'customer')} with ${run.features.map(featureWord).join(', ')} as of ${run.as_of} (run #${run.id}).`,
            files: [{ path: file, name, title: `${segment.name}.csv` }],
            notes: ['Cells that a spreadsheet would run as a formula are prefixed with an apostrophe.'],
          },
        );
      },
    }),
    defineAction({
      name: 'compare',
      description: 'Shows how customers moved between the segments of two runs (default: the two latest).',
      options: z.object({
        from: z
          .string()
          .optional()
          .describe('the older run: id or name (default: the second-latest run)')
          .meta({ autocomplete: 'segment-run' }),
        to: z.string().optional().describe('the newer run: id or name (default: the latest run)').meta({ autocomplete: 'segment-run' }),
      }),
      positional: ['from', 'to'],
      role: 'viewer',
      visibility: 'public',
      examples: ['/segment compare', '/segment compare 1 2'],
      handler: async (ctx, options) => {
        let from;
        let to;
        if (options.from !== undefined && options.to !== undefined) {
          from = await resolveRun(ctx.db, options.from);
          to = await resolveRun(ctx.db, options.to);
        } else {
          const latest = await listRuns(ctx.db, 2);
          if (options.from !== undefined) {
            from = await resolveRun(ctx.db, options.from);
            to = latest[0];
          } else {
            [to, from] = latest;
          }
          if (!from || !to) {
            throw new UserError('too_few_runs', 'Comparing needs two segmentation runs.', {
              hint: `There ${latest.length === 1 ? 'is one run' : 'are no runs'}: start another with /segment run.`,
            });
          }
        }
        if (from.id === to.id)
          throw new UserError('same_run', `Both sides are run #${from.id}.`, {
            hint: 'Give two different runs, e.g. /segment compare 3 5.',
          });
        const fromSegments = await runSegments(ctx.db, from.id);
        const toSegments = await runSegments(ctx.db, to.id);
        const comparison = await compareRuns(ctx.db, from, to, fromSegments, toSegments);
        const changes = comparison.moves.filter((m) => m.from.toLowerCase() !== m.to.toLowerCase());
        const lines = [
          `From run #${from.id} (as of ${from.as_of}) to run #${to.id} (as of ${to.as_of}).`,
          `${countOf(comparison.stayed, 'customer')} stayed in a segment of the same name; ${formatCount(changes.reduce((s, m) => s + m.customers, 0))} moved.`,
          ...changes.slice(0, 5).map((m) => `• ${formatCount(m.customers)} ${m.from} became ${m.to}`),
        ];
        if (comparison.entered > 0)
          lines.push(`${countOf(comparison.entered, 'customer')} ${comparison.entered === 1 ? 'is' : 'are'} only in run #${to.id}.`);
        if (comparison.left > 0)
          lines.push(`${countOf(comparison.left, 'customer')} ${comparison.left === 1 ? 'is' : 'are'} only in run #${from.id}.`);
        return reply(comparison, {
          title: `Segment moves: run #${from.id} → run #${to.id}`,
          text: lines.join('\n'),
          tables: [
            {
              columns: [`From (run #${from.id})`, `To (run #${to.id})`, 'Customers'],
              rows: comparison.moves.map((m) => [m.from, m.to, formatCount(m.customers)]),
              numeric: [false, false, true],
            },
          ],
        });
      },
    }),
  ],
});
