import { z } from 'zod';
import { defineAction, defineCommand } from '../src/core/command.ts';
import type { CommandContext } from '../src/core/context.ts';
import { timeZoneOption, zoneFor } from '../src/core/business-day.ts';
import { isoDate } from '../src/core/dates.ts';
import { UserError } from '../src/core/errors.ts';
import { reply } from '../src/core/reply.ts';
import { describeHolder, runExclusive } from '../src/jobs/exclusive.ts';
import { runInWorker, workerTask } from '../src/jobs/run-in-worker.ts';
import { dialectOf, sqlitePath } from '../src/store/database.ts';
import { resolveSegment } from '../src/segmentation/runs.ts';
import { productNames, recommendForCustomer } from '../src/recommend/for-customer.ts';
import { latestPurchaseDay } from '../src/recommend/purchases.ts';
import type { RecommendTaskInput, RecommendTaskOutput } from '../src/recommend/recommend-task.ts';
import type { RecommendationRun } from '../src/recommend/runs.ts';
import type { SegmentProducts } from '../src/recommend/segment-products.ts';
import { customerData, customerView, evaluationData, evaluationView, segmentView, trainView } from '../src/recommend/views.ts';

const TASK = workerTask(new URL('../src/recommend/recommend-task.ts', import.meta.url));

/** In a worker thread on a file or server store; in-process on an in-memory store (a worker cannot reach it). */
async function runTask(ctx: CommandContext, input: RecommendTaskInput): Promise<RecommendTaskOutput> {
  const url = ctx.config.DATABASE_URL;
  if (dialectOf(url) === 'sqlite' && sqlitePath(url) === ':memory:') {
    const { performRecommendTask } = await import('../src/recommend/recommend-task.ts');
    return performRecommendTask(ctx.db, input, ctx.progress);
  }
  return runInWorker<RecommendTaskInput, RecommendTaskOutput>(TASK, { ...input, databaseUrl: url }, ctx.progress, ctx.signal);
}

/** Learning and evaluating store runs: one at a time across every instance. */
async function storeRun(ctx: CommandContext, input: RecommendTaskInput): Promise<RecommendationRun> {
  const output = await runExclusive(
    ctx,
    'recommend-run',
    () => runTask(ctx, input),
    (holder) =>
      new UserError(
        'recommend_run_running',
        `Recommendations are being learnt or evaluated already (${describeHolder(holder)}); try again when that finishes.`,
        { hint: 'It takes seconds to a few minutes, depending on the purchases.' },
      ),
  );
  return (output as { run: RecommendationRun }).run;
}

function who(ctx: CommandContext) {
  return { createdBy: ctx.caller.userName ?? ctx.caller.userId, platform: ctx.caller.platform, createdAt: ctx.now().toISOString() };
}

const show = defineAction({
  name: 'show',
  description: 'Products to recommend to a customer (each with why), or the products a segment buys more than everyone.',
  options: z.object({
    customer: z.string().min(1).max(200).optional().describe('a customer id: what to offer them next'),
    segment: z
      .string()
      .min(1)
      .optional()
      .describe('a segment name or id (from /segment): what it buys more than everyone')
      .meta({ autocomplete: 'segment' }),
    limit: z.number().int().min(1).max(50).default(10).describe('how many products'),
    tz: timeZoneOption,
  }),
  role: 'analyst',
  visibility: 'public',
  long: true,
  examples: ['/recommend customer=C1002', '/recommend segment=champions limit=5'],
  handler: async (ctx, options) => {
    if ((options.customer === undefined) === (options.segment === undefined))
      throw new UserError('recommend_for_whom', 'Say whom to recommend for: customer=<id> or segment=<name>, one of the two.', {
        hint: 'Examples: /recommend customer=C1002, /recommend segment=champions.',
      });
    if (options.segment !== undefined) {
      const segment = await resolveSegment(ctx.db, options.segment);
      const output = await runTask(ctx, { mode: 'segment', segmentId: segment.id, limit: options.limit });
      const result = (output as { segment: SegmentProducts }).segment;
      const names = await productNames(
        ctx.db,
        result.products.map((p) => p.product),
      );
      const data = {
        segment_id: segment.id,
        segment: segment.name,
        ...result,
        products: result.products.map((p) => ({ ...p, name: names.get(p.product) ?? null })),
      };
      return reply<object>(data, segmentView(segment, result, names));
    }
    const result = await recommendForCustomer(ctx.db, options.customer!, options.limit);
    const names = await productNames(ctx.db, [...result.ranked.flatMap((r) => [r.product, ...(r.because ? [r.because.product] : [])])]);
    const latest = await latestPurchaseDay(ctx.db, zoneFor(ctx.config, options.tz));
    return reply<object>(customerData(result, names), customerView(result, names, latest && latest > result.run.as_of ? latest : null));
  },
});

const train = defineAction({
  name: 'train',
  description: 'Learns which products are bought together from the purchases with products (item-to-item co-purchases), for /recommend.',
  options: z.object({
    as_of: isoDate.optional().describe('learn from purchases up to this day (default: all of them)'),
    tz: timeZoneOption,
  }),
  role: 'analyst',
  visibility: 'public',
  long: true,
  writes: true,
  examples: ['/recommend train'],
  handler: async (ctx, options) => {
    const run = await storeRun(ctx, { mode: 'train', asOf: options.as_of, zone: zoneFor(ctx.config, options.tz), ...who(ctx) });
    return reply({ run_id: run.id, as_of: run.as_of, customers: run.customers, products: run.products, ...run.details }, trainView(run));
  },
});

const evaluate = defineAction({
  name: 'evaluate',
  description:
    'Measures the recommendations on the latest purchases: learnt from the purchases before a holdout, scored by hit rate and coverage against the most popular products.',
  options: z.object({
    holdout_days: z.number().int().min(1).max(365).default(30).describe('the last days of purchases held out to score on'),
    k: z.number().int().min(1).max(50).default(10).describe('products recommended per customer'),
    tz: timeZoneOption,
  }),
  role: 'analyst',
  visibility: 'public',
  long: true,
  writes: true,
  examples: ['/recommend evaluate', '/recommend evaluate holdout_days=60 k=5'],
  handler: async (ctx, options) => {
    const run = await storeRun(ctx, {
      mode: 'evaluate',
      holdoutDays: options.holdout_days,
      k: options.k,
      zone: zoneFor(ctx.config, options.tz),
      ...who(ctx),
    });
    return reply(evaluationData(run), evaluationView(run));
  },
});

export default defineCommand({
  name: 'recommend',
  description: 'Product recommendations learnt from co-purchases: per customer with a reason, per segment, and how well they do.',
  subcommands: [show, train, evaluate],
  defaultSubcommand: 'show',
});
