import { UserError } from '../core/errors.ts';
import { didYouMean } from '../core/suggest.ts';
import type { SourceDefinition } from './definition.ts';
import { freshnessLine, inputFreshness, type InputFreshness } from './freshness.ts';
import { runSourceSync, type SourceHost, type SourceRunOptions } from './run.ts';
import { runKey } from './runs.ts';

/** digest_schedules.refresh as a list of names. */
export function refreshNames(stored: string | null | undefined): string[] {
  return (stored ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** `refresh=shop_orders,ad_spend` checked against the defined sources; unknown names get a suggestion. */
export function parseRefresh(text: string, sources: readonly SourceDefinition[]): string[] {
  const names = [...new Set(refreshNames(text))];
  const known = sources.map((s) => s.name);
  if (!names.length)
    throw new UserError('bad_refresh', 'refresh= names no source.', {
      hint: known.length ? `Give source names, comma-separated, e.g. refresh=${known.slice(0, 2).join(',')}.` : 'Leave refresh= out.',
    });
  const unknown = names.filter((name) => !known.includes(name));
  if (unknown.length) {
    const first = unknown[0]!;
    throw new UserError(
      'unknown_source',
      `${unknown.map((n) => `\`${n}\``).join(', ')} ${unknown.length === 1 ? 'is not a source' : 'are not sources'} defined in SOURCES_FILE.${didYouMean(first, known)}`,
      {
        hint: known.length
          ? `The sources are ${known.join(', ')} (/source list).`
          : 'No sources are defined: add them to SOURCES_FILE (README: Connect your data) and restart the bot.',
      },
    );
  }
  return names;
}

export interface RefreshedSource {
  source: string;
  status: 'done' | 'failed' | 'taken' | 'unknown';
  rows?: number;
  problem?: string;
}

export interface DigestInputs {
  refreshed: RefreshedSource[];
  freshness: InputFreshness[];
  /** The freshness line and one line per refresh that did not work, for the digest's notes. */
  notes: string[];
}

/**
 * Before a digest is built: syncs each source its schedule names (in order; a failure does not stop the
 * digest, it is mentioned), then says how fresh each input is. Null when the schedule names no source and no
 * source is defined (the digest then reads as before).
 */
export async function refreshDigestInputs(
  bot: SourceHost,
  sources: readonly SourceDefinition[],
  digest: { id: number; refresh: string | null; time_zone: string },
  fireKey: string,
  options: Pick<SourceRunOptions, 'sync' | 'notices'> = {},
): Promise<DigestInputs | null> {
  const names = refreshNames(digest.refresh);
  if (!names.length && !sources.length) return null;
  const refreshed: RefreshedSource[] = [];
  const notes: string[] = [];
  for (const name of names) {
    const definition = sources.find((s) => s.name === name);
    if (!definition) {
      refreshed.push({ source: name, status: 'unknown' });
      notes.push(`${name} was not synced: it is no longer defined in SOURCES_FILE (/digest edit to change refresh=).`);
      continue;
    }
    const outcome = await runSourceSync(bot, name, 'digest', bot.now(), {
      ...options,
      definition,
      key: runKey('digest', fireKey, digest.id),
    });
    if (outcome.status === 'done') refreshed.push({ source: name, status: 'done', rows: outcome.outcome.rows });
    else if (outcome.status === 'taken') refreshed.push({ source: name, status: 'taken' });
    else {
      refreshed.push({ source: name, status: 'failed', problem: outcome.problem });
      notes.push(`${name} could not be synced (${outcome.problem.replace(/\.$/, '')}): this digest uses its data from the last good sync.`);
    }
  }
  const freshness = await inputFreshness(bot.db, sources, names);
  return { refreshed, freshness, notes: [freshnessLine(freshness, bot.now(), digest.time_zone), ...notes] };
}

/**
 * The digest runtime's `inputs` hook over the host's sources (the Bot's, or a command context's):
 * startDigestScheduler({ bot, runtime: { inputs: digestInputsHook(bot) } }).
 */
export function digestInputsHook(
  host: SourceHost,
  options: Pick<SourceRunOptions, 'sync' | 'notices'> = {},
): (schedule: { id: number; refresh: string | null; time_zone: string }, key: string) => Promise<DigestInputs | null> {
  return (schedule, key) => refreshDigestInputs(host, host.sources, schedule, key, options);
}
