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
