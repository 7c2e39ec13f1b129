import { closest, distance } from 'fastest-levenshtein';

/** The nearest known name to a typo, when it is near enough to be a plausible slip. */
export function nearest(input: string, known: readonly string[]): string | undefined {
  if (known.length === 0) return undefined;
  const lower = input.toLowerCase();
  const prefix = known.find((name) => name.startsWith(lower) || lower.startsWith(name));
  if (prefix && lower.length >= 2) return prefix;
  const best = closest(lower, known as string[]);
  return distance(lower, best) <= Math.max(lower.length > 2 ? 2 : 1, Math.floor(best.length / 3)) ? best : undefined;
}

export function didYouMean(input: string, known: readonly string[]): string {
  const match = nearest(input, known);
  return match ? ` Did you mean \`${match}\`?` : '';
}

/**
 * Up to `count` known names near enough to `input` to be what was meant, nearest first. Names are
 * compared by `key` (e.g. lower case without spaces): a prefix either way, or within a third of
 * the name's length in edits.
 */
export function nearestFew(
  input: string,
  known: readonly string[],
  count = 3,
  key: (name: string) => string = (n) => n.toLowerCase(),
): string[] {
  const wanted = key(input);
  if (wanted === '') return [];
  const scored = [...new Set(known)].map((name) => {
    const k = key(name);
    const prefix = wanted.length >= 2 && (k.startsWith(wanted) || wanted.startsWith(k));
    const edits = distance(wanted, k);
    return {
      name,
      score: prefix ? Math.min(edits, 1) : edits,
      near: prefix || edits <= Math.max(wanted.length > 2 ? 2 : 1, Math.floor(k.length / 3)),
    };
  });
  return scored
    .filter((s) => s.near)
    .sort((a, b) => a.score - b.score)
    .slice(0, count)
    .map((s) => s.name);
}
