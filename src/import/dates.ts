import { UserError } from '../core/errors.ts';
import { instantOf } from '../core/time-zone.ts';

/** A date that has the expected shape but cannot be kept, with the reason. */
export interface DateRejection {
  reason: string;
}

/**
 * A parsed date: `YYYY-MM-DD`, or `YYYY-MM-DDTHH:MM:SS.000Z` (UTC) when the value has a time (a time
 * without an offset is read in the business time zone); a DateRejection when it is out of range or
 * names a time the zone skips; null when it is not written as expected.
 */
export type DateParser = (text: string) => string | DateRejection | null;

/** Years a date may have: anything outside is a typo or a placeholder (0001-01-01, 9999-12-31). */
export const YEAR_RANGE = { min: 1900, max: 2100 } as const;
/** Real time-zone offsets run from -12:00 to +14:00. */
const MAX_OFFSET_MINUTES = 14 * 60;

const OUT_OF_RANGE: DateRejection = { reason: `date before ${YEAR_RANGE.min} or after ${YEAR_RANGE.max}` };
const BAD_OFFSET: DateRejection = { reason: 'time-zone offset outside ±14:00' };

type Part = 'year' | 'month' | 'day' | 'hour' | 'minute' | 'second';

/** Format tokens, longest first: digits exactly (`width`) or one or two (`width: 0`). */
const TOKENS: { token: string; part: Part; width: number }[] = [
  { token: 'YYYY', part: 'year', width: 4 },
  { token: 'MM', part: 'month', width: 2 },
  { token: 'M', part: 'month', width: 0 },
  { token: 'DD', part: 'day', width: 2 },
  { token: 'D', part: 'day', width: 0 },
  { token: 'HH', part: 'hour', width: 2 },
  { token: 'H', part: 'hour', width: 0 },
  { token: 'mm', part: 'minute', width: 2 },
  { token: 'ss', part: 'second', width: 2 },
];

/** Longer than any real format: a longer one is refused before it is read. */
const MAX_FORMAT_LENGTH = 64;

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
/** Longer than any ISO timestamp the pattern accepts. */
const MAX_ISO_LENGTH = 40;

interface Time {
  hour: number;
  minute: number;
  second: number;
  ms?: number;
  zone?: string;
}

const pad2 = (n: number) => String(n).padStart(2, '0');

function build(year: number, month: number, day: number, time: Time | undefined, zone: string): string | DateRejection | null {
  if (month < 1 || month > 12 || day < 1) return null;
  const probe = new Date(Date.UTC(year, month - 1, day));
  if (probe.getUTCDate() !== day || probe.getUTCMonth() !== month - 1) return null;
  if (year < YEAR_RANGE.min || year > YEAR_RANGE.max) return OUT_OF_RANGE;
  if (!time) return probe.toISOString().slice(0, 10);
  if (time.hour > 23 || time.minute > 59 || time.second > 59) return null;
  let ms = Date.UTC(year, month - 1, day, time.hour, time.minute, time.second, time.ms ?? 0);
  if (!time.zone && zone !== 'UTC') {
    const local = instantOf({ year, month, day, hour: time.hour, minute: time.minute }, zone);
    if (!local)
      return {
        reason: `${pad2(time.hour)}:${pad2(time.minute)} does not exist on that day in ${zone} (the clock skips it for daylight saving time)`,
      };
    ms = local.getTime() + time.second * 1000 + (time.ms ?? 0);
  } else if (time.zone && time.zone !== 'Z') {
    const sign = time.zone.startsWith('-') ? -1 : 1;
    const digits = time.zone.slice(1).replace(':', '');
    const hours = Number(digits.slice(0, 2));
    const minutes = Number(digits.slice(2, 4));
    if (minutes > 59) return null;
    if (hours * 60 + minutes > MAX_OFFSET_MINUTES) return BAD_OFFSET;
    ms -= sign * (hours * 60 + minutes) * 60_000;
  }
  return new Date(ms).toISOString();
}

