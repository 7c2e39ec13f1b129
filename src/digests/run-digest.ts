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
import {
  claimRun,
  finishRun,
  INSTANCE_ID,
  isManualKey,
  lastDeliveredHash,
  releaseRun,
  renewRun,
  takeOverRun,
  type Claimant,
} from './runs.ts';
import { scheduleSections, type DigestRun, type DigestSchedule } from './schedules.ts';
import { formatInZone, localDate } from '../core/time-zone.ts';
import type { PeriodKind } from './periods.ts';
import { mention } from '../core/mention.ts';
import { scheduleButtons, subscriberButtons, subscriberNote } from './buttons.ts';
import { sendToSubscribers } from './subscriptions.ts';
import type { DigestInputs } from '../sources/refresh.ts';

/** What running a digest needs from the bot; tests shorten the retry delays through `sleep`. */
export interface DigestRuntime {
  db: Kysely<Database>;
  databaseUrl: string;
  outDir: string;
  currency: string;
  /** BUSINESS_TZ: which day figures fall on (the schedule's zone decides when it fires). */
  zone: string;
  /** REPORTING_CURRENCY: the digest adds totals converted into it at daily rates. */
  reportingCurrency?: string;
  notify: Notifier;
  logger: Logger;
  now: () => Date;
  retry?: RetryOptions;
  sleep?: Sleep;
  /** Who holds the claims this runtime makes (this process), and for how long a claim's lease lasts. */
  owner: string;
  leaseMs: number;
  /** A fire time is run (or retried) until this long after it; later it is missed or failed. */
  graceMs: number;
  /**
   * Before a claimed run is built: syncs the sources the schedule names (refresh=) and says how fresh each
   * input is (the digest's notes); absent where no source can be synced (a preview).
   */
  inputs?: (schedule: DigestSchedule, key: string) => Promise<DigestInputs | null>;
}

/** The bot, or a command's context: both hold what a digest run needs. */
export type RuntimeSource = Pick<Bot, 'db' | 'config' | 'outDir' | 'notify' | 'now'> & { logger: Logger };

export function runtimeOf(bot: RuntimeSource, extra: Partial<DigestRuntime> = {}): DigestRuntime {
  return {
    db: bot.db,
    databaseUrl: bot.config.DATABASE_URL,
    outDir: bot.outDir,
    currency: bot.config.DEFAULT_CURRENCY,
    zone: bot.config.BUSINESS_TZ,
    reportingCurrency: bot.config.REPORTING_CURRENCY,
    notify: bot.notify,
    logger: bot.logger,
    now: bot.now,
    owner: INSTANCE_ID,
    leaseMs: bot.config.DIGEST_LEASE_SECONDS * 1_000,
    graceMs: bot.config.DIGEST_GRACE_HOURS * 3_600_000,
    ...extra,
  };
}

/**
 * Test hook, only active when the variable is set: GROWTHBOT_TEST_CRASH_AT=digest-after-claim kills this
 * process (SIGKILL, as kill -9) right after a digest fire time is claimed and before anything is posted.
 */
function crashPointForTests(point: 'digest-after-claim'): void {
  if (process.env.GROWTHBOT_TEST_CRASH_AT === point) process.kill(process.pid, 'SIGKILL');
}

export type RunOutcome =
  | { status: 'taken'; fire_time: string }
  /** A transient delivery failure: the claim is left to be retried (by any instance) within the grace. */
  | { status: 'retrying'; run_id: number; fire_time: string; attempts: number; detail: string; retry_at: string }
  | {
      status: 'posted' | 'failed' | 'unchanged';
      run_id: number;
      fire_time: string;
      attempts: number;
      detail?: string;
      data?: DigestData;
      chart?: string | null;
      delayed?: boolean;
    };

function chartName(scheduleId: number, fireTime: string): string {
  return `digest-${scheduleId}-${fireTime.replace(/[^0-9A-Za-z]/g, '')}`;
}

/**
 * One digest for one fire time: claim the (schedule, fire time) row first, then build, then post with retries.
 * A claim that already exists means someone else runs it: nothing is posted. `fireTime` is the instant the
 * digest stands for (the cron fire time, or now for a manual send); `key` is what is claimed. `late`: the bot
 * was down at the fire time (a catch-up at start), so the post says it is delayed.
 */
export async function runDigest(
  rt: DigestRuntime,
  schedule: DigestSchedule,
  fireTime: Date,
  key: string = fireTime.toISOString(),
  options: { late?: boolean } = {},
): Promise<RunOutcome> {
  const log = rt.logger.child({ digest: schedule.id, fire_time: key });
  const claimant = claimantOf(rt);
  const runId = await claimRun(rt.db, schedule.id, key, rt.now(), 'claimed', claimant);
  if (runId === null) {
    log.info('digest fire time already claimed; not posting it again');
    return { status: 'taken', fire_time: key };
  }
  crashPointForTests('digest-after-claim');
  return executeRun(rt, schedule, fireTime, key, runId, { late: options.late ? 'down' : false, attempts: 0 });
}

