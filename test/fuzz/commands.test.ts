import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bot } from '../../src/core/bot.ts';
import { actionsOf } from '../../src/core/command.ts';
import type { Caller } from '../../src/core/context.ts';
import { UserError } from '../../src/core/errors.ts';
import { describeOptions } from '../../src/core/option-schema.ts';
import { parseCommandLine } from '../../src/core/parse.ts';
import type { Reply } from '../../src/core/reply.ts';
import { ROLES } from '../../src/core/roles.ts';
import { createTestBot } from '../helpers/bot.ts';
import { createTestStore, type TestStore } from '../helpers/store.ts';

const SEED = 20261125;
let store: TestStore;
let bot: Bot;

beforeAll(async () => {
  store = await createTestStore();
  bot = await createTestBot(store.db, store.dir, { now: () => new Date('2026-11-25T12:00:00Z') });
  const at = '2026-11-01T00:00:00.000Z';
  await store.db
    .insertInto('role_grants')
    .values(ROLES.map((role) => ({ platform: 'slack', user_id: `U_${role}`, role, granted_by: 'setup', granted_at: at })))
    .execute();
  await store.db
    .insertInto('customers')
    .values(
      Array.from({ length: 20 }, (_, i) => ({
        customer_id: `C${i}`,
        email: `c${i}@example.com`,
        name: `C ${i}`,
        signup_date: '2026-01-01',
        country: 'US',
        acquisition_channel: 'organic',
        consent: 1,
        created_at: at,
        updated_at: at,
      })),
    )
    .execute();
  await store.db
    .insertInto('orders')
    .values(
      Array.from({ length: 60 }, (_, i) => ({
        order_id: `O${i}`,
        customer_id: `C${i % 20}`,
        order_date: `2026-0${1 + (i % 9)}-1${i % 10}`,
        gross_cents: 1000 + i,
        net_cents: 900 + i,
        currency: 'USD',
        lines: 1,
        is_purchase: 1,
        updated_at: at,
      })),
    )
    .execute();
});
afterAll(async () => store.close());

/** The contract for any input: a reply, ok or a user error with a message; never an internal error. */
function expectAnswer(reply: Reply, input: string): void {
  if (reply.ok) return;
  const error = (reply.data as { error: { code: string; message: string } }).error;
  expect(error.code, `internal error for ${JSON.stringify(input)}: ${error.message}`).not.toBe('internal_error');
  expect(error.message.trim().length, JSON.stringify(input)).toBeGreaterThan(0);
  expect(reply.view.text?.trim().length ?? 0).toBeGreaterThan(0);
}

const nasty = fc.constantFrom(
  '',
  ' ',
  '"',
  "'",
  '“',
  '”',
  '«',
  '=',
  '==',
  '--',
  '-',
  '—',
  '\\',
  '\u0000',
  '\u202e',
  '\ufeff',
  '\r\n',
  '\t',
  '😀',
  '👩‍👩‍👧',
  'NaN',
  'Infinity',
  '-1',
  '0',
  '1e309',
  '9'.repeat(40),
  '2026-02-30',
  '2026-13-01',
  '0000-00-00',
  '1970-01-01',
  '99%',
  '-5%',
  '10d',
  '0d',
  'true',
  'false',
  '<@U123>',
  '<@U123|jane>',
  '#general',
  '<#C123|general>',
  '../../etc/passwd',
  '/dev/zero',
  'file:///etc/passwd',
  'http://127.0.0.1:1/x.csv',
  "=cmd|' /C calc'!A0",
  '@SUM(1+1)',
  "'; DROP TABLE customers; --",
  '%s%s%n',
  '${process.exit()}',
  '__proto__',
  'constructor',
  'x'.repeat(5000),
);

const value = fc.oneof(
  nasty,
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc.integer().map(String),
  fc.double().map(String),
);
const quoted = fc.oneof(
  { weight: 6, arbitrary: value },
  { weight: 2, arbitrary: value.map((v) => `"${v}"`) },
  { weight: 1, arbitrary: value.map((v) => `“${v}”`) },
  { weight: 1, arbitrary: value.map((v) => `"${v}`) },
);

/** Lines shaped like commands: a real or near-miss command, a subcommand, real or random option names, odd values. */
function commandLine(names: string[], options: Map<string, { subs: string[]; keys: string[] }>): fc.Arbitrary<string> {
  return fc
    .tuple(
      fc.oneof(
        { weight: 6, arbitrary: fc.constantFrom(...names) },
        { weight: 1, arbitrary: fc.string({ maxLength: 10 }) },
        { weight: 1, arbitrary: fc.constantFrom(...names).map((n) => n.toUpperCase()) },
      ),
      fc.nat(),
      fc.array(fc.tuple(fc.nat(), fc.oneof(fc.constant('named'), fc.constant('positional'), fc.constant('flag')), quoted), {
        maxLength: 6,
      }),
      fc.oneof({ weight: 8, arbitrary: fc.constant('/') }, { weight: 1, arbitrary: fc.constantFrom('', '//', ' /') }),
    )
    .map(([name, subIndex, tokens, slash]) => {
      const spec = options.get(name);
      const sub = spec && spec.subs.length ? [spec.subs[subIndex % spec.subs.length]!] : [];
      const words = tokens.map(([k, kind, v]) => {
        const key = spec && spec.keys.length && k % 4 !== 0 ? spec.keys[k % spec.keys.length]! : `opt${k % 3}`;
        return kind === 'named' ? `${key}=${v}` : kind === 'flag' ? `--${key}` : v;
      });
      return `${slash}${[name, ...sub, ...words].join(' ')}`;
    });
}

