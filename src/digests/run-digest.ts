import type { Kysely } from 'kysely';
import type { Bot } from '../core/bot.ts';
import type { Notifier, Platform } from '../core/context.ts';
import type { Logger } from '../logger.ts';
import { reply } from '../core/reply.ts';
import type { Database } from '../store/schema.ts';
import { buildDigest } from './build.ts';
import type { DigestData } from './content.ts';
import { DEFAULT_RETRY, deliverWithRetry, realSleep, type RetryOptions, type Sleep } from './delivery.ts';
import { renderDigest } from './render.ts';
import { claimRun, finishRun, lastDeliveredHash } from './runs.ts';
import { scheduleSections, type DigestSchedule } from './schedules.ts';
import { formatInZone, localDate } from './time-zone.ts';
import type { PeriodKind } from './periods.ts';
import { mention } from '../core/mention.ts';

/** What running a digest needs from the bot; tests shorten the retry delays through `sleep`. */
export interface DigestRuntime {
  db: Kysely<Database>;
  databaseUrl: string;
  outDir: string;
  currency: string;
  /** REPORTING_CURRENCY: the digest adds totals converted into it at daily rates. */
  reportingCurrency?: string;
  notify: Notifier;
  logger: Logger;
  now: () => Date;
  retry?: RetryOptions;
  sleep?: Sleep;
}

/** The bot, or a command's context: both hold what a digest run needs. */
export type RuntimeSource = Pick<Bot, 'db' | 'config' | 'outDir' | 'notify' | 'now'> & { logger: Logger };

export function runtimeOf(bot: RuntimeSource, extra: Partial<DigestRuntime> = {}): DigestRuntime {
  return {
    db: bot.db,
    databaseUrl: bot.config.DATABASE_URL,
    outDir: bot.outDir,
    currency: bot.config.DEFAULT_CURRENCY,
    reportingCurrency: bot.config.REPORTING_CURRENCY,
    notify: bot.notify,
    logger: bot.logger,
    now: bot.now,
    ...extra,
  };
}

export type RunOutcome =
  | { status: 'taken'; fire_time: string }
  | {
      status: 'posted' | 'failed' | 'unchanged';
      run_id: number;
      fire_time: string;
      attempts: number;
      detail?: string;
      data?: DigestData;
      chart?: string | null;
    };

function chartName(scheduleId: number, fireTime: string): string {
  return `digest-${scheduleId}-${fireTime.replace(/[^0-9A-Za-z]/g, '')}`;
}

/**
 * One digest for one fire time: claim the (schedule, fire time) row first, then build, then post with retries.
 * A claim that already exists means someone else runs it: nothing is posted. `fireTime` is the instant the
 * digest stands for (the cron fire time, or now for a manual send); `key` is what is claimed.
 */
