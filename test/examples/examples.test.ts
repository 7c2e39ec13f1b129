import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leaksIn } from '../helpers/leaks.ts';
import { renderText } from '../../adapters/console/render.ts';
import { loadCommands } from '../../commands/index.ts';
import type { Bot } from '../../src/core/bot.ts';
import { actionsOf } from '../../src/core/command.ts';
import { parseCommandLine } from '../../src/core/parse.ts';
import { CommandRegistry } from '../../src/core/registry.ts';
import { createTestBot } from '../helpers/bot.ts';
import { createTestStore, type TestStore } from '../helpers/store.ts';
import { loadSources } from '../../src/sources/config.ts';
import type { Kysely } from 'kysely';
import type { Database } from '../../src/store/schema.ts';

/*
 * Examples are tests: every command line the README shows (its code blocks, and the `printf '…' |
 * npm start` lines of the console section with their `--user`) and every command definition's
 * `examples` runs here, in a sensible order, against a fresh store loaded with examples/, through
 * the bot core and the console's renderer, as the user the README names. Each must succeed, except
 * those that need the network (an https://example.com URL); and no reply may show an internal
 * name: a snake_case identifier, `_cents`, doubled parentheses or chat mention syntax.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const README = readFileSync(path.join(root, 'README.md'), 'utf8');
/** The README's console user (`--user` defaults to `local`). */
const DEFAULT_USER = 'local';

export interface Example {
  line: string;
  user: string;
  /** Where it was found: `README` or `/segment run`'s examples. */
  from: string;
}

/** Command lines in the README: code-block lines (`growthbot> /…` or `/…`) and `printf '…' | npm start … --user x`. */
export function readmeExamples(readme: string): Example[] {
  const found: Example[] = [];
  let inBlock = false;
  for (const raw of readme.split('\n')) {
    if (raw.startsWith('```')) {
      inBlock = !inBlock;
      continue;
    }
    if (inBlock) {
      const line = raw.replace(/^growthbot>\s*/, '').trim();
      if (line.startsWith('/')) found.push({ line, user: DEFAULT_USER, from: 'README' });
      continue;
    }
    for (const match of raw.matchAll(/`printf '([^']*)' \| npm start[^`]*`/g)) {
      const user = /--user (\S+)/.exec(match[0])?.[1] ?? DEFAULT_USER;
      for (const line of match[1]!.split('\\n')) if (line.startsWith('/')) found.push({ line, user, from: 'README' });
    }
  }
  return found;
}

/**
 * The order the examples run in, by action (or by the exact line, for one that must come later than
 * the others of its action): data first, then what reads it, then what changes it. Every action
 * with examples must be named here (a test checks it). The campaign story: Winter winback is an
 * email draft (the email channel needs SMTP settings), cancelled; Spring sale is submitted, rejected
 * for its small holdout, reopened, edited, submitted again, approved by a second person, launched.
 */
const ORDER = [
  'help',
  'home',
  'import customers',
  'import orders',
  'import spend',
  'import events',
  'import rates',
  'import products',
  'source list',
  'source test',
  'source sync',
  'segment run',
  'segment list',
  'segment show',
  'segment export',
  'segment compare',
  'clv value',
  'clv model',
  'recommend train',
  'recommend show',
  'recommend evaluate',
  'cac',
  'roi',
  'customer show',
  'campaign create',
  'campaign list',
  'campaign show',
  'campaign preview',
  'campaign submit',
  'campaign reject',
  'campaign reopen',
  'campaign edit',
  '/campaign submit "spring sale"',
  'campaign cancel',
  'campaign approve',
  'campaign launch',
  'campaign pause',
  'campaign resume',
  'campaign retry',
  'campaign report',
  'digest schedule',
  'digest list',
  'digest runs',
  'digest edit',
  'digest show',
  'digest subscribe',
  'digest unsubscribe',
  'digest preview',
  'digest send',
  'digest pause',
  'digest resume',
  'digest remove',
  'admin grant',
  'admin revoke',
  'admin roles',
  'admin repair',
  'admin permissions',
  'audit list',
  'audit export',
  'customer forget',
];

/** Approving and rejecting is a second person's job: the README's console section names bob for it. */
const SECOND_PERSON: Record<string, string> = { 'campaign approve': 'bob', 'campaign reject': 'bob' };

const needsNetwork = (line: string) => /https:\/\/example\.com\//.test(line);

/** Names that come from the imported files: channels, attribute names (the files' own columns). */
async function dataNames(db: Kysely<Database>): Promise<Set<string>> {
  const [channels, spend, attributes] = await Promise.all([
    db.selectFrom('customers').select('acquisition_channel as name').distinct().execute(),
    db.selectFrom('spend').select('channel as name').distinct().execute(),
    db.selectFrom('customer_attributes').select('name').distinct().execute(),
  ]);
  return new Set([...channels, ...spend, ...attributes].map((r) => String(r.name)));
}

/** Where an example runs: its own line's place in ORDER, else its action's. */
function rank(example: { line: string; path: string }): number {
  const own = ORDER.indexOf(example.line);
  return own >= 0 ? own : ORDER.indexOf(example.path);
}

let store: TestStore;
let bot: Bot;
let examples: (Example & { path: string })[] = [];

beforeAll(async () => {
  store = await createTestStore();
  bot = await createTestBot(store.db, store.dir, {
    now: () => new Date('2026-11-24T09:00:00Z'),
    env: { REPORTING_CURRENCY: 'USD' },
    sources: loadSources(path.join(root, 'examples', 'sources.yaml'), process.env),
  });
  const registry = new CommandRegistry(await loadCommands());
  const all: Example[] = readmeExamples(README);
  for (const command of registry.all())
    for (const { path: name, action } of actionsOf(command))
      for (const line of action.examples ?? []) all.push({ line, user: SECOND_PERSON[name] ?? DEFAULT_USER, from: `/${name}` });
  const seen = new Set<string>();
  for (const example of all) {
    const key = `${example.user} ${example.line}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const parsed = parseCommandLine(registry, example.line);
    examples.push({ ...example, path: parsed.path });
  }
  examples = examples
    .map((example, index) => ({ example, index }))
    .sort((a, b) => rank(a.example) - rank(b.example) || a.index - b.index)
    .map(({ example }) => example);
});
afterAll(async () => {
  await store?.close();
});

