import type { Config } from '../config/config.ts';
import type { Caller, Notifier } from '../core/context.ts';
import { isUserError } from '../core/errors.ts';
import { INSTANCE_ID } from '../digests/runs.ts';
import type { SourceDefinition, SyncOutcome } from './definition.ts';
import { syncSource, type SyncHost, type SyncOptions } from './sync.ts';
import { noticeFailure, noticeRecovery, type NoticeDeps } from './notices.ts';
import { claimSourceRun, finishSourceRun, runKey, type SourceTrigger } from './runs.ts';

/** What a sync and its notices need: the Bot, or a command's context (both carry these). */
export type SourceHost = SyncHost & { notify: Notifier };

/** syncSource's shape (src/sources/sync.ts): imports the source and records source_state; throws a UserError on failure. */
export type SyncFn = (host: SourceHost, name: string, options: SyncOptions) => Promise<SyncOutcome>;

export type SourceRunOutcome =
  /** Another instance (or this one, woken twice) already has this fire time. */
  | { status: 'taken'; source: string; key: string }
  | { status: 'done'; source: string; key: string; run_id: number; outcome: SyncOutcome; recovered: boolean }
  | {
      status: 'failed';
      source: string;
      key: string;
      run_id: number;
      /** In plain words (a UserError's message), as recorded in source_runs.detail. */
      problem: string;
      /** The error syncSource threw: a command rethrows it. */
      error: unknown;
      /** What ADMIN_CHANNEL was told: `none` for a sync that did not run (an import of its kind holds the lock). */
      notice: 'posted' | 'logged' | 'already' | 'undelivered' | 'none';
    };

export interface SourceRunOptions {
  /** The claimed key when it is not the trigger's own (runKey): a digest's refresh names its digest. */
  key?: string;
  /** The sync to run; the real syncSource unless a test gives its own. */
  sync?: SyncFn;
  /** For the notice's wording (kind, type); looked up by name when absent. */
  definition?: SourceDefinition;
  progress?: SyncOptions['progress'];
  /** Who asked (a /source sync); default the scheduler acting for the source. */
  caller?: Caller;
  /** Overrides for tests: the notices' delivery retries. */
  notices?: Partial<Pick<NoticeDeps, 'retry' | 'sleep'>>;
}

/**
 * How long a claim is held before another instance may take it over (or record it as failed): a sync is cut
 * off after IMPORT_TIMEOUT_S, so a `running` row older than that plus a minute lost its holder.
 */
export function sourceLeaseMs(config: Config): number {
  return (config.IMPORT_TIMEOUT_S + 60) * 1_000;
}

/**
 * One sync of one source, for `trigger` at `fireTime`: claims (source, key) in source_runs first (a key another
 * instance holds: `taken`, nothing read), runs the sync, records the run's outcome, and tells ADMIN_CHANNEL once
 * per failing spell and when it recovers. Never throws for a failed sync (a scheduled sync must not crash the
 * bot); the failure is in the outcome.
 */
export async function runSourceSync(
  bot: SourceHost,
  name: string,
  trigger: SourceTrigger,
  fireTime: Date,
  options: SourceRunOptions = {},
): Promise<SourceRunOutcome> {
  const key = options.key ?? runKey(trigger, fireTime);
  const now = bot.now();
  const runId = await claimSourceRun(bot.db, { source: name, key, trigger, owner: INSTANCE_ID }, now);
  if (runId === null) {
    bot.logger.info({ source: name, fire_time: key }, 'source sync already claimed; not running it again');
    return { status: 'taken', source: name, key };
  }
  return executeSourceRun(bot, name, trigger, key, runId, now.toISOString(), options);
}

