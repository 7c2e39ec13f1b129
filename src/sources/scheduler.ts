import type { Bot } from '../core/bot.ts';
import { formatInZone } from '../core/time-zone.ts';
import { canonicalFireTime, nextFireTime, previousFireTime } from '../digests/cron.ts';
import { INSTANCE_ID } from '../digests/runs.ts';
import { nodeCronTasks, type TaskFactory } from '../digests/scheduler.ts';
import type { SourceDefinition } from './definition.ts';
import { executeSourceRun, runSourceSync, sourceLeaseMs, type SourceRunOptions, type SourceRunOutcome, type SyncFn } from './run.ts';
import { expiredSourceRuns, finishSourceRun, isScheduledKey, takeOverSourceRun, type SourceRun } from './runs.ts';

/** The zone a source's schedule is read in: its `zone`, else BUSINESS_TZ. */
export function scheduleZone(definition: SourceDefinition, businessTz: string): string {
  return definition.zone ?? businessTz;
}

/** When a source syncs next on its schedule (null: no schedule, or it never matches); for /source list. */
export function nextRun(definition: SourceDefinition, now: Date, businessTz = 'UTC'): Date | null {
  if (!definition.schedule) return null;
  return nextFireTime(definition.schedule, scheduleZone(definition, businessTz), now);
}

export interface SourceSchedulerOptions {
  bot: Bot;
  /** The sources, read again at each reconcile; default the bot's (SOURCES_FILE, loaded at start). */
  sources?: () => readonly SourceDefinition[];
  createTask?: TaskFactory;
  /** The sync to run (default the real syncSource). */
  sync?: SyncFn;
  /** A `running` claim older than this lost its holder; default IMPORT_TIMEOUT_S plus a minute. */
  leaseMs?: number;
  /** How often the sources are re-read and stopped claims looked for; default a minute, 0 never. */
  reconcileMs?: number;
  /** Called after each scheduled sync (tests wait on it). */
  onRun?: (outcome: SourceRunOutcome) => void;
  /** Overrides for tests: the notices' delivery retries. */
  notices?: SourceRunOptions['notices'];
}

