import { z } from 'zod';
import { defineAction, defineCommand } from '../src/core/command.ts';
import { timeZoneOption, zoneFor } from '../src/core/business-day.ts';
import { isoDate } from '../src/core/dates.ts';
import type { CommandContext } from '../src/core/context.ts';
import type { Attachment } from '../src/core/reply.ts';
import { reply } from '../src/core/reply.ts';
import { runClvModel, runClvValues } from '../src/metrics/clv-runner.ts';
import { resolveCustomerScope } from '../src/metrics/scope.ts';
import { attachChart } from '../src/metrics/views/attach-chart.ts';
import { clvModelData, clvModelView, fitCheckChart, holdoutChart } from '../src/metrics/views/clv-model-view.ts';
import { clvData, clvDistributionChart, clvView } from '../src/metrics/views/clv-view.ts';

async function emailsOf(ctx: CommandContext, ids: string[]): Promise<Map<string, string | null>> {
  if (ids.length === 0) return new Map();
  const rows = await ctx.db.selectFrom('customers').select(['customer_id', 'email']).where('customer_id', 'in', ids).execute();
  return new Map(rows.map((r) => [r.customer_id, r.email]));
}

const value = defineAction({
  name: 'value',
  description: 'Historical and predicted lifetime value of one customer, a segment, or the whole base.',
  options: z.object({
    customer: z.string().optional().describe('one customer id'),
    segment: z.string().optional().describe('a segment name (from /segment)').meta({ autocomplete: 'segment' }),
    horizon: z.number().int().min(1).max(120).default(12).describe('months to predict'),
    discount: z.number().min(0).max(1).default(0.1).describe('annual discount rate, e.g. 0.10'),
    as_of: isoDate.optional().describe('value as of the end of this day (default: the last purchase day in the data)'),
    tz: timeZoneOption,
  }),
  role: 'analyst',
  visibility: 'public',
  long: true,
  examples: ['/clv', '/clv customer=C1042', '/clv segment=champions horizon=24 discount=0.08', '/clv as_of=2026-09-30'],
  handler: async (ctx, options) => {
    const scope = await resolveCustomerScope(ctx.db, options);
    const report = await runClvValues(ctx, {
      asOf: options.as_of,
      zone: zoneFor(ctx.config, options.tz),
      horizonMonths: options.horizon,
      annualDiscount: options.discount,
      margin: ctx.config.GROSS_MARGIN,
      customerIds: scope.ids,
      top: 10,
    });
    const single = Boolean(options.customer);
    const emails = await emailsOf(
      ctx,
      report.top.map((v) => v.customer_id),
    );
    let chart: Attachment | undefined;
    if (!single && report.distribution.length > 0) {
      chart = await attachChart(
        ctx,
        clvDistributionChart(report, scope.label),
        'clv-distribution',
        'Histogram of predicted customer lifetime value',
      );
    }
    const input = { report, scopeLabel: scope.label, single, emails, chart };
    return reply(clvData(input), clvView(input));
  },
});

const model = defineAction({
  name: 'model',
  description: 'The fitted BG/NBD and Gamma-Gamma models, with a fit check and an optional holdout test.',
  options: z.object({
    as_of: isoDate.optional().describe('fit on purchases up to this date (default: the last purchase day)'),
    holdout: isoDate
      .optional()
      .describe('fit up to this date instead and compare predictions with what happened after it, up to the as_of= day'),
    tz: timeZoneOption,
  }),
  role: 'analyst',
  visibility: 'public',
  long: true,
  examples: ['/clv model', '/clv model as_of=2026-09-30', '/clv model as_of=2026-09-30 holdout=2026-03-31'],
  handler: async (ctx, options) => {
    const report = await runClvModel(ctx, { asOf: options.as_of, holdout: options.holdout, zone: zoneFor(ctx.config, options.tz) });
    const charts: Attachment[] = [
      await attachChart(ctx, fitCheckChart(report), 'clv-fit-check', 'Actual and expected customers by number of repeat purchases'),
    ];
    const holdoutSpec = holdoutChart(report);
    if (holdoutSpec)
      charts.push(
        await attachChart(
          ctx,
          holdoutSpec,
          'clv-holdout',
          'Actual and predicted mean purchases in the holdout period by calibration frequency',
        ),
      );
    return reply(
      clvModelData(report, { fit_check: charts[0]!.name, ...(charts[1] ? { holdout: charts[1].name } : {}) }),
      clvModelView(report, charts),
    );
  },
});

export default defineCommand({
  name: 'clv',
  description: 'Customer lifetime value: historical and predicted (BG/NBD + Gamma-Gamma), and the model behind it.',
  subcommands: [value, model],
  defaultSubcommand: 'value',
});