export async function runDigest(
  rt: DigestRuntime,
  schedule: DigestSchedule,
  fireTime: Date,
  key: string = fireTime.toISOString(),
): Promise<RunOutcome> {
  const log = rt.logger.child({ digest: schedule.id, fire_time: key });
  const runId = await claimRun(rt.db, schedule.id, key, rt.now());
  if (runId === null) {
    log.info('digest fire time already claimed; not posting it again');
    return { status: 'taken', fire_time: key };
  }
  const target = { platform: schedule.platform as Platform, channelId: schedule.channel_id };
  let attempts = 0;
  try {
    const built = await buildDigest(rt.db, rt.databaseUrl, {
      options: {
        period: schedule.period as PeriodKind,
        sections: scheduleSections(schedule),
        send_date: localDate(fireTime, schedule.time_zone),
        currency: rt.currency,
        reporting_currency: rt.reportingCurrency,
      },
      outDir: rt.outDir,
      chartName: chartName(schedule.id, key),
    });
    if (schedule.only_on_change && built.hash === (await lastDeliveredHash(rt.db, schedule.id))) {
      await finishRun(
        rt.db,
        runId,
        { status: 'unchanged', attempts: 0, hash: built.hash, detail: 'same figures as the last digest; not posted (only_on_change)' },
        rt.now(),
      );
      log.info('digest unchanged since the last one; skipped (only_on_change)');
      return { status: 'unchanged', run_id: runId, fire_time: key, attempts: 0 };
    }
    const view = renderDigest(built.data, built.chart, {
      source: `Digest #${schedule.id}`,
      timeZone: schedule.time_zone,
      whenLocal: formatInZone(fireTime, schedule.time_zone),
    });
    const delivery = await deliverWithRetry(
      rt.notify,
      target,
      reply({ ...built.data, chart: built.chart }, view),
      rt.retry ?? DEFAULT_RETRY,
      rt.sleep ?? realSleep,
    );
    attempts = delivery.attempts;
    if (delivery.ok) {
      await finishRun(rt.db, runId, { status: 'posted', attempts, hash: built.hash }, rt.now());
      log.info({ attempts, build_ms: built.build_ms }, 'digest posted');
      return { status: 'posted', run_id: runId, fire_time: key, attempts, data: built.data, chart: built.chart };
    }
    return await recordFailure(
      rt,
      schedule,
      runId,
      key,
      attempts,
      `delivery to ${target.platform} channel ${target.channelId} failed after ${attempts} attempts: ${delivery.error}`,
      built.hash,
    );
  } catch (error) {
    return await recordFailure(
      rt,
      schedule,
      runId,
      key,
      attempts,
      `the digest could not be built: ${error instanceof Error ? error.message : String(error)}`,
      null,
    );
  }
}

async function recordFailure(
  rt: DigestRuntime,
  schedule: DigestSchedule,
  runId: number,
  key: string,
  attempts: number,
  problem: string,
  hash: string | null,
): Promise<RunOutcome> {
  const told = await tellCreator(rt, schedule, problem);
  const detail = `${problem}${told ? ` (told ${told})` : ' (the creator could not be reached)'}`;
  await finishRun(rt.db, runId, { status: 'failed', attempts, hash, detail }, rt.now());
  rt.logger.error({ digest: schedule.id, fire_time: key, attempts }, `digest failed: ${detail}`);
  return { status: 'failed', run_id: runId, fire_time: key, attempts, detail };
}

/** Where the creator can hear about a failure: where they created the schedule, else (Slack) a DM. */
async function tellCreator(rt: DigestRuntime, schedule: DigestSchedule, problem: string): Promise<string | null> {
  const platform = schedule.created_by_platform as Platform;
  const targets: { platform: Platform; channelId: string; label: string }[] = [];
  if (schedule.created_by_channel && !(platform === schedule.platform && schedule.created_by_channel === schedule.channel_id)) {
    targets.push({ platform, channelId: schedule.created_by_channel, label: `${schedule.created_by} in ${schedule.created_by_channel}` });
  }
  if (platform === 'slack') targets.push({ platform, channelId: schedule.created_by, label: `${schedule.created_by} by direct message` });
  if (platform === 'console')
    targets.push({ platform, channelId: schedule.created_by_channel ?? 'console', label: `${schedule.created_by} on the console` });
  const message = reply(
    { digest_failed: { schedule_id: schedule.id, problem } },
    {
      title: `Digest #${schedule.id} was not delivered`,
      text: `${mention(schedule.created_by)} your digest #${schedule.id} for ${schedule.channel_id} was not delivered: ${problem}.`,
      notes: [
        'Check the bot is still in the channel (invite it again), then /digest send ' +
          schedule.id +
          ' to retry now, or /digest remove ' +
          schedule.id +
          '.',
      ],
      buttons: [{ label: 'Send again', command: `/digest send ${schedule.id}` }],
    },
  );
  for (const target of targets) {
    try {
      await rt.notify(target, message);
      return target.label;
    } catch {
      // try the next place
    }
  }
  return null;
}