export interface SourceScheduler {
  ready: Promise<void>;
  /** Syncs running now. */
  idle(): Promise<void>;
  /** Re-reads the sources and arms, re-arms or stops tasks to match. */
  reconcile(): Promise<void>;
  /** Looks for claims whose holder stopped: re-runs the latest fire time, records older ones as failed. */
  resumeAbandoned(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * One cron task per source with a `schedule`, in its zone. Each fire time is claimed in source_runs, so every
 * instance may arm the same schedule and the source still syncs once. A sync that fails is recorded and told
 * (ADMIN_CHANNEL), never thrown.
 */
export function startSourceScheduler(options: SourceSchedulerOptions): SourceScheduler {
  const { bot } = options;
  const createTask = options.createTask ?? nodeCronTasks(bot.logger);
  const sources = options.sources ?? (() => bot.sources);
  const leaseMs = options.leaseMs ?? sourceLeaseMs(bot.config);
  const tasks = new Map<string, { stop(): void; cron: string; timeZone: string }>();
  const running = new Set<Promise<unknown>>();
  let stopped = false;

  const runOptions = (definition: SourceDefinition | undefined): SourceRunOptions => ({
    ...(options.sync ? { sync: options.sync } : {}),
    ...(definition ? { definition } : {}),
    ...(options.notices ? { notices: options.notices } : {}),
  });
  const find = (name: string) => sources().find((s) => s.name === name);
  const track = (work: Promise<unknown>) => {
    running.add(work);
    void work.finally(() => running.delete(work));
  };

  const fire = (name: string, when: Date) => {
    if (stopped) return;
    track(
      (async () => {
        const definition = find(name);
        if (!definition?.schedule) return;
        const fireTime = canonicalFireTime(when, scheduleZone(definition, bot.config.BUSINESS_TZ));
        const outcome = await runSourceSync(bot, name, 'schedule', fireTime, runOptions(definition));
        options.onRun?.(outcome);
      })().catch((error) => bot.logger.error({ err: error, source: name }, 'scheduled source sync crashed')),
    );
  };

  const arm = (definition: SourceDefinition) => {
    tasks.get(definition.name)?.stop();
    tasks.delete(definition.name);
    if (!definition.schedule || stopped) return;
    const timeZone = scheduleZone(definition, bot.config.BUSINESS_TZ);
    const task = createTask(definition.schedule, timeZone, `source-${definition.name}`, (when) => fire(definition.name, when));
    tasks.set(definition.name, { stop: () => task.stop(), cron: definition.schedule, timeZone });
  };

  const reconcile = async () => {
    if (stopped) return;
    const wanted = new Map(
      sources()
        .filter((s) => s.schedule)
        .map((s) => [s.name, s]),
    );
    for (const [name, task] of [...tasks]) {
      if (!wanted.has(name)) {
        task.stop();
        tasks.delete(name);
      }
    }
    for (const definition of wanted.values()) {
      const armed = tasks.get(definition.name);
      if (!armed || armed.cron !== definition.schedule || armed.timeZone !== scheduleZone(definition, bot.config.BUSINESS_TZ))
        arm(definition);
    }
  };

  /** A claim whose holder stopped: the source's latest fire time is run again; anything older is recorded as failed. */
  const resume = async (run: SourceRun, now: Date) => {
    const definition = find(run.source);
    const zone = definition ? scheduleZone(definition, bot.config.BUSINESS_TZ) : bot.config.BUSINESS_TZ;
    const latest = definition?.schedule ? previousFireTime(definition.schedule, zone, now) : null;
    if (isScheduledKey(run.fire_time) && latest && latest.toISOString() === run.fire_time) {
      if (!(await takeOverSourceRun(bot.db, run, INSTANCE_ID, now))) return;
      bot.logger.info(
        { source: run.source, fire_time: run.fire_time, previous_holder: run.claimed_by },
        'taking over a source sync whose holder stopped',
      );
      const outcome = await executeSourceRun(bot, run.source, 'schedule', run.fire_time, run.id, now.toISOString(), runOptions(definition));
      options.onRun?.(outcome);
      return;
    }
    const detail = `the instance running it (${run.claimed_by ?? 'unknown'}) stopped before it finished, started ${formatInZone(new Date(run.started_at), zone)}; ${
      isScheduledKey(run.fire_time) ? 'not run again: a later sync is due or done' : 'not run again: sync it with /source sync'
    }`;
    if (await finishSourceRun(bot.db, run.id, { status: 'failed', detail }, now, run.started_at))
      bot.logger.warn({ source: run.source, fire_time: run.fire_time }, `source sync recorded as failed: ${detail}`);
  };

  const resumeAbandoned = async () => {
    if (stopped) return;
    const now = bot.now();
    for (const run of await expiredSourceRuns(bot.db, new Date(now.getTime() - leaseMs).toISOString())) {
      if (stopped) return;
      await resume(run, now).catch((error: unknown) =>
        bot.logger.error({ err: error, source: run.source, fire_time: run.fire_time }, 'could not resume a stopped source sync'),
      );
    }
  };

  const safely = (what: string, work: () => Promise<void>) => {
    const promise = work().catch((error: unknown) => bot.logger.error({ err: error }, what));
    track(promise);
    return promise;
  };
  const reconcileMs = options.reconcileMs ?? 60_000;
  const timer =
    reconcileMs > 0
      ? setInterval(() => {
          void safely('could not re-read the sources', reconcile);
          void safely('could not look for stopped source syncs', resumeAbandoned);
        }, reconcileMs)
      : undefined;
  timer?.unref();

  const ready = (async () => {
    await reconcile();
    await resumeAbandoned().catch((error: unknown) => bot.logger.error({ err: error }, 'could not look for stopped source syncs'));
    bot.logger.info({ scheduled: tasks.size }, 'source scheduler started');
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
      await safely('could not re-read the sources', reconcile);
    },
    resumeAbandoned: async () => {
      await ready;
      await safely('could not look for stopped source syncs', resumeAbandoned);
    },
    stop: async () => {
      stopped = true;
      if (timer) clearInterval(timer);
      for (const task of tasks.values()) task.stop();
      tasks.clear();
      await idle();
    },
  };
}
