import cron, { type Logger as CronLogger } from 'node-cron';
import type { Bot } from '../core/bot.ts';
import type { Logger } from '../logger.ts';
import { canonicalFireTime, previousFireTime } from './cron.ts';
import { onScheduleChange } from './events.ts';
import { recordFailure, resumeRun, runDigest, runtimeOf, type DigestRuntime, type RunOutcome } from './run-digest.ts';
import { abandonedRuns, claimRun, finishRun, isManualKey, lastFireTime, nextLeaseExpiry, takeOverRun } from './runs.ts';
import { findSchedule, listSchedules, type DigestSchedule } from './schedules.ts';
import { formatInZone } from '../core/time-zone.ts';

/** Starts a timer that calls `onFire` with each fire time of the expression in the zone. */
export type TaskFactory = (expression: string, timeZone: string, name: string, onFire: (fireTime: Date) => void) => { stop(): void };

/** node-cron's own lines (a task that threw, a missed execution nobody handles) as pino records instead of console output. */
export function cronLogger(logger: Logger): CronLogger {
  const log =
    (level: 'info' | 'warn' | 'error' | 'debug') =>
    (message: string | Error, err?: Error): void => {
      if (message instanceof Error) logger[level]({ err: message }, message.message);
      else if (err) logger[level]({ err }, message);
      else logger[level](message);
    };
  return { info: log('info'), warn: log('warn'), error: log('error'), debug: log('debug') };
}

/**
 * One node-cron task per schedule, in its zone, logging through `logger`; a fire node-cron reports as
 * missed (a blocked event loop) still runs.
 */
export function nodeCronTasks(logger: Logger): TaskFactory {
  const cronLog = cronLogger(logger.child({ component: 'node-cron' }));
  return (expression, timeZone, name, onFire) => {
    const task = cron.schedule(expression, (context) => onFire(context.date), { timezone: timeZone, name, logger: cronLog });
    task.on('execution:missed', (context) => onFire(context.date));
    return {
      stop: () => {
        void task.destroy();
      },
    };
  };
}

export interface DigestSchedulerOptions {
  bot: Bot;
  /** Missed fire times younger than this are caught up at start; default config DIGEST_GRACE_HOURS (6). */
  graceHours?: number;
  createTask?: TaskFactory;
  /** Overrides for tests: retry delays, sleep. */
  runtime?: Partial<DigestRuntime>;
  /** Called after each run (tests wait on it). */
  onRun?: (scheduleId: number, outcome: RunOutcome) => void;
  /**
   * How often the schedules are re-read from the store (changes made on other instances) and claims whose
   * lease expired are looked for; default a minute, 0 never.
   */
  reconcileMs?: number;
}