/**
 * Re-runs a claim whose lease expired without a post (its holder died, or left it to be retried): takes it over
 * with one conditional UPDATE, so of several instances seeing it at once exactly one runs it; the others get
 * `taken`. A claim left by a crash is posted as delayed.
 */
export async function resumeRun(rt: DigestRuntime, schedule: DigestSchedule, run: DigestRun): Promise<RunOutcome> {
  const log = rt.logger.child({ digest: schedule.id, fire_time: run.fire_time });
  if (!(await takeOverRun(rt.db, run.id, claimantOf(rt), rt.now()))) {
    log.info('expired digest claim already taken over elsewhere');
    return { status: 'taken', fire_time: run.fire_time };
  }
  log.info({ previous_holder: run.claimed_by, attempts: run.attempts }, 'taking over a digest claim whose lease expired without a post');
  const fireTime = isManualKey(run.fire_time) ? new Date(run.fire_time.slice('manual:'.length)) : new Date(run.fire_time);
  // A holder still named died with the claim; none means it was left to be retried after a transient failure.
  const why = run.claimed_by === null ? 'unreachable' : 'down';
  return executeRun(rt, schedule, fireTime, run.fire_time, run.id, { late: why, attempts: run.attempts });
}

function claimantOf(rt: DigestRuntime): Claimant {
  return { owner: rt.owner, leaseMs: rt.leaseMs };
}

/** Builds and posts a run this process holds the claim of, renewing its lease meanwhile. */
async function executeRun(
  rt: DigestRuntime,
  schedule: DigestSchedule,
  fireTime: Date,
  key: string,
  runId: number,
  options: { late: LateReason | false; attempts: number },
): Promise<RunOutcome> {
  const log = rt.logger.child({ digest: schedule.id, fire_time: key });
  const claimant = claimantOf(rt);
  const heartbeat = setInterval(
    () => {
      renewRun(rt.db, runId, claimant, rt.now()).catch((error: unknown) => log.warn({ err: error }, 'could not renew the digest claim'));
    },
    Math.max(50, Math.floor(rt.leaseMs / 3)),
  );
  heartbeat.unref();
  try {
    return await buildAndPost(rt, schedule, fireTime, key, runId, options, log);
  } finally {
    clearInterval(heartbeat);
  }
}

