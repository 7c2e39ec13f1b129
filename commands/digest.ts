import { z } from 'zod';
import { defineAction, defineCommand } from '../src/core/command.ts';
import type { CommandContext, Platform } from '../src/core/context.ts';
import { addDays, isoDate } from '../src/core/dates.ts';
import { UserError } from '../src/core/errors.ts';
import { reply } from '../src/core/reply.ts';
import { buildDigest } from '../src/digests/build.ts';
import { SECTIONS, type Section } from '../src/digests/content.ts';
import { nextFireTime, parseCron } from '../src/digests/cron.ts';
import { announceScheduleChange } from '../src/digests/events.ts';
import { renderDigest } from '../src/digests/render.ts';
import { runDigest, runtimeOf } from '../src/digests/run-digest.ts';
import { isManualKey, lastRun, manualKey, recentRuns } from '../src/digests/runs.ts';
import {
  createSchedule,
  findSchedule,
  listSchedules,
  removeSchedule,
  requireSchedule,
  scheduleSections,
  setPaused,
  setRefresh,
  setTiming,
  type DigestRun,
} from '../src/digests/schedules.ts';
import { subscribe, subscribedSchedules, unsubscribe } from '../src/digests/subscriptions.ts';
import type { PeriodKind } from '../src/digests/periods.ts';
import { dayOf, zoneFor } from '../src/core/business-day.ts';
import { formatInZone, localDate, validateTimeZone } from '../src/core/time-zone.ts';
import { digestInputsHook, parseRefresh, refreshNames } from '../src/sources/refresh.ts';

const sectionsOption = z
  .string()
  .optional()
  .describe(`what to include, comma-separated: ${SECTIONS.join(',')} (default all)`)
  .meta({ hint: SECTIONS.join(',') });
const periodOption = z.enum(['week', 'month']).default('week').describe('the period reported: the last complete week (Mon-Sun) or month');
const refreshOption = z
  .string()
  .optional()
  .describe('sources to sync before each digest, comma-separated, e.g. `shop_orders,ad_spend` (see /source list)');
const idOption = z.number().int().min(1).describe('the schedule id from /digest list').meta({ choicesFrom: 'schedule' });

function parseSections(text: string | undefined): Section[] {
  if (!text) return [...SECTIONS];
  const items = text
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  const unknown = items.filter((s) => !(SECTIONS as readonly string[]).includes(s));
  if (unknown.length || !items.length) {
    throw new UserError('bad_sections', `\`${unknown.join(',') || text}\` is not a digest section.`, {
      hint: `Choose from ${SECTIONS.join(', ')}, e.g. sections=kpis,channels.`,
    });
  }
  return SECTIONS.filter((s) => items.includes(s));
}

