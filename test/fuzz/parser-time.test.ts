import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bot } from '../../src/core/bot.ts';
import { actionsOf } from '../../src/core/command.ts';
import type { Caller } from '../../src/core/context.ts';
import { UserError } from '../../src/core/errors.ts';
import { describeOptions } from '../../src/core/option-schema.ts';
import { parseCommandLine, validateOptions } from '../../src/core/parse.ts';
import { tokenize } from '../../src/core/tokenize.ts';
import { dateParser } from '../../src/import/dates.ts';
import { mapColumns, parseMapOption } from '../../src/import/fields.ts';
import { maskEmailsIn } from '../../src/import/reply.ts';
import { normalizeEmail, parseBounded } from '../../src/import/values.ts';
import { scrub } from '../../src/logger.ts';
import { createTestBot } from '../helpers/bot.ts';
import { createTestStore, type TestStore } from '../helpers/store.ts';

/**
 * Parsers run in linear time: no 10 KB input may take 100 ms. A linear parser takes about a
 * millisecond on one, a quadratic one hundreds, a backtracking one forever. Timings are the best
 * of three runs, so a slow or busy machine does not fail the test.
 */
const SEED = 20261204;
const SIZE = 10_000;
const BOUND_MS = 100;
/** The whole command path (audit row, reply rendering) on top of the parser. */
const EXECUTE_BOUND_MS = 500;

let store: TestStore;
let bot: Bot;

beforeAll(async () => {
  store = await createTestStore();
  bot = await createTestBot(store.db, store.dir, { now: () => new Date('2026-12-04T12:00:00Z') });
});
afterAll(async () => store.close());

function bestOf3<T>(action: () => T): number {
  let best = Infinity;
  for (let i = 0; i < 3 && best >= BOUND_MS; i++) {
    const started = performance.now();
    action();
    best = Math.min(best, performance.now() - started);
  }
  return best;
}

/** Runs an input through a parser: it may refuse it with a UserError, never throw anything else, and is fast. */
function expectFastAndClean(name: string, input: string, parse: () => unknown, bound = BOUND_MS): void {
  const ms = bestOf3(() => {
    try {
      parse();
    } catch (error) {
      if (!(error instanceof UserError)) throw new Error(`${name} threw ${String(error)} on ${JSON.stringify(input.slice(0, 80))}…`);
    }
  });
  expect(ms, `${name} took ${ms.toFixed(0)} ms on ${JSON.stringify(input.slice(0, 80))}… (${input.length} chars)`).toBeLessThan(bound);
}

/** Fragments whose repetition makes naive parsers and regular expressions go super-linear. */
const FRAGMENTS = [
  'a',
  ' ',
  '"',
  "'",
  '“',
  '”',
  '«',
  '»',
  '‘',
  '=',
  'a=',
  '--',
  '--a=',
  'x="',
  '\\',
  '1',
  '0',
  '.',
  ',',
  '1,',
  '1e',
  '_',
  '-',
  'M-',
  'a@',
  'a.',
  '@a.',
  'xoxb-',
  'Bot ',
  'YYYY',
  'MD',
  'M',
  'D',
  'H:',
  ':',
  '😀',
  '\u0000',
  '\t',
  '\n',
  '\u202e',
  'é',
];
const fragment = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...FRAGMENTS) }, { weight: 1, arbitrary: fc.string({ maxLength: 8 }) });

/** 10 KB: a few random fragments, then one or two fragments repeated to the size. */
const bulk = fc.tuple(fc.array(fragment, { maxLength: 20 }), fc.array(fragment, { minLength: 1, maxLength: 2 })).map(([head, repeated]) => {
  const unit = repeated.join('') || 'a';
  const text = head.join('') + unit.repeat(Math.ceil(SIZE / unit.length));
  return text.slice(0, SIZE);
});

describe('parsers take linear time on 10 KB inputs', () => {
  it('the command tokenizer and parser, with options validated, for every command', () => {
    const paths = bot.registry.all().flatMap((c) => actionsOf(c));
    const keys = [...new Set(paths.flatMap((p) => describeOptions(p.action.options).map((o) => o.name)))];
    const line = fc
      .tuple(fc.constantFrom(...paths.map((p) => p.path)), fc.option(fc.constantFrom(...keys), { nil: undefined }), bulk)
      .map(([path, key, text]) => `${path} ${key ? `${key}=` : ''}${text}`);
    fc.assert(
      fc.property(line, (input) => {
        expectFastAndClean('tokenize', input, () => tokenize(input));
        expectFastAndClean('parseCommandLine', input, () => {
          const parsed = parseCommandLine(bot.registry, input);
          validateOptions(parsed.path, parsed.action, parsed.raw);
        });
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('the whole command path (bot.execute: parse, role check, audit, reply) answers a 10 KB line quickly', async () => {
    const caller: Caller = { platform: 'slack', userId: 'U_viewer', channelId: 'C1' };
    const line = fc
      .tuple(
        fc.constantFrom('/help ', '/import orders x.csv date_format=', '/import orders x.csv map=', '/segment ', '/nope ', '/clv as_of='),
        bulk,
      )
      .map(([prefix, text]) => prefix + text);
    await fc.assert(
      fc.asyncProperty(line, async (text) => {
        let best = Infinity;
        for (let i = 0; i < 3 && best >= EXECUTE_BOUND_MS; i++) {
          const started = performance.now();
          const reply = await bot.execute({ caller, text });
          best = Math.min(best, performance.now() - started);
          if (!reply.ok) expect((reply.data as { error: { code: string } }).error.code).not.toBe('internal_error');
        }
        expect(best, `${JSON.stringify(text.slice(0, 80))}… took ${best.toFixed(0)} ms`).toBeLessThan(EXECUTE_BOUND_MS);
      }),
      { seed: SEED + 1, numRuns: 60 },
    );
  }, 120_000);

  it('date_format= (the format and the values it reads), map= and the header mapping', () => {
    fc.assert(
      fc.property(bulk, bulk, (format, value) => {
        expectFastAndClean('dateParser(format)', format, () => dateParser(format));
        const short = format.slice(0, 60);
        let parse: ((text: string) => unknown) | undefined;
        try {
          parse = dateParser(short);
        } catch {
          parse = dateParser('YYYYMD');
        }
        expectFastAndClean('date value', value, () => parse!(value));
        expectFastAndClean('ISO date value', value, () => dateParser()(value));
        expectFastAndClean('map=', format, () => mapColumns('orders', value.split(',').slice(0, 1000), parseMapOption(format)));
      }),
      { seed: SEED + 2, numRuns: 200 },
    );
  });

  it('cell values up to the 64 KiB field limit: numbers, emails, and the masking and scrubbing of what is shown or logged', () => {
    const cell = bulk.map((text) => text.repeat(6).slice(0, 60_000));
    fc.assert(
      fc.property(cell, (text) => {
        expectFastAndClean('parseBounded', text, () => parseBounded(text));
        expectFastAndClean('normalizeEmail', text, () => normalizeEmail(text));
        expectFastAndClean('maskEmailsIn', text, () => maskEmailsIn(text));
        expectFastAndClean('scrub', text, () => scrub(text));
      }),
      { seed: SEED + 3, numRuns: 150 },
    );
  });
});