describe('random and malformed command lines', () => {
  it('the parser throws only user errors, with a message', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 200 }),
          fc.string({ unit: 'binary', maxLength: 200 }),
          fc.string({ maxLength: 50 }).map((s) => `/${s}`),
        ),
        (line) => {
          try {
            parseCommandLine(bot.registry, line);
          } catch (error) {
            expect(error).toBeInstanceOf(UserError);
            expect((error as UserError).message.length).toBeGreaterThan(0);
          }
        },
      ),
      { seed: SEED, numRuns: 1000 },
    );
  });

  it('the bot answers arbitrary text with ok or a clear user error, never an internal error or a throw', async () => {
    const caller: Caller = { platform: 'slack', userId: 'U_analyst', channelId: 'C1' };
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ maxLength: 120 }),
          fc.string({ unit: 'binary', maxLength: 120 }),
          fc.string({ unit: 'grapheme', maxLength: 40 }),
        ),
        async (text) => {
          expectAnswer(await bot.execute({ caller, text }), text);
        },
      ),
      { seed: SEED, numRuns: 400 },
    );
  });

  it('command-shaped lines for every command, as every role: never an internal error', async () => {
    const names = bot.registry.names();
    const options = new Map(
      bot.registry.all().map((c) => [
        c.name,
        {
          subs: (c.subcommands ?? []).map((s) => s.name!),
          keys: [...new Set(actionsOf(c).flatMap((a) => describeOptions(a.action.options).map((o) => o.name)))],
        },
      ]),
    );
    const roles = fc.constantFrom<Caller>(...ROLES.map((role) => ({ platform: 'slack' as const, userId: `U_${role}`, channelId: 'C1' })), {
      platform: 'console',
      userId: 'local',
      channelId: 'console',
    });
    let ran = 0;
    await fc.assert(
      fc.asyncProperty(commandLine(names, options), roles, async (text, caller) => {
        const reply = await bot.execute({ caller, text });
        if (reply.ok) ran++;
        expectAnswer(reply, text);
      }),
      { seed: SEED, numRuns: 600 },
    );
    expect(ran).toBeGreaterThan(0);
  }, 120_000);

  it('every documented example, mutated (a value replaced, a word dropped or doubled), as an admin: never an internal error', async () => {
    const examples = bot.registry.all().flatMap((c) => actionsOf(c).flatMap((a) => a.action.examples ?? []));
    expect(examples.length).toBeGreaterThan(20);
    const mutated = fc
      .tuple(fc.constantFrom(...examples), fc.nat(), fc.constantFrom('replace', 'value', 'drop', 'double', 'keep'), quoted)
      .map(([example, at, how, v]) => {
        const words = example.split(' ');
        const i = 1 + (at % Math.max(1, words.length - 1));
        const word = words[i] ?? '';
        if (how === 'replace') words[i] = v;
        else if (how === 'value') words[i] = word.includes('=') ? `${word.split('=')[0]}=${v}` : v;
        else if (how === 'drop') words.splice(i, 1);
        else if (how === 'double') words.splice(i, 0, word);
        return words.join(' ');
      });
    const admin: Caller = { platform: 'console', userId: 'local', channelId: 'console' };
    const outcomes = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(mutated, async (text) => {
        const reply = await bot.execute({ caller: admin, text });
        const key = reply.ok ? 'ok' : (reply.data as { error: { code: string } }).error.code;
        outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
        expectAnswer(reply, text);
      }),
      { seed: SEED, numRuns: 250 },
    );
    expect(outcomes.get('ok') ?? 0, JSON.stringify(Object.fromEntries(outcomes))).toBeGreaterThan(25);
  }, 300_000);

  it('structured invocations (Discord options, buttons) with wrong types: never an internal error', async () => {
    const caller: Caller = { platform: 'discord', userId: 'D1', channelId: 'C1' };
    const admin: Caller = { platform: 'console', userId: 'local' };
    const anyValue = fc.oneof(
      fc.string({ maxLength: 20 }),
      fc.integer(),
      fc.double(),
      fc.boolean(),
      fc.constant(null),
      fc.array(fc.integer(), { maxLength: 3 }),
      fc.object({ maxDepth: 1 }),
    );
    const invocation = fc.tuple(
      fc.constantFrom(...bot.registry.names(), 'nope'),
      fc.option(fc.string({ maxLength: 10 })),
      fc.dictionary(fc.string({ maxLength: 8 }), anyValue, { maxKeys: 4 }),
      fc.boolean(),
    );
    await fc.assert(
      fc.asyncProperty(invocation, async ([command, subcommand, opts, asAdmin]) => {
        const cmd = bot.registry.names().includes(command) ? bot.registry.get(command) : undefined;
        const sub =
          cmd?.subcommands && subcommand === null
            ? cmd.subcommands[opts ? Object.keys(opts).length % cmd.subcommands.length : 0]!.name
            : (subcommand ?? undefined);
        const reply = await bot.execute({ caller: asAdmin ? admin : caller, command, ...(sub ? { subcommand: sub } : {}), options: opts });
        expectAnswer(reply, JSON.stringify({ command, sub, opts }));
      }),
      { seed: SEED, numRuns: 400 },
    );
  }, 120_000);
});
