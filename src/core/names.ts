import { UserError } from './errors.ts';
import { nearestFew } from './suggest.ts';

/**
 * Names typed in chat resolve forgivingly: case, spaces, hyphens and underscores are ignored, so
 * `at-risk`, `At Risk` and `at_risk` all find the segment "At risk" and `google ads` the channel
 * `google_ads`. Segments, segmentation runs, channels, campaigns, features and anything else named
 * by the user go through here.
 */
export function nameKey(name: string): string {
  return name
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\s_-]+/g, '');
}

/** The first candidate whose name matches `input` forgivingly, or undefined. */
export function findByName<T>(input: string, candidates: readonly T[], nameOf: (candidate: T) => string): T | undefined {
  const key = nameKey(input);
  if (key === '') return undefined;
  return candidates.find((candidate) => nameKey(nameOf(candidate)) === key);
}

export interface UnknownName {
  /** Error code, e.g. `segment_not_found`. */
  code: string;
  /** What was looked for, in words: `segment`, `channel`. */
  what: string;
  input: string;
  /** The valid names (searched for the nearest few, and shown unless `shown` is given). */
  known: readonly string[];
  /** The list shown instead of `known`, e.g. names with their ids. */
  shown?: readonly string[];
  /** How the list of valid names is introduced (default `Valid <what>s`). */
  knownLabel?: string;
  /** Said after the list (how to see more, ids work too), or alone when there is nothing to list. */
  hint?: string;
  /** Shown instead of the list when there are no valid names. */
  none?: string;
}

/** "No segment `at-risk`. Did you mean At risk?" with the valid names listed: for a name nothing matched. */
export function unknownNameError(spec: UnknownName): UserError {
  const near = nearestFew(spec.input, spec.known, 3, nameKey);
  const suggestion = near.length ? ` Did you mean ${orList(near)}?` : '';
  const shown = spec.shown ?? spec.known;
  const list = shown.length
    ? `${spec.knownLabel ?? `Valid ${spec.what}s`}: ${shown.join(', ')}.${spec.hint ? ` ${spec.hint}` : ''}`
    : (spec.none ?? spec.hint);
  return new UserError(spec.code, `No ${spec.what} \`${spec.input}\`.${suggestion}`, list ? { hint: list } : {});
}

/** Finds a candidate by name forgivingly, or throws unknownNameError listing every candidate's name. */
export function resolveByName<T>(
  input: string,
  candidates: readonly T[],
  nameOf: (candidate: T) => string,
  spec: Omit<UnknownName, 'input' | 'known'> & { known?: readonly string[] },
): T {
  const found = findByName(input, candidates, nameOf);
  if (found !== undefined) return found;
  throw unknownNameError({ ...spec, input, known: spec.known ?? [...new Set(candidates.map(nameOf))] });
}

function orList(names: string[]): string {
  const quoted = names.map((n) => `“${n}”`);
  return quoted.length === 1 ? quoted[0]! : `${quoted.slice(0, -1).join(', ')} or ${quoted.at(-1)}`;
}
