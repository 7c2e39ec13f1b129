import { z } from 'zod';
import { defineAction, defineCommand } from '../src/core/command.ts';
import { dayOfInstant, timeZoneOption, zoneFor } from '../src/core/business-day.ts';
import { isoDate } from '../src/core/dates.ts';
import { UserError } from '../src/core/errors.ts';
import { reply } from '../src/core/reply.ts';
import { latestDataDay, resolveChannel } from '../src/metrics/acquisition.ts';
import { campaignRoiView, computeCampaignRoi } from '../src/metrics/campaign-roi.ts';
import { runClvValues } from '../src/metrics/clv-runner.ts';
import { resolvePeriod } from '../src/metrics/periods.ts';
import { computeChannelRoi } from '../src/metrics/roi.ts';
import { roiData, roiView } from '../src/metrics/views/roi-view.ts';

export default defineCommand({
  name: 'roi',
  description: 'Return on ad spend per acquisition channel: ROI, ROAS, projected ROI, LTV:CAC and payback.',
  action: defineAction({
    description: 'ROI of the customers each channel acquired in a period, with the attribution window named.',
    options: z.object({
      channel: z.string().optional().describe('only this acquisition channel'),
      campaign: z.string().optional().describe('a campaign (answered once campaigns exist)').meta({ autocomplete: 'campaign' }),
      period: z
        .string()
        .optional()
        .describe('month, quarter, YYYY-MM or YYYY-Qn (default: the latest month with data)')
        .meta({ hint: 'month|quarter|YYYY-MM|YYYY-Qn' }),
      from: isoDate.optional().describe('start of a custom period'),
      to: isoDate.optional().describe('end of a custom period'),
      window: z
        .number()
        .int()
        .min(1)
        .max(3650)
        .optional()
        .describe('count revenue this many days after acquisition (default: everything up to the as_of= day)'),
      as_of: isoDate.optional().describe('count revenue up to this date (default: the last day with data)'),
      horizon: z.number().int().min(1).max(120).default(12).describe('months of predicted CLV in projected ROI'),
      tz: timeZoneOption,
    }),
    role: 'analyst',
    visibility: 'public',
    long: true,
    examples: ['/roi', '/roi period=2026-Q3 window=90', '/roi channel=facebook period=2026-10'],
    handler: async (ctx, options) => {
      const zone = zoneFor(ctx.config, options.tz);
      if (options.campaign) {
        if (options.channel)
          throw new UserError('bad_scope', 'Give either channel= or campaign=, not both.', {
            hint: 'e.g. /roi channel=paid_search, or /roi campaign=<id>.',
          });
        const report = await computeCampaignRoi(ctx.db, options.campaign, options.as_of ?? dayOfInstant(ctx.now(), zone), zone);
        return reply<unknown>(report, campaignRoiView(report));
      }
      const latest = await latestDataDay(ctx.db, zone);
      if (!latest)
        throw new UserError('no_data', 'There are no orders or spend yet, so there is no ROI to compute.', {
          hint: 'Import orders, customers and spend first.',
        });
      const asOf = options.as_of ?? latest;
      const period = resolvePeriod(options, asOf, zone);
      const channel = options.channel === undefined ? undefined : await resolveChannel(ctx.db, options.channel);
      const report = await computeChannelRoi(ctx.db, {
        period,
        asOf,
        channel,
        windowDays: options.window,
        horizonMonths: options.horizon,
        margin: ctx.config.GROSS_MARGIN,
        reportingCurrency: ctx.config.REPORTING_CURRENCY,
        projection: async (customerIds) => {
          try {
            return await runClvValues(ctx, {
              asOf,
              zone,
              horizonMonths: options.horizon,
              annualDiscount: 0.1,
              customerIds,
              includeAll: true,
              top: 0,
            });
          } catch (error) {
            if (error instanceof UserError) return { missing: error.message };
            throw error;
          }
        },
      });
      if (channel && report.channels.length === 0) {
        throw new UserError('channel_empty', `Channel \`${channel}\` has no spend and no new customers in ${period.label}.`, {
          hint: 'Try another period, or leave channel= out to see every channel.',
        });
      }
      return reply<unknown>(roiData(report), roiView(report));
    },
  }),
});
