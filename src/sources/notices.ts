import { plural } from '../core/format.ts';
import type { Kysely } from 'kysely';
import { discordEnabled, slackEnabled, type Config } from '../config/config.ts';
import type { Notifier, Platform } from '../core/context.ts';
import { reply } from '../core/reply.ts';
import { formatInZone } from '../core/time-zone.ts';
import { deliverWithRetry, type RetryOptions, type Sleep } from '../digests/delivery.ts';
import type { Logger } from '../logger.ts';
import type { Database } from '../store/schema.ts';
import type { SourceDefinition } from './definition.ts';
import type { SourceTrigger } from './runs.ts';

/** What posting a notice needs: the store, the config, the bot's notifier and logs. */
export interface NoticeDeps {
  db: Kysely<Database>;
  config: Config;
  notify: Notifier;
  logger: Logger;
  retry?: RetryOptions;
  sleep?: Sleep;
}

/**
 * ADMIN_CHANNEL as a notifier target: `slack:C0123`, `discord:1122…` or a bare id, which goes to the
 * platform running (Slack first, then Discord, else the console). Null when unset.
 */
export function adminChannel(config: Config): { platform: Platform; channelId: string } | null {
  const value = config.ADMIN_CHANNEL;
  if (!value) return null;
  const match = /^(?:(slack|discord|console):)?#?(.+)$/.exec(value)!;
  const platform: Platform =
    (match[1] as Platform | undefined) ?? (slackEnabled(config) ? 'slack' : discordEnabled(config) ? 'discord' : 'console');
  return { platform, channelId: match[2]! };
}

const TRIGGER_WORDS: Record<SourceTrigger, string> = {
  schedule: 'scheduled sync',
  digest: 'sync before a digest',
  command: 'sync asked for with /source sync',
};

/** "2 h 15 min", "3 days 4 h", "5 min". */
export function spell(fromIso: string, to: Date): string {
  const minutes = Math.max(0, Math.round((to.getTime() - Date.parse(fromIso)) / 60_000));
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const mins = minutes % 60;
  if (days) return `${days} ${plural(days, 'day')}${hours ? ` ${hours} h` : ''}`;
  if (hours) return `${hours} h${mins ? ` ${mins} min` : ''}`;
  return `${mins} min`;
}

async function post(deps: NoticeDeps, what: string, message: ReturnType<typeof reply>): Promise<{ posted: boolean; logged: boolean }> {
  const target = adminChannel(deps.config);
  if (!target) {
    deps.logger.warn({ notice: message.data }, `${what} (set ADMIN_CHANNEL to have this posted to a channel): ${message.view.text ?? ''}`);
    return { posted: false, logged: true };
  }
  const delivery = await deliverWithRetry(deps.notify, target, message, deps.retry, deps.sleep);
  if (!delivery.ok) {
    deps.logger.error(
      { target, attempts: delivery.attempts, notice: message.data },
      `could not post to ADMIN_CHANNEL ${target.platform}:${target.channelId} (${delivery.error}): ${what}`,
    );
    return { posted: false, logged: false };
  }
  return { posted: true, logged: false };
}

export interface FailureNotice {
  definition: SourceDefinition | undefined;
  source: string;
  trigger: SourceTrigger;
  problem: string;
  hint?: string;
  failingSince: string;
  lastSuccessAt: string | null;
}

/**
 * The first failure of a spell, told once: failure_posted_at is set by one conditional UPDATE (so of several
 * instances failing at once, one posts); a post that could not be delivered clears it again, so the next
 * failure tries again. Without ADMIN_CHANNEL the notice is a warning in the log, once.
 */
export async function noticeFailure(
  deps: NoticeDeps,
  notice: FailureNotice,
  now: Date,
): Promise<'posted' | 'logged' | 'already' | 'undelivered'> {
  const at = now.toISOString();
  const claimed = await deps.db
    .updateTable('source_state')
    .set({ failure_posted_at: at })
    .where('name', '=', notice.source)
    .where('failing_since', 'is not', null)
    .where('failure_posted_at', 'is', null)
    .executeTakeFirst();
  if (Number(claimed.numUpdatedRows) !== 1) return 'already';
  const zone = deps.config.BUSINESS_TZ;
  const def = notice.definition;
  const what = def
    ? ` (${def.kind} from ${def.type === 'url' ? 'a URL' : def.type === 'directory' ? 'a folder' : `a ${def.type} database`})`
    : '';
  const kept = notice.lastSuccessAt
    ? `The data of the last good sync (${formatInZone(new Date(notice.lastSuccessAt), zone)}) is kept and used meanwhile.`
    : 'It has never synced, so none of its data is in the store yet.';
  const message = reply(
    {
      source_failing: {
        source: notice.source,
        trigger: notice.trigger,
        problem: notice.problem,
        failing_since: notice.failingSince,
        last_success_at: notice.lastSuccessAt,
      },
    },
    {
      title: `Data source ${notice.source} is failing`,
      text: `The ${TRIGGER_WORDS[notice.trigger]} of *${notice.source}*${what} failed: ${notice.problem}\nFailing since ${formatInZone(new Date(notice.failingSince), zone)}. ${kept}`,
      notes: [
        notice.hint ??
          `Check the source in SOURCES_FILE and the credentials it reads from the environment, then try /source sync ${notice.source}.`,
        'This is posted once per failing spell; the next sync that works says so here.',
      ],
      buttons: [{ label: 'Sync now', command: `/source sync ${notice.source}` }],
    },
  );
  const result = await post(deps, `data source ${notice.source} is failing`, message);
  if (result.posted || result.logged) return result.posted ? 'posted' : 'logged';
  await deps.db
    .updateTable('source_state')
    .set({ failure_posted_at: null })
    .where('name', '=', notice.source)
    .where('failure_posted_at', '=', at)
    .execute();
  return 'undelivered';
}

/** "Recovered" after a failing spell, with how long it lasted. */
export async function noticeRecovery(
  deps: NoticeDeps,
  recovery: { source: string; failingSince: string; rows: number; summary: string },
  now: Date,
): Promise<'posted' | 'logged' | 'undelivered'> {
  const lasted = spell(recovery.failingSince, now);
  const message = reply(
    {
      source_recovered: {
        source: recovery.source,
        failing_since: recovery.failingSince,
        recovered_at: now.toISOString(),
        rows: recovery.rows,
      },
    },
    {
      title: `Data source ${recovery.source} recovered`,
      text: `*${recovery.source}* synced again after failing for ${lasted} (since ${formatInZone(new Date(recovery.failingSince), deps.config.BUSINESS_TZ)}): ${recovery.rows} ${plural(recovery.rows, 'row')} read.`,
    },
  );
  const result = await post(deps, `data source ${recovery.source} recovered`, message);
  return result.posted ? 'posted' : result.logged ? 'logged' : 'undelivered';
}
