import { z } from 'zod';
import { defineAction, defineCommand } from '../src/core/command.ts';
import { timeZoneOption, zoneFor } from '../src/core/business-day.ts';
import { isoDate } from '../src/core/dates.ts';
import { UserError } from '../src/core/errors.ts';
import { reply } from '../src/core/reply.ts';
import { latestDataDay, resolveChannel } from '../src/metrics/acquisition.ts';
import { computeCac } from '../src/metrics/cac.ts';
import { resolvePeriod } from '../src/metrics/periods.ts';
import { attachChart } from '../src/metrics/views/attach-chart.ts';
import { cacData, cacTrendChart, cacView } from '../src/metrics/views/cac-view.ts';

export default defineCommand({
  name: 'cac',
  description: 'Customer acquisition cost per channel, blended and paid, against the previous period.',
  action: defineAction({
    description: 'Spend in the period divided by the customers acquired in it.',
    options: z.object({
      channel: z.string().optional().describe('only this acquisition channel'),
      period: z
        .string()
        .optional()
        .describe('month, quarter, YYYY-MM or YYYY-Qn (default: the latest month with data)')
        .meta({ hint: 'month|quarter|YYYY-MM|YYYY-Qn' }),
      from: isoDate.optional().describe('start of a custom period'),
      to: isoDate.optional().describe('end of a custom period'),
      tz: timeZoneOption,
    }),
    role: 'analyst',
    visibility: 'public',
    examples: ['/cac', '/cac period=2026-Q3', '/cac channel=google_ads period=2026-10', '/cac from=2026-09-01 to=2026-09-30'],
    handler: async (ctx, options) => {
      const zone = zoneFor(ctx.config, options.tz);
      const latest = await latestDataDay(ctx.db, zone);
      if (!latest)
        throw new UserError('no_data', 'There are no orders or spend yet, so there is no CAC to compute.', {
          hint: 'Import spend and customers first: /import spend <file>, /import customers <file>.',
        });
      const period = resolvePeriod(options, latest, zone);
      const channel = options.channel === undefined ? undefined : await resolveChannel(ctx.db, options.channel);
      const report = await computeCac(ctx.db, period, { channel, reportingCurrency: ctx.config.REPORTING_CURRENCY });
      if (channel && report.channels.length === 0) {
        throw new UserError(
          'channel_empty',
          `Channel \`${channel}\` has no spend and no new customers in ${period.label} or the period before.`,
          {
            hint: 'Try another period, or leave channel= out to see every channel.',
          },
        );
      }
      const spec = cacTrendChart(report);
      const chart = spec ? await attachChart(ctx, spec, 'cac-trend', 'CAC per channel over the last periods') : undefined;
      return reply(cacData(report, chart), cacView(report, chart));
    },
  }),
});