async function buildAndPost(
  rt: DigestRuntime,
  schedule: DigestSchedule,
  fireTime: Date,
  key: string,
  runId: number,
  options: { late: LateReason | false; attempts: number },
  log: Logger,
): Promise<RunOutcome> {
  const target = { platform: schedule.platform as Platform, channelId: schedule.channel_id };
  let attempts = options.attempts;
  let hash: string | null = null;
  try {
    const inputs = await refreshInputs(rt, schedule, key, log);
    const built = await buildDigest(rt.db, rt.databaseUrl, {
      options: {
        period: schedule.period as PeriodKind,
        sections: scheduleSections(schedule),
        send_date: localDate(fireTime, schedule.time_zone),
        currency: rt.currency,
        zone: rt.zone,
        reporting_currency: rt.reportingCurrency,
      },
      outDir: rt.outDir,
      chartName: chartName(schedule.id, key),
    });
    hash = built.hash;
    if (schedule.only_on_change && built.hash === (await lastDeliveredHash(rt.db, schedule.id))) {
      await finishRun(
        rt.db,
        runId,
        { status: 'unchanged', attempts, hash: built.hash, detail: 'same figures as the last digest; not posted (only_on_change)' },
        rt.now(),
      );
      log.info('digest unchanged since the last one; skipped (only_on_change)');
      return { status: 'unchanged', run_id: runId, fire_time: key, attempts };
    }
    // Still ours? A claim renewed by its heartbeat stays ours; one lost meanwhile (a stalled process) is not posted twice.
    if (!(await renewRun(rt.db, runId, claimantOf(rt), rt.now()))) {
      log.warn('lost the digest claim before posting (its lease expired and another instance took it); not posting');
      return { status: 'taken', fire_time: key };
    }
    const postedAt = rt.now();
    const delayed = options.late ? delayNote(fireTime, postedAt, schedule.time_zone, options.late, target.platform) : null;
    const header = {
      source: `Digest #${schedule.id}`,
      timeZone: schedule.time_zone,
      whenLocal: formatInZone(fireTime, schedule.time_zone),
      delayed: delayed ?? undefined,
    };
    const data = {
      ...built.data,
      chart: built.chart,
      fire_time: isManualKey(key) ? null : key,
      delayed: delayed ? { from: fireTime.toISOString(), to: postedAt.toISOString(), note: delayed } : null,
      ...(inputs ? { inputs: { refreshed: inputs.refreshed, freshness: inputs.freshness } } : {}),
    };
    const view = renderDigest(built.data, built.chart, {
      ...header,
      buttons: scheduleButtons(schedule.id, localDate(fireTime, schedule.time_zone)),
      ...(inputs ? { notes: inputs.notes } : {}),
    });
    const delivery = await deliverWithRetry(rt.notify, target, reply(data, view), rt.retry ?? DEFAULT_RETRY, rt.sleep ?? realSleep);
    attempts += delivery.attempts;
    if (delivery.ok) {
      await finishRun(rt.db, runId, { status: 'posted', attempts, hash: built.hash, detail: delayed, delayed: delayed !== null }, rt.now());
      log.info({ attempts, build_ms: built.build_ms, delayed: delayed !== null }, 'digest posted');
      await sendToSubscribers(rt, schedule.id, runId, postedAt, (platform) =>
        reply(
          data,
          renderDigest(built.data, built.chart, {
            ...header,
            buttons: subscriberButtons(schedule.id),
            notes: [...(inputs?.notes ?? []), subscriberNote(schedule.id, platform)],
          }),
        ),
      );
      return {
        status: 'posted',
        run_id: runId,
        fire_time: key,
        attempts,
        data: built.data,
        chart: built.chart,
        delayed: delayed !== null,
        ...(delayed ? { detail: delayed } : {}),
      };
    }
    const where = `${target.platform} channel ${target.channelId}`;
    if (delivery.refused) {
      return await recordFailure(rt, schedule, runId, key, attempts, `${where} refused the digest: ${delivery.error}`, built.hash);
    }
    const problem = `delivery to ${where} failed after ${attempts} attempts: ${delivery.error}`;
    const retryAt = new Date(rt.now().getTime() + rt.leaseMs);
    if (!isManualKey(key) && retryAt.getTime() <= fireTime.getTime() + rt.graceMs) {
      const detail = `${problem}; retrying after ${formatInZone(retryAt, schedule.time_zone)}`;
      await releaseRun(rt.db, runId, rt.owner, { attempts, detail, hash: built.hash }, retryAt);
      log.warn({ attempts, retry_at: retryAt.toISOString() }, `digest not delivered yet: ${detail}`);
      return { status: 'retrying', run_id: runId, fire_time: key, attempts, detail, retry_at: retryAt.toISOString() };
    }
    return await recordFailure(rt, schedule, runId, key, attempts, problem, built.hash);
  } catch (error) {
    return await recordFailure(
      rt,
      schedule,
      runId,
      key,
      attempts,
      `the digest could not be built: ${error instanceof Error ? error.message : String(error)}`,
      hash,
    );
  }
}

/** The sources synced first and how fresh the inputs are; a failure here never stops the digest. */
async function refreshInputs(rt: DigestRuntime, schedule: DigestSchedule, key: string, log: Logger): Promise<DigestInputs | null> {
  if (!rt.inputs) return null;
  try {
    return await rt.inputs(schedule, key);
  } catch (error) {
    log.error({ err: error }, 'could not refresh the digest inputs; building it from the data in the store');
    return null;
  }
}

/** Why a post comes after its fire time: the bot was down then, or the platform could not be reached. */
export type LateReason = 'down' | 'unreachable';

/** "delayed: the bot was down from … to …" (fire time to posting time), in the schedule's zone. */
export function delayNote(fireTime: Date, postedAt: Date, timeZone: string, why: LateReason = 'down', platform = 'the platform'): string {
  const span = `from ${formatInZone(fireTime, timeZone)} to ${formatInZone(postedAt, timeZone)}`;
  return why === 'down' ? `delayed: the bot was down ${span}` : `delayed: ${platform} could not be reached ${span}`;
}

/** Records a run as failed for good and tells the schedule's creator; also used when a retried run runs out of grace. */
export async function recordFailure(
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
  const targets: { platform: Platform; channelId: string; direct?: boolean; label: string }[] = [];
  if (schedule.created_by_channel && !(platform === schedule.platform && schedule.created_by_channel === schedule.channel_id)) {
    targets.push({ platform, channelId: schedule.created_by_channel, label: `${schedule.created_by} in ${schedule.created_by_channel}` });
  }
  // Slack posts to a user id in the bot's direct messages with them; Discord opens a DM channel (sendToUser)
  if (platform === 'slack') targets.push({ platform, channelId: schedule.created_by, label: `${schedule.created_by} by direct message` });
  if (platform === 'discord')
    targets.push({ platform, channelId: schedule.created_by, direct: true, label: `${schedule.created_by} by direct message` });
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
      await rt.notify({ platform: target.platform, channelId: target.channelId, ...(target.direct ? { direct: true } : {}) }, message);
      return target.label;
    } catch {
      // try the next place
    }
  }
  return null;
}