function parseIso(text: string, zone: string): string | DateRejection | null {
  if (text.length > MAX_ISO_LENGTH) return null;
  const m = ISO.exec(text);
  if (!m) return null;
  if (m[4] === undefined) return build(Number(m[1]), Number(m[2]), Number(m[3]), undefined, zone);
  return build(
    Number(m[1]),
    Number(m[2]),
    Number(m[3]),
    {
      hour: Number(m[4]),
      minute: Number(m[5]),
      second: Number(m[6] ?? 0),
      ms: m[7] ? Math.round(Number(m[7]) * 1000) : 0,
      zone: m[8],
    },
    zone,
  );
}

/** Files repeat the same dates over and over: remember recent answers. */
function cached(parse: DateParser): DateParser {
  let cache = new Map<string, string | DateRejection | null>();
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

/**
 * ISO dates by default; `date_format=DD/MM/YYYY`, `MM/DD/YYYY HH:mm`, `YYYYMMDD`... otherwise. Times
 * without an offset are read in `zone` (BUSINESS_TZ).
 */
export function dateParser(format?: string, zone = 'UTC'): DateParser {
  return cached(format ? formatParser(format, zone) : (text) => parseIso(text, zone));
}

type Step = { literal: string } | { part: Part; width: number };

const HINT = 'Tokens: YYYY MM M DD D HH H mm ss, e.g. date_format=DD/MM/YYYY or date_format="MM/DD/YYYY HH:mm".';

function formatError(format: string, problem: string): UserError {
  const shown = format.length > 40 ? `${format.slice(0, 39)}…` : format;
  return new UserError('invalid_date_format', `\`date_format=${shown}\` ${problem}.`, { hint: HINT });
}

/** Splits a format into tokens and literal text, left to right, one pass. */
function tokenizeFormat(format: string): Step[] {
  if (format.length > MAX_FORMAT_LENGTH)
    throw formatError(format, `is ${format.length} characters long; a date format has at most ${MAX_FORMAT_LENGTH}`);
  const steps: Step[] = [];
  const seen = new Set<Part>();
  let i = 0;
  while (i < format.length) {
    const token = TOKENS.find((t) => format.startsWith(t.token, i));
    if (!token) {
      const last = steps[steps.length - 1];
      if (last && 'literal' in last) last.literal += format[i];
      else steps.push({ literal: format[i]! });
      i++;
      continue;
    }
    if (seen.has(token.part)) throw formatError(format, `gives the ${token.part} twice (\`${token.token}\`)`);
    seen.add(token.part);
    steps.push({ part: token.part, width: token.width });
    i += token.token.length;
  }
  if (!seen.has('year') || !seen.has('month') || !seen.has('day'))
    throw formatError(format, 'needs a year (YYYY), a month (MM or M) and a day (DD or D)');
  return steps;
}

const isDigit = (code: number) => code >= 48 && code <= 57;

/**
 * A parser for one `date_format=`: the value is read left to right against the format's steps,
 * without regular expressions or backtracking. A one-or-two-digit token (M, D, H) takes two
 * digits when two are there and the tokens right after it still get theirs, so `YYYYMD` reads
 * `2026111` as November 1st and `202611` as January 1st.
 */
function formatParser(format: string, zone: string): DateParser {
  const steps = tokenizeFormat(format);
  const hasTime = steps.some((s) => 'part' in s && s.part === 'hour');
  // Digits the number tokens right after each step need at least (up to the next literal).
  const following = steps.map((_, i) => {
    let need = 0;
    for (let k = i + 1; k < steps.length; k++) {
      const next = steps[k]!;
      if ('literal' in next) break;
      need += next.width || 1;
    }
    return need;
  });
  return (text) => {
    const value = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
    let at = 0;
    for (let i = 0; i < steps.length; i++) {
      const step = steps[i]!;
      if ('literal' in step) {
        if (!text.startsWith(step.literal, at)) return null;
        at += step.literal.length;
        continue;
      }
      let width = step.width;
      if (!width) {
        let run = 0;
        while (run < 2 + following[i]! && isDigit(text.charCodeAt(at + run))) run++;
        width = run >= 2 + following[i]! ? 2 : 1;
      }
      let number = 0;
      for (let k = 0; k < width; k++) {
        const code = text.charCodeAt(at + k);
        if (!isDigit(code)) return null;
        number = number * 10 + code - 48;
      }
      at += width;
      value[step.part] = number;
    }
    if (at !== text.length) return null;
    return build(value.year, value.month, value.day, hasTime ? value : undefined, zone);
  };
}
