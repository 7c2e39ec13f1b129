/**
 * Internal names that must not reach a reply. A snake_case word typed as an option (`as_of=`) is
 * what the user types, and the data's own names (channels and attributes as imported) are theirs.
 */
const LEAKS: [string, RegExp][] = [
  ['a snake_case identifier', /\b[a-z][a-z0-9]*_[a-z0-9_]+\b(?!=)/g],
  ['cents', /_cents\b|\bcents\b/g],
  ['doubled parentheses', /\(\(|\)\)/g],
  ['mention syntax', /<[@#!][^>]*>/g],
  [
    'a plural after one',
    /(?<![\d.,#])\b1 (customers|days|weeks|months|orders|rows|recipients|members|segments|campaigns|runs|records|seconds|hours|people|entries|sources)\b/g,
  ],
];

/** Every leak in a reply's text, except the data's own names. */
export function leaksIn(text: string, dataNames: ReadonlySet<string>): string[] {
  const found = new Set<string>();
  // `code` is what the user types or writes (an option, a file's column header): snake_case is right there
  const prose = text.replace(/`[^`\n]*`/g, '`…`');
  for (const [what, pattern] of LEAKS)
    for (const match of (what === 'a snake_case identifier' ? prose : text).matchAll(pattern))
      if (!dataNames.has(match[0])) found.add(`${what} "${match[0]}"`);
  return [...found];
}
