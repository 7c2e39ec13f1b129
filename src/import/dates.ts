import { UserError } from '../core/errors.ts';

/** A parsed date: `YYYY-MM-DD`, or `YYYY-MM-DDTHH:MM:SS.000Z` when the value has a time. */
export type DateParser = (text: string) => string | null;

const TOKENS: Record<string, { pattern: string; part: 'year' | 'month' | 'day' | 'hour' | 'minute' | 'second' }> = {
  YYYY: { pattern: '(\\d{4})', part: 'year' },
  MM: { pattern: '(\\d{2})', part: 'month' },
  M: { pattern: '(\\d{1,2})', part: 'month' },
  DD: { pattern: '(\\d{2})', part: 'day' },
  D: { pattern: '(\\d{1,2})', part: 'day' },
  HH: { pattern: '(\\d{2})', part: 'hour' },
  H: { pattern: '(\\d{1,2})', part: 'hour' },
  mm: { pattern: '(\\d{2})', part: 'minute' },
  ss: { pattern: '(\\d{2})', part: 'second' },
};
const TOKEN_RE = /YYYY|MM|M|DD|D|HH|H|mm|ss/g;

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

function build(
  year: number,
  month: number,
  day: number,
  time?: { hour: number; minute: number; second: number; ms?: number; zone?: string },
): string | null {
  if (month < 1 || month > 12 || day < 1) return null;
  const probe = new Date(Date.UTC(year, month - 1, day));
  if (probe.getUTCDate() !== day || probe.getUTCMonth() !== month - 1 || year < 1000) return null;
  if (!time) return probe.toISOString().slice(0, 10);
  if (time.hour > 23 || time.minute > 59 || time.second > 59) return null;
  let ms = Date.UTC(year, month - 1, day, time.hour, time.minute, time.second, time.ms ?? 0);
  if (time.zone && time.zone !== 'Z') {
    const sign = time.zone.startsWith('-') ? -1 : 1;
    const digits = time.zone.slice(1).replace(':', '');
    ms -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4))) * 60_000;
  }
  return new Date(ms).toISOString();
}

function parseIso(text: string): string | null {
  const m = ISO.exec(text);
  if (!m) return null;
  if (m[4] === undefined) return build(Number(m[1]), Number(m[2]), Number(m[3]));
  return build(Number(m[1]), Number(m[2]), Number(m[3]), {
    hour: Number(m[4]),
    minute: Number(m[5]),
    second: Number(m[6] ?? 0),
    ms: m[7] ? Math.round(Number(m[7]) * 1000) : 0,
    zone: m[8],
  });
}

/** Files repeat the same dates over and over: remember recent answers. */
function cached(parse: DateParser): DateParser {
  let cache = new Map<string, string | null>();
  return (text) => {
    let result = cache.get(text);
    if (result === undefined) {
      if (cache.size >= 50_000) cache = new Map();
      result = parse(text);
      cache.set(text, result);
    }
    return result;
  };
}

/** ISO dates by default; `date_format=DD/MM/YYYY`, `MM/DD/YYYY HH:mm`, `YYYYMMDD`... otherwise. */
export function dateParser(format?: string): DateParser {
  return cached(uncachedParser(format));
}

function uncachedParser(format?: string): DateParser {
  if (!format) return parseIso;
  const parts: (typeof TOKENS)[string]['part'][] = [];
  let pattern = '';
  let last = 0;
  for (const match of format.matchAll(TOKEN_RE)) {
    pattern += escape(format.slice(last, match.index)) + TOKENS[match[0]]!.pattern;
    parts.push(TOKENS[match[0]]!.part);
    last = match.index! + match[0].length;
  }
  pattern += escape(format.slice(last));
  if (!parts.includes('year') || !parts.includes('month') || !parts.includes('day')) {
    throw new UserError('invalid_date_format', `\`date_format=${format}\` needs a year (YYYY), a month (MM or M) and a day (DD or D).`, {
      hint: 'Tokens: YYYY MM M DD D HH H mm ss, e.g. date_format=DD/MM/YYYY or date_format="MM/DD/YYYY HH:mm".',
    });
  }
  const regex = new RegExp(`^${pattern}$`);
  const hasTime = parts.includes('hour');
  return (text) => {
    const m = regex.exec(text);
    if (!m) return null;
    const value = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
    parts.forEach((part, i) => {
      value[part] = Number(m[i + 1]);
    });
    return build(value.year, value.month, value.day, hasTime ? value : undefined);
  };
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