export interface DigestScheduler {
  /** Resolves when the schedules are loaded and missed fire times caught up. */
  ready: Promise<void>;
  /** Digests running now. */
  idle(): Promise<void>;
  /** Re-reads the schedules and arms, re-arms or stops tasks to match (also runs every `reconcileMs`). */
  reconcile(): Promise<void>;
  /** Re-runs claims whose lease expired without a post (also at start, every `reconcileMs` and when a held lease ends). */
  resumeAbandoned(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Loads the schedules, catches up missed fire times within the grace window, then keeps one cron task per
 * active schedule: follows /digest schedule, remove, pause and resume made here at once, and those made on
 * other instances by re-reading the store every `reconcileMs`. Each fire time is claimed in the store, so
 * every instance may arm the same schedule and it still posts once.
 */
export function startDigestScheduler(options: DigestSchedulerOptions): DigestScheduler {
  const { bot } = options;
  const rt = runtimeOf(bot, options.runtime);
  const graceMs = (options.graceHours ?? bot.config.DIGEST_GRACE_HOURS) * 3_600_000;
  rt.graceMs = graceMs;
  const createTask = options.createTask ?? nodeCronTasks(bot.logger);
  /** Armed tasks with the cron and zone they were armed with (a schedule changed elsewhere is re-armed). */
  const tasks = new Map<number, { stop(): void; cron: string; timeZone: string }>();
  const running = new Set<Promise<unknown>>();
  let stopped = false;
  let leaseTimer: NodeJS.Timeout | undefined;

  const track = (work: Promise<unknown>) => {
    running.add(work);
    void work.finally(() => running.delete(work));
  };

  const fire = (scheduleId: number, when: Date) => {
    if (stopped) return;
    track(
      (async () => {
        const schedule = await findSchedule(bot.db, scheduleId);
        if (!schedule || schedule.paused) return;
        const fireTime = canonicalFireTime(when, schedule.time_zone);
        const outcome = await runDigest(rt, schedule, fireTime);
        options.onRun?.(scheduleId, outcome);
        // held elsewhere (its holder may die) or left to be retried: look again when that lease ends
        if (outcome.status === 'retrying' || outcome.status === 'taken') await armLeaseTimer();
      })().catch((error) => bot.logger.error({ err: error, digest: scheduleId }, 'digest run crashed')),
    );
  };

  const arm = (schedule: DigestSchedule) => {
    tasks.get(schedule.id)?.stop();
    tasks.delete(schedule.id);
    if (schedule.paused || stopped) return;
    const task = createTask(schedule.cron, schedule.time_zone, `digest-${schedule.id}`, (when) => fire(schedule.id, when));
    tasks.set(schedule.id, { stop: () => task.stop(), cron: schedule.cron, timeZone: schedule.time_zone });
  };

  const disarm = (id: number) => {
    tasks.get(id)?.stop();
    tasks.delete(id);
  };

  /** The latest fire time not yet run: posted when inside the grace window, recorded as missed otherwise. */
  const catchUp = async (schedule: DigestSchedule) => {
    const now = rt.now();
    const latest = previousFireTime(schedule.cron, schedule.time_zone, now);
    if (!latest) return;
    const since = (await lastFireTime(bot.db, schedule.id)) ?? schedule.created_at;
    if (latest.toISOString() <= since) return;
    const late = now.getTime() - latest.getTime();
    const when = formatInZone(latest, schedule.time_zone);
    if (late <= graceMs) {
      bot.logger.info({ digest: schedule.id, fire_time: latest.toISOString() }, `catching up digest #${schedule.id} missed at ${when}`);
      const outcome = await runDigest(rt, schedule, latest, latest.toISOString(), { late: true });
      options.onRun?.(schedule.id, outcome);
    } else {
      const hours = (late / 3_600_000).toFixed(1);
      bot.logger.warn(
        { digest: schedule.id, fire_time: latest.toISOString() },
        `skipping digest #${schedule.id} missed at ${when}: ${hours} h ago, outside the ${graceMs / 3_600_000} h grace window (DIGEST_GRACE_HOURS)`,
      );
      await claimRun(bot.db, schedule.id, latest.toISOString(), now, 'missed');
    }
  };

  /**
   * Claims nobody holds any more (the holder died between claim and post, or left it after a transient
   * failure): each is taken over atomically by the first instance to see it and re-run inside the grace
   * window; outside it a crashed one is recorded as missed and a failing one as failed (its creator told).
   * Then a timer waits for the next lease held now to end, so a dead holder's claim is not left for long.
   */
  const resumeAbandoned = async () => {
    if (stopped) return;
    const now = rt.now();
    for (const run of await abandonedRuns(bot.db, now)) {
      if (stopped) return;
      try {
        const schedule = await findSchedule(bot.db, run.schedule_id);
        if (!schedule || schedule.paused) continue;
        const manual = isManualKey(run.fire_time);
        const fireTime = new Date(manual ? run.fire_time.slice('manual:'.length) : run.fire_time);
        const late = now.getTime() - fireTime.getTime();
        if (!manual && late <= graceMs) {
          const outcome = await resumeRun(rt, schedule, run);
          options.onRun?.(schedule.id, outcome);
          continue;
        }
        if (!(await takeOverRun(bot.db, run.id, { owner: rt.owner, leaseMs: rt.leaseMs }, now))) continue;
        const when = formatInZone(fireTime, schedule.time_zone);
        if (run.detail) {
          // it kept failing to reach the channel until the grace ran out
          const outcome = await recordFailure(
            rt,
            schedule,
            run.id,
            run.fire_time,
            run.attempts,
            `gave up after the ${graceMs / 3_600_000} h grace window: ${run.detail}`,
            run.content_hash,
          );
          options.onRun?.(schedule.id, outcome);
        } else if (manual) {
          await finishRun(
            bot.db,
            run.id,
            {
              status: 'failed',
              attempts: run.attempts,
              detail: `the bot stopped while sending this /digest send (started ${when}); run /digest send ${schedule.id} again`,
            },
            now,
          );
        } else {
          const hours = (late / 3_600_000).toFixed(1);
          bot.logger.warn(
            { digest: schedule.id, fire_time: run.fire_time },
            `digest #${schedule.id} of ${when} was claimed by ${run.claimed_by ?? 'an instance'} that stopped before posting it; ${hours} h ago, outside the ${graceMs / 3_600_000} h grace window (DIGEST_GRACE_HOURS): recorded as missed`,
          );
          await finishRun(
            bot.db,
            run.id,
            {
              status: 'missed',
              attempts: run.attempts,
              detail: `claimed by an instance that stopped before posting; not re-run after ${hours} h, outside the ${graceMs / 3_600_000} h grace window`,
            },
            now,
          );
        }
      } catch (error) {
        bot.logger.error({ err: error, digest: run.schedule_id, fire_time: run.fire_time }, 'could not resume an expired digest claim');
      }
    }
    await armLeaseTimer();
  };
  /** Looks again when the next claim held now ends: a holder that dies, or a run left to be retried. */
  const armLeaseTimer = async () => {
    if (stopped) return;
    const next = await nextLeaseExpiry(bot.db, rt.now());
    if (stopped) return;
    if (leaseTimer) clearTimeout(leaseTimer);
    leaseTimer = undefined;
    if (next !== null) {
      leaseTimer = setTimeout(() => void resumeSafely(), Math.max(0, next - rt.now().getTime()) + 100);
      leaseTimer.unref();
    }
  };
  const resumeSafely = () => {
    const work = resumeAbandoned().catch((error) => bot.logger.error({ err: error }, 'could not look for expired digest claims'));
    track(work);
    return work;
  };

  /** Follows the store: schedules created, removed, paused or resumed on any instance. */
  const reconcile = async () => {
    if (stopped) return;
    const active = await listSchedules(bot.db, { activeOnly: true });
    if (stopped) return;
    const wanted = new Set(active.map((s) => s.id));
    for (const id of [...tasks.keys()]) if (!wanted.has(id)) disarm(id);
    for (const schedule of active) {
      const armed = tasks.get(schedule.id);
      if (!armed || armed.cron !== schedule.cron || armed.timeZone !== schedule.time_zone) arm(schedule);
    }
  };
  const reconcileSafely = () => {
    const work = reconcile().catch((error) => bot.logger.error({ err: error }, 'could not re-read digest schedules'));
    track(work);
    return work;
  };
  const reconcileMs = options.reconcileMs ?? 60_000;
  const reconcileTimer =
    reconcileMs > 0
      ? setInterval(() => {
          void reconcileSafely();
          void resumeSafely();
        }, reconcileMs)
      : undefined;
  reconcileTimer?.unref();

  const unsubscribe = onScheduleChange((change) => {
    if (change.db !== bot.db || stopped) return;
    if (change.type === 'removed' || change.type === 'paused') disarm(change.id);
    else
      track(
        findSchedule(bot.db, change.id)
          .then((schedule) => schedule && arm(schedule))
          .catch((error) => bot.logger.error({ err: error, digest: change.id }, 'could not arm digest schedule')),
      );
  });

  const ready = (async () => {
    const schedules = await listSchedules(bot.db, { activeOnly: true });
    for (const schedule of schedules) arm(schedule);
    try {
      await resumeAbandoned();
    } catch (error) {
      bot.logger.error({ err: error }, 'could not look for expired digest claims');
    }
    for (const schedule of schedules) {
      try {
        await catchUp(schedule);
      } catch (error) {
        bot.logger.error({ err: error, digest: schedule.id }, 'digest catch-up failed');
      }
    }
    await armLeaseTimer().catch((error: unknown) => bot.logger.error({ err: error }, 'could not look for digest claims to resume'));
    bot.logger.info({ schedules: schedules.length }, 'digest scheduler started');
  })();
  track(ready);

  const idle = async () => {
    while (running.size) await Promise.allSettled([...running]);
  };

  return {
    ready,
    idle,
    reconcile: async () => {
      await ready;
      await reconcileSafely();
    },
    resumeAbandoned: async () => {
      await ready;
      await resumeSafely();
    },
    stop: async () => {
      stopped = true;
      if (reconcileTimer) clearInterval(reconcileTimer);
      if (leaseTimer) clearTimeout(leaseTimer);
      unsubscribe();
      for (const id of [...tasks.keys()]) disarm(id);
      await idle();
    },
  };
}