/** Slack `<#C123|name>`, Discord `<#123>`, `#name` or a bare id. */
function channelIdOf(value: string): string {
  const mention = /^<#([A-Za-z0-9_]+)(?:\|[^>]*)?>$/.exec(value.trim());
  return mention ? mention[1]! : value.trim().replace(/^#/, '');
}

/** How many runs /digest runs shows. */
const RUNS_SHOWN = 10;

/** A run's state as a person reads it: posted, delayed, failed (reason), running, waiting to retry, … */
function runState(run: DigestRun, now: Date): { state: string; reason: string | null } {
  if (run.status === 'posted') return { state: run.delayed ? 'delayed' : 'posted', reason: run.delayed ? run.detail : null };
  if (run.status === 'claimed') {
    const leaseUntil = run.lease_until === null ? null : Number(run.lease_until);
    if (leaseUntil !== null && leaseUntil > now.getTime())
      return run.claimed_by ? { state: 'running', reason: null } : { state: 'waiting to retry', reason: run.detail };
    return { state: 'claimed, holder stopped', reason: 'its lease expired without a post: the next check or start runs it again' };
  }
  return { state: run.status, reason: run.detail };
}

const changed = (ctx: CommandContext, type: 'created' | 'removed' | 'paused' | 'resumed' | 'changed', id: number) =>
  announceScheduleChange({ db: ctx.db, type, id });

export default defineCommand({
  name: 'digest',
  description: 'Scheduled performance digests: KPIs, CAC/ROI by channel, campaigns, segments, anomalies.',
  subcommands: [
    defineAction({
      name: 'schedule',
      description: 'Posts a digest to a channel on a cron schedule, in a time zone.',
      options: z.object({
        cron: z.string().describe('minute hour day-of-month month day-of-week, e.g. "0 9 * * MON"'),
        tz: z.string().describe('IANA time zone the cron is read in, e.g. Europe/Berlin'),
        channel: z.string().optional().describe('where to post (default: this channel)').meta({ kind: 'channel' }),
        sections: sectionsOption,
        period: periodOption,
        only_on_change: z.boolean().default(false).describe('skip a digest whose figures equal the last one'),
        refresh: refreshOption,
      }),
      role: 'admin',
      visibility: 'public',
      examples: [
        '/digest schedule cron="0 9 * * MON" tz=Europe/Berlin',
        '/digest schedule channel=#growth cron="30 8 1 * *" tz=America/New_York period=month sections=kpis,channels',
        '/digest schedule cron="0 7 * * MON" tz=Europe/Berlin refresh=shop_orders,ad_spend',
      ],
      handler: async (ctx, options) => {
        const fields = parseCron(options.cron);
        const timeZone = validateTimeZone(options.tz);
        const sections = parseSections(options.sections);
        const refresh = options.refresh === undefined ? [] : parseRefresh(options.refresh, ctx.sources);
        const channelId = options.channel ? channelIdOf(options.channel) : ctx.caller.channelId;
        if (!channelId)
          throw new UserError('no_channel', 'I cannot tell which channel to post to.', { hint: 'Give channel=#your-channel.' });
        const schedule = await createSchedule(
          ctx.db,
          {
            platform: ctx.caller.platform,
            channelId,
            cron: options.cron.trim().replace(/\s+/g, ' '),
            timeZone,
            sections,
            period: options.period,
            onlyOnChange: options.only_on_change,
            createdBy: ctx.caller.userId,
            createdByPlatform: ctx.caller.platform,
            createdByChannel: ctx.caller.channelId ?? null,
            refresh,
          },
          ctx.now(),
        );
        changed(ctx, 'created', schedule.id);
        const next = nextFireTime(fields, timeZone, ctx.now());
        return reply(
          {
            id: schedule.id,
            platform: schedule.platform,
            channel: channelId,
            cron: schedule.cron,
            time_zone: timeZone,
            sections,
            period: options.period,
            only_on_change: options.only_on_change,
            refresh,
            next_run: next?.toISOString() ?? null,
          },
          {
            title: `Digest #${schedule.id} scheduled`,
            text: `A ${options.period === 'week' ? 'weekly' : 'monthly'} digest (${sections.join(', ')}) goes to ${channelId} on \`${schedule.cron}\` in ${timeZone}.\nNext: *${next ? formatInZone(next, timeZone) : 'never (the expression never matches)'}*.`,
            notes: [
              ...(refresh.length
                ? [
                    `Before each digest, ${refresh.join(', ')} ${refresh.length === 1 ? 'is' : 'are'} synced; the digest says how fresh its data is.`,
                  ]
                : []),
              `Pause with /digest pause ${schedule.id}; try it now with /digest send ${schedule.id} or /digest preview.`,
            ],
          },
        );
      },
    }),
    defineAction({
      name: 'list',
      description: 'The digest schedules with their next run and last outcome.',
      options: z.object({}),
      role: 'viewer',
      visibility: 'public',
      handler: async (ctx) => {
        const schedules = await listSchedules(ctx.db);
        const rows = await Promise.all(
          schedules.map(async (s) => {
            const next = s.paused ? null : nextFireTime(s.cron, s.time_zone, ctx.now());
            const last = await lastRun(ctx.db, s.id);
            return {
              id: s.id,
              platform: s.platform,
              channel: s.channel_id,
              cron: s.cron,
              time_zone: s.time_zone,
              period: s.period,
              sections: scheduleSections(s),
              only_on_change: s.only_on_change === 1,
              refresh: refreshNames(s.refresh),
              paused: s.paused === 1,
              created_by: s.created_by,
              next_run: next?.toISOString() ?? null,
              next_run_local: next ? formatInZone(next, s.time_zone) : null,
              last_outcome: last
                ? {
                    status: last.status,
                    fire_time: last.fire_time,
                    attempts: last.attempts,
                    detail: last.detail,
                    finished_at: last.finished_at,
                  }
                : null,
            };
          }),
        );
        const mine = await subscribedSchedules(ctx.db, { platform: ctx.caller.platform, userId: ctx.caller.userId });
        const anyRefresh = rows.some((r) => r.refresh.length > 0);
        return reply(
          { schedules: rows, subscribed: mine },
          {
            title: 'Digest schedules',
            notes: mine.length
              ? [`You get ${mine.map((id) => `#${id}`).join(', ')} by direct message too (/digest unsubscribe <id> to stop).`]
              : undefined,
            text: rows.length ? undefined : 'No digests scheduled. Add one with /digest schedule cron="0 9 * * MON" tz=Europe/Berlin.',
            tables: rows.length
              ? [
                  {
                    columns: ['#', 'Channel', 'Cron', 'Period', ...(anyRefresh ? ['Syncs first'] : []), 'Next run', 'Last outcome'],
                    rows: rows.map((r) => [
                      r.id,
                      `${r.platform}:${r.channel}`,
                      r.cron,
                      r.period,
                      ...(anyRefresh ? [r.refresh.join(', ') || '—'] : []),
                      r.paused ? 'paused' : (r.next_run_local ?? 'never'),
                      r.last_outcome
                        ? `${r.last_outcome.status}${r.last_outcome.detail ? ` — ${r.last_outcome.detail}` : ''}`
                        : 'not run yet',
                    ]),
                  },
                ]
              : undefined,
          },
        );
      },
    }),
    defineAction({
      name: 'runs',
      description: `The last ${RUNS_SHOWN} digest runs (of one schedule, or of all): fire time, state and when posted.`,
      options: z.object({ id: idOption.optional() }),
      positional: ['id'],
      role: 'viewer',
      visibility: 'public',
      examples: ['/digest runs', '/digest runs 1'],
      handler: async (ctx, { id }) => {
        if (id !== undefined) await requireSchedule(ctx.db, id);
        const now = ctx.now();
        const runs = await recentRuns(ctx.db, id, RUNS_SHOWN);
        const zones = new Map<number, string>();
        for (const run of runs) {
          if (!zones.has(run.schedule_id)) zones.set(run.schedule_id, (await findSchedule(ctx.db, run.schedule_id))?.time_zone ?? 'UTC');
        }
        const rows = runs.map((run) => {
          const zone = zones.get(run.schedule_id)!;
          const manual = isManualKey(run.fire_time);
          const fireTime = new Date(manual ? run.fire_time.slice('manual:'.length) : run.fire_time);
          const { state, reason } = runState(run, now);
          return {
            run_id: run.id,
            schedule_id: run.schedule_id,
            fire_time: manual ? null : run.fire_time,
            manual,
            fire_time_local: formatInZone(fireTime, zone),
            state,
            status: run.status,
            reason,
            attempts: run.attempts,
            posted_at: run.posted_at,
            posted_at_local: run.posted_at ? formatInZone(new Date(run.posted_at), zone) : null,
            claimed_by: run.status === 'claimed' ? run.claimed_by : null,
          };
        });
        const what = id === undefined ? 'all digests' : `digest #${id}`;
        return reply(
          { schedule_id: id ?? null, runs: rows },
          {
            title: id === undefined ? 'Digest runs' : `Digest #${id} runs`,
            text: rows.length
              ? undefined
              : `No runs yet for ${what}. ${id === undefined ? 'Schedule one with /digest schedule' : `Try it with /digest send ${id}`}.`,
            tables: rows.length
              ? [
                  {
                    columns: ['#', 'Fire time', 'State', 'Posted', 'Attempts'],
                    numeric: [true, false, false, false, true],
                    rows: rows.map((r) => [
                      r.schedule_id,
                      r.manual ? `${r.fire_time_local} (/digest send)` : r.fire_time_local,
                      r.reason ? `${r.state}: ${r.reason}` : r.state,
                      r.posted_at_local ?? '—',
                      r.attempts,
                    ]),
                  },
                ]
              : undefined,
            notes: rows.length ? [`The last ${RUNS_SHOWN} runs of ${what}, newest first; times in each schedule's zone.`] : undefined,
          },
        );
      },
    }),
    ...(['pause', 'resume'] as const).map((verb) =>
      defineAction({
        name: verb,
        description: verb === 'pause' ? 'Stops a digest until it is resumed.' : 'Starts a paused digest again.',
        options: z.object({ id: idOption }),
        positional: ['id'],
        role: 'admin',
        visibility: 'public',
        handler: async (ctx, { id }) => {
          const schedule = await requireSchedule(ctx.db, id);
          await setPaused(ctx.db, id, verb === 'pause', ctx.now());
          changed(ctx, verb === 'pause' ? 'paused' : 'resumed', id);
          const next = verb === 'resume' ? nextFireTime(schedule.cron, schedule.time_zone, ctx.now()) : null;
          return reply(
            { id, paused: verb === 'pause', next_run: next?.toISOString() ?? null },
            {
              text:
                verb === 'pause'
                  ? `Digest #${id} is paused.`
                  : `Digest #${id} is running again; next ${next ? formatInZone(next, schedule.time_zone) : 'never'}.`,
            },
          );
        },
      }),
    ),
    defineAction({
      name: 'edit',
      description: 'Changes when a digest is posted (its cron expression, its time zone) or the sources it syncs first.',
      options: z.object({
        id: idOption,
        cron: z.string().optional().describe('the new minute hour day-of-month month day-of-week, e.g. "0 9 * * MON"'),
        tz: z.string().optional().describe('the new IANA time zone the cron is read in, e.g. Europe/Berlin'),
        refresh: z.string().optional().describe('the sources to sync before each digest, comma-separated (none: sync nothing first)'),
      }),
      positional: ['id'],
      role: 'admin',
      visibility: 'public',
      examples: ['/digest edit 2 cron="0 8 * * MON"', '/digest edit 2 tz=America/New_York'],
      handler: async (ctx, options) => {
        const schedule = await requireSchedule(ctx.db, options.id);
        const id = schedule.id;
        if (options.refresh !== undefined && options.cron === undefined && options.tz === undefined) {
          const refresh = options.refresh.trim().toLowerCase() === 'none' ? [] : parseRefresh(options.refresh, ctx.sources);
          await setRefresh(ctx.db, id, refresh, ctx.now());
          changed(ctx, 'changed', id);
          return reply(
            { id, cron: schedule.cron, time_zone: schedule.time_zone, refresh, changed: true },
            {
              text: refresh.length
                ? `Digest #${id} now syncs ${refresh.join(', ')} before each run, and says how fresh its data is.`
                : `Digest #${id} no longer syncs any source before it runs.`,
            },
          );
        }
        if (options.cron === undefined && options.tz === undefined) {
          const next = schedule.paused ? null : nextFireTime(schedule.cron, schedule.time_zone, ctx.now());
          return reply(
            { id, cron: schedule.cron, time_zone: schedule.time_zone, refresh: refreshNames(schedule.refresh), changed: false },
            {
              text: `Digest #${id} is posted on \`${schedule.cron}\` in ${schedule.time_zone}; ${schedule.paused ? 'it is paused' : `next: ${next ? formatInZone(next, schedule.time_zone) : 'never'}`}.\nTo change it, type the command with the new values, e.g.:\n\`/digest edit ${id} cron="${schedule.cron}" tz=${schedule.time_zone}\``,
              ephemeral: true,
            },
          );
        }
        const cron = (options.cron ?? schedule.cron).trim().replace(/\s+/g, ' ');
        const fields = parseCron(cron);
        const timeZone = options.tz === undefined ? schedule.time_zone : validateTimeZone(options.tz);
        if (options.refresh !== undefined)
          await setRefresh(
            ctx.db,
            id,
            options.refresh.trim().toLowerCase() === 'none' ? [] : parseRefresh(options.refresh, ctx.sources),
            ctx.now(),
          );
        await setTiming(ctx.db, id, { cron, timeZone }, ctx.now());
        changed(ctx, 'changed', id);
        const next = schedule.paused ? null : nextFireTime(fields, timeZone, ctx.now());
        return reply(
          {
            id,
            cron,
            time_zone: timeZone,
            refresh: refreshNames((await requireSchedule(ctx.db, id)).refresh),
            changed: true,
            next_run: next?.toISOString() ?? null,
          },
          {
            text: `Digest #${id} is now posted on \`${cron}\` in ${timeZone}; ${schedule.paused ? `it stays paused (/digest resume ${id})` : `next: *${next ? formatInZone(next, timeZone) : 'never (the expression never matches)'}*`}.`,
          },
        );
      },
    }),
    defineAction({
      name: 'show',
      description: 'Sends you a scheduled digest privately: the figures its post of that day shows.',
      options: z.object({
        id: idOption,
        as_of: isoDate.optional().describe('the day it was sent: it reports the last complete period before (default today)'),
      }),
      positional: ['id'],
      role: 'viewer',
      visibility: 'private',
      long: true,
      examples: ['/digest show 1', '/digest show 1 as_of=2026-11-02'],
      handler: async (ctx, options) => {
        const schedule = await requireSchedule(ctx.db, options.id);
        const now = ctx.now();
        const sendDate = options.as_of ?? localDate(now, schedule.time_zone);
        ctx.progress({ fraction: null, message: 'computing the digest' });
        const built = await buildDigest(ctx.db, ctx.config.DATABASE_URL, {
          options: {
            period: schedule.period as PeriodKind,
            sections: scheduleSections(schedule),
            send_date: sendDate,
            currency: ctx.config.DEFAULT_CURRENCY,
            zone: ctx.config.BUSINESS_TZ,
            reporting_currency: ctx.config.REPORTING_CURRENCY,
          },
          outDir: ctx.outDir,
          chartName: `digest-${schedule.id}-show-${sendDate}-${now.getTime()}`,
        });
        const view = renderDigest(built.data, built.chart, {
          source: `Digest #${schedule.id}`,
          timeZone: schedule.time_zone,
          whenLocal: options.as_of ? `as of ${options.as_of}` : formatInZone(now, schedule.time_zone),
          buttons: [{ label: 'Subscribe', command: `/digest subscribe ${schedule.id}` }],
          notes: [`To get each digest #${schedule.id} by direct message: /digest subscribe ${schedule.id}.`],
        });
        return reply({ ...built.data, schedule_id: schedule.id, send_date: sendDate, chart: built.chart }, view);
      },
    }),
    defineAction({
      name: 'subscribe',
      description: 'Sends you each run of a digest by direct message, as well as to its channel.',
      options: z.object({ id: idOption }),
      positional: ['id'],
      role: 'viewer',
      visibility: 'private',
      examples: ['/digest subscribe 1'],
      handler: async (ctx, { id }) => {
        const schedule = await requireSchedule(ctx.db, id);
        const added = await subscribe(ctx.db, id, { platform: ctx.caller.platform, userId: ctx.caller.userId }, ctx.now());
        return reply(
          { id, subscribed: true, added },
          {
            text: added
              ? `You are subscribed to digest #${id}: each time it posts to ${schedule.channel_id}, you get it by direct message too.`
              : `You already get digest #${id} by direct message.`,
            notes: [`To stop: /digest unsubscribe ${id}.`],
          },
        );
      },
    }),
    defineAction({
      name: 'unsubscribe',
      description: 'Stops sending you a digest by direct message (its channel still gets it).',
      options: z.object({ id: idOption }),
      positional: ['id'],
      role: 'viewer',
      visibility: 'private',
      examples: ['/digest unsubscribe 1'],
      handler: async (ctx, { id }) => {
        await requireSchedule(ctx.db, id);
        const removed = await unsubscribe(ctx.db, id, { platform: ctx.caller.platform, userId: ctx.caller.userId });
        return reply(
          { id, subscribed: false, removed },
          {
            text: removed
              ? `You no longer get digest #${id} by direct message.`
              : `You were not subscribed to digest #${id}, so nothing changed.`,
            notes: removed ? [`To get it again: /digest subscribe ${id}.`] : undefined,
          },
        );
      },
    }),
    defineAction({
      name: 'remove',
      description: 'Deletes a digest schedule and its run history.',
      options: z.object({ id: idOption }),
      positional: ['id'],
      role: 'admin',
      visibility: 'public',
      handler: async (ctx, { id }) => {
        await requireSchedule(ctx.db, id);
        await removeSchedule(ctx.db, id);
        changed(ctx, 'removed', id);
        return reply({ id, removed: true }, { text: `Digest #${id} is removed.` });
      },
    }),
    defineAction({
      name: 'preview',
      description: 'Renders a digest here and now, without scheduling it.',
      options: z.object({
        sections: sectionsOption,
        period: periodOption,
        as_of: isoDate.optional().describe('the day it would be sent: it reports the last complete period before (default today)'),
        tz: z.string().optional().describe('time zone for "today", the header and which day figures fall on (default BUSINESS_TZ)'),
      }),
      role: 'viewer',
      visibility: 'public',
      long: true,
      examples: ['/digest preview', '/digest preview period=month as_of=2026-11-01 sections=kpis,channels'],
      handler: async (ctx, options) => {
        const timeZone = zoneFor(ctx.config, options.tz);
        const now = ctx.now();
        const sendDate = options.as_of ?? localDate(now, timeZone);
        ctx.progress({ fraction: null, message: 'computing the digest' });
        const built = await buildDigest(ctx.db, ctx.config.DATABASE_URL, {
          options: {
            period: options.period,
            sections: parseSections(options.sections),
            send_date: sendDate,
            currency: ctx.config.DEFAULT_CURRENCY,
            zone: timeZone,
            reporting_currency: ctx.config.REPORTING_CURRENCY,
          },
          outDir: ctx.outDir,
          chartName: `digest-preview-${sendDate}-${now.getTime()}`,
        });
        const view = renderDigest(built.data, built.chart, {
          source: 'Preview',
          timeZone,
          whenLocal: options.as_of ? `as of ${options.as_of}` : formatInZone(now, timeZone),
        });
        if (built.data.empty) {
          const latest = await ctx.db
            .selectFrom('orders')
            .select((eb) => eb.fn.max('order_date').as('day'))
            .executeTakeFirst();
          const day = latest?.day ? dayOf(String(latest.day), timeZone) : null;
          if (day && day < built.data.period.from) {
            view.notes = [
              ...(view.notes ?? []),
              `The latest order in the store is from ${day}. To see the period with it: /digest preview as_of=${addDays(day, 1)}`,
            ];
          }
        }
        return reply({ ...built.data, send_date: sendDate, time_zone: timeZone, chart: built.chart, build_ms: built.build_ms }, view);
      },
    }),
    defineAction({
      name: 'send',
      description: 'Runs one digest of a schedule now, to its channel.',
      options: z.object({ id: idOption }),
      positional: ['id'],
      role: 'admin',
      visibility: 'public',
      long: true,
      handler: async (ctx, { id }) => {
        const schedule = await requireSchedule(ctx.db, id);
        const now = ctx.now();
        // the sources it names are synced first here too, as the sources' own context
        const inputs = digestInputsHook(ctx);
        const outcome = await runDigest(runtimeOf(ctx, { inputs }), schedule, now, manualKey(now));
        const where = `${schedule.platform as Platform}:${schedule.channel_id}`;
        if (outcome.status === 'failed') {
          throw new UserError('digest_failed', `Digest #${id} was not delivered to ${where}: ${outcome.detail}`, {
            hint: 'Check the bot is in the channel, then try /digest send again.',
          });
        }
        const text =
          outcome.status === 'posted'
            ? `Digest #${id} posted to ${where}${outcome.attempts > 1 ? ` after ${outcome.attempts} attempts` : ''}.`
            : outcome.status === 'unchanged'
              ? `Digest #${id} has the same figures as the last one, so it was not posted (only_on_change).`
              : `Digest #${id} is already being sent.`;
        return reply(
          {
            id,
            status: outcome.status,
            attempts: 'attempts' in outcome ? outcome.attempts : 0,
            chart: 'chart' in outcome ? (outcome.chart ?? null) : null,
          },
          { text },
        );
      },
    }),
  ],
});