describe('examples', () => {
  it('names every action with examples in the run order', () => {
    expect(examples.filter((e) => !ORDER.includes(e.path)).map((e) => e.line)).toEqual([]);
  });

  it('runs every README and command example on the demo data, in order, as the README user; no reply shows an internal name', async () => {
    const failures: string[] = [];
    const leaks: string[] = [];
    process.chdir(root);
    // the sources' names are the admin's, as a channel's are the data's
    const sourceNames = bot.sources.map((s) => s.name);
    let names = new Set<string>(sourceNames);
    for (const example of examples) {
      const started = performance.now();
      const reply = await bot.execute({ caller: { platform: 'console', userId: example.user, channelId: 'console' }, text: example.line });
      const text = renderText(reply);
      const ms = Math.round(performance.now() - started);
      if (ms > 10_000) failures.push(`${example.line}: took ${ms} ms (keep every example quick)`);
      if (!reply.ok && !needsNetwork(example.line)) failures.push(`${example.line} (${example.from}, as ${example.user}):\n${text}`);
      if (example.path.startsWith('import ')) names = new Set([...(await dataNames(store.db)), ...sourceNames]);
      for (const leak of leaksIn(text, names)) leaks.push(`${example.line}: ${leak}`);
    }
    expect(failures).toEqual([]);
    expect(leaks).toEqual([]);
  });

  const as = (userId: string) => ({ platform: 'console' as const, userId, channelId: 'console' });
  const say = async (line: string, user = DEFAULT_USER) => {
    const reply = await bot.execute({ caller: as(user), text: line });
    return { ok: reply.ok, text: renderText(reply) };
  };

  it('resolves names forgivingly and lists the nearest and the valid ones for an unknown name', async () => {
    expect((await say('/segment show AT_RISK')).text).toContain('Segment #');
    expect((await say('/cac channel="Google Ads" period=2026-10')).ok).toBe(true);
    expect((await say('/campaign show SPRING-SALE')).text).toContain('Spring sale');

    const segment = await say('/segment show champs');
    expect(segment.ok).toBe(false);
    expect(segment.text).toContain('No segment `champs`. Did you mean “Champions”?');
    expect(segment.text).toMatch(/Segments of the latest run #4: Typical customers \(#\d+\), /);

    const channel = await say('/cac channel=paid_search period=2026-10');
    expect(channel.text).toContain('No channel `paid_search`.');
    expect(channel.text).toContain('Channels in the data: email, facebook, google_ads, organic, referral.');
    expect((await say('/roi channel=goggle_ads')).text).toContain('Did you mean “google_ads”?');

    const campaign = await say('/campaign show "Sprng sale"');
    expect(campaign.text).toContain('Did you mean “Spring sale”?');
    expect(campaign.text).toContain('#2 Spring sale');

    const feature = await say('/segment run features=annual_incom,spending_score');
    expect(feature.text).toContain('No feature `annual_incom`. Did you mean “annual_income”?');
    expect(feature.text).toContain('Available features: recency, frequency, monetary, tenure, aov, age, annual_income, spending_score.');
  });

  it('/help of every command names no internal name outside what is typed', async () => {
    const registry = new CommandRegistry(await loadCommands());
    const leaks: string[] = [];
    for (const name of registry.names())
      for (const leak of leaksIn((await say(`/help ${name}`)).text, new Set())) leaks.push(`/help ${name}: ${leak}`);
    expect(leaks).toEqual([]);
  });

  it('shows audit outcomes in words and the console names users without mention syntax', async () => {
    await say('/admin grant @viv viewer');
    const refused = await say('/segment run', 'viv');
    expect(refused.text).toContain('/segment run needs the analyst role');
    const audit = await say('/audit limit=30');
    expect(audit.text).toContain('refused: needs analyst');
    expect(audit.text).toContain('error: No segment `champs`');
    expect(audit.text).not.toMatch(/user_error|denied/);
    const granted = await say('/admin grant @viv analyst');
    expect(granted.text).toContain('viv is now analyst');
    for (const reply of [refused, audit, granted]) expect(leaksIn(reply.text, new Set())).toEqual([]);
  });
});