/** Runs a sync this process holds the claim of (a fresh claim, or one taken over from a stopped instance). */
export async function executeSourceRun(
  bot: SourceHost,
  name: string,
  trigger: SourceTrigger,
  key: string,
  runId: number,
  startedAt: string,
  options: SourceRunOptions = {},
): Promise<SourceRunOutcome> {
  const log = bot.logger.child({ source: name, fire_time: key, trigger });
  const sync = options.sync ?? syncSource;
  const definition = options.definition ?? definitionOf(bot, name);
  const deps: NoticeDeps = { db: bot.db, config: bot.config, notify: bot.notify, logger: bot.logger, ...options.notices };
  const before = await failingSince(bot, name);
  try {
    const outcome = await sync(bot, name, {
      trigger,
      fireTime: key,
      ...(options.progress ? { progress: options.progress } : {}),
      ...(options.caller ? { caller: options.caller } : {}),
    });
    const done = bot.now();
    // syncSource records the run itself; a sync of the test's own may not
    await finishSourceRun(bot.db, runId, { status: 'done', rows: outcome.rows, detail: outcome.summary }, done, startedAt);
    const recovered = before ? await endSpell(deps, name, before, outcome, done) : false;
    log.info({ rows: outcome.rows, recovered }, 'source synced');
    return { status: 'done', source: name, key, run_id: runId, outcome, recovered };
  } catch (error) {
    const failed = bot.now();
    const problem = isUserError(error) ? error.message : 'an unexpected error stopped it (the bot’s log has the details)';
    if (!isUserError(error)) log.error({ err: error }, 'source sync crashed');
    else log.warn({ code: error.code }, `source sync failed: ${problem}`);
    await finishSourceRun(bot.db, runId, { status: 'failed', detail: problem }, failed, startedAt).catch((e: unknown) =>
      log.error({ err: e }, 'could not record the failed source run'),
    );
    // an import of the same kind holds the lock: the source is not failing, the sync just did not run
    if (isUserError(error) && error.code === 'import_running')
      return { status: 'failed', source: name, key, run_id: runId, problem, error, notice: 'none' };
    let notice: 'posted' | 'logged' | 'already' | 'undelivered' = 'already';
    try {
      const state = await markFailing(bot, name, problem, failed);
      notice = await noticeFailure(
        deps,
        {
          definition,
          source: name,
          trigger,
          problem,
          ...(isUserError(error) && error.hint ? { hint: error.hint } : {}),
          failingSince: state.failing_since,
          lastSuccessAt: state.last_success_at,
        },
        failed,
      );
    } catch (e) {
      log.error({ err: e }, 'could not record or tell the source failure');
    }
    return { status: 'failed', source: name, key, run_id: runId, problem, error, notice };
  }
}

/**
 * Makes sure the failing spell is on record (syncSource records it; a sync that crashed before it could is
 * recorded here): last_error, and failing_since kept when already set.
 */
async function markFailing(
  bot: SourceHost,
  name: string,
  problem: string,
  now: Date,
): Promise<{ failing_since: string; last_success_at: string | null }> {
  const at = now.toISOString();
  await bot.db
    .insertInto('source_state')
    .values({ name, last_error: problem, failing_since: at, last_attempt_at: at, updated_at: at })
    .onConflict((oc) =>
      oc.column('name').doUpdateSet((eb) => ({
        last_error: problem,
        failing_since: eb.fn.coalesce('source_state.failing_since', eb.val(at)),
        updated_at: at,
      })),
    )
    .execute();
  const row = await bot.db
    .selectFrom('source_state')
    .select(['failing_since', 'last_success_at'])
    .where('name', '=', name)
    .executeTakeFirstOrThrow();
  return { failing_since: row.failing_since ?? at, last_success_at: row.last_success_at };
}

async function failingSince(host: SourceHost, name: string): Promise<string | null> {
  const row = await host.db.selectFrom('source_state').select(['failing_since']).where('name', '=', name).executeTakeFirst();
  return row?.failing_since ?? null;
}

/**
 * The first success after a failing spell (failing_since seen set before the sync) ends it and tells
 * ADMIN_CHANNEL. syncSource clears the spell on success; a sync that did not is cleared here. Two syncs of
 * one source do not overlap (an import holds its kind's lock), so one success says it.
 */
async function endSpell(deps: NoticeDeps, name: string, since: string, outcome: SyncOutcome, now: Date): Promise<boolean> {
  await deps.db
    .updateTable('source_state')
    .set({ failing_since: null, failure_posted_at: null, last_error: null, updated_at: now.toISOString() })
    .where('name', '=', name)
    .where('failing_since', '=', since)
    .execute();
  await noticeRecovery(deps, { source: name, failingSince: since, rows: outcome.rows, summary: outcome.summary }, now);
  return true;
}

function definitionOf(host: SourceHost, name: string): SourceDefinition | undefined {
  return host.sources.find((s) => s.name === name);
}
