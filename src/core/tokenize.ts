import { UserError } from './errors.ts';

export type Token = { kind: 'positional'; value: string } | { kind: 'named'; key: string; value: string | true };

const QUOTES: Record<string, string> = { '"': '"', "'": "'", '“': '”', '”': '”', '‘': '’', '’': '’', '«': '»' };

/**
 * Splits a Slack-style command line: positional words, `key=value`, `key="with spaces"`,
 * `--flag`, `--key=value`. Curly quotes count as quotes: chat clients insert them.
 */
export function tokenize(input: string): Token[] {
  const words: { text: string; quoted: boolean }[] = [];
  let i = 0;
  while (i < input.length) {
    while (i < input.length && /\s/.test(input[i]!)) i++;
    if (i >= input.length) break;
    let text = '';
    let quoted = false;
    while (i < input.length && !/\s/.test(input[i]!)) {
      const close = QUOTES[input[i]!];
      if (close) {
        const end = findClose(input, i + 1, close);
        if (end < 0) {
          throw new UserError('unclosed_quote', `A quote opened at \`${input.slice(i, i + 20)}\` is never closed.`, {
            hint: 'Close the quote, e.g. name="Spring sale".',
          });
        }
        text += input.slice(i + 1, end);
        quoted = true;
        i = end + 1;
      } else {
        text += input[i];
        i++;
      }
    }
    words.push({ text, quoted });
  }
  return words.map(toToken);
}

function findClose(input: string, from: number, close: string): number {
  for (let j = from; j < input.length; j++) {
    const c = input[j]!;
    if (c === close || (close === '”' && c === '"') || (close === '"' && c === '”') || (close === '’' && c === "'")) return j;
  }
  return -1;
}

function toToken(word: { text: string; quoted: boolean }, _index: number, _all: unknown[]): Token {
  const { text } = word;
  const flag = /^--([A-Za-z][\w-]*)(?:=(.*))?$/s.exec(text);
  if (flag) return { kind: 'named', key: normalizeKey(flag[1]!), value: flag[2] ?? true };
  const named = /^([A-Za-z][\w-]*)=(.*)$/s.exec(text);
  if (named) return { kind: 'named', key: normalizeKey(named[1]!), value: named[2]! };
  return { kind: 'positional', value: text };
}

/** `As-Of` and `as_of` name the same option. */
export function normalizeKey(key: string): string {
  return key.toLowerCase().replace(/-/g, '_');
}
