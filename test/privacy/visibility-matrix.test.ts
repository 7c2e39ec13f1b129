import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRegistry } from '../../commands/index.ts';
import { actionsOf, answersPrivately } from '../../src/core/command.ts';
import type { Bot } from '../../src/core/bot.ts';
import { run } from '../helpers/bot.ts';
import { answersTo, GROWTH_CHANNEL, startHarness as startDiscord, type Harness as DiscordHarness } from '../discord/helpers/harness.ts';
import { responseBodies, SIGNING_SECRET, startHarness as startSlack, type SlackHarness } from '../slack/helpers/slack-harness.ts';
import { postSlashCommand } from '../fakes/slack-requests.ts';

/**
 * Where every command's answer goes, on Slack and Discord, when it succeeds and when it fails:
 * public results in the channel, private ones and every error to the caller alone, and nothing of
 * an error (or a private answer) in the channel beyond a neutral line.
 */

const EXAMPLES = fileURLToPath(new URL('../../examples/', import.meta.url));
const SLACK_USER = 'U0MARKETER';
const DISCORD_USER = '1100000000000000009';
const EPHEMERAL = 64;

type Options = Record<string, string>;
interface Call {
  command: string;
  subcommand?: string;
  options?: Options;
}
interface Case {
  command: string;
  ok: Call;
  /** Null for a command nothing typed can make fail (/home takes no options). */
  fail: Call | null;
}

let customerId = '';
const CASES: Case[] = [
  { command: 'help', ok: { command: 'help' }, fail: { command: 'help', options: { command: 'nosuchcommand' } } },
  { command: 'home', ok: { command: 'home' }, fail: null },
  {
    command: 'import',
    ok: { command: 'import', subcommand: 'spend', options: { source: 'spend.csv' } },
    fail: { command: 'import', subcommand: 'orders', options: { source: 'no-such-file.csv' } },
  },
  {
    command: 'source',
    ok: { command: 'source', subcommand: 'list' },
    fail: { command: 'source', subcommand: 'sync', options: { name: 'no_such_source' } },
  },
  {
    command: 'segment',
    ok: { command: 'segment', subcommand: 'list' },
    fail: { command: 'segment', subcommand: 'show', options: { segment: 'no such segment' } },
  },
  {
    command: 'clv',
    ok: { command: 'clv', subcommand: 'value', options: { as_of: '2026-11-30' } },
    fail: { command: 'clv', subcommand: 'value', options: { customer: 'NOSUCH', as_of: '2026-11-30' } },
  },
  {
    command: 'recommend',
    ok: { command: 'recommend', subcommand: 'evaluate' },
    fail: { command: 'recommend', subcommand: 'show', options: { customer: 'NOSUCH' } },
  },
  {
    command: 'cac',
    ok: { command: 'cac', options: { from: '2026-01-01', to: '2026-11-30' } },
    fail: { command: 'cac', options: { from: '2026-11-30', to: '2026-01-01' } },
  },
  {
    command: 'roi',
    ok: { command: 'roi', options: { from: '2026-01-01', to: '2026-11-30', as_of: '2026-11-30' } },
    fail: { command: 'roi', options: { campaign: 'no such campaign', as_of: '2026-11-30' } },
  },
  {
    command: 'campaign',
    ok: { command: 'campaign', subcommand: 'list' },
    fail: { command: 'campaign', subcommand: 'show', options: { campaign: 'no such campaign' } },
  },
  {
    command: 'digest',
    ok: { command: 'digest', subcommand: 'list' },
    fail: { command: 'digest', subcommand: 'pause', options: { id: '999' } },
  },
  {
    command: 'customer',
    ok: { command: 'customer', subcommand: 'show', options: { id: '<customer>' } },
    fail: { command: 'customer', subcommand: 'show', options: { id: 'NOSUCH' } },
  },
  {
    command: 'admin',
    ok: { command: 'admin', subcommand: 'roles' },
    fail: { command: 'admin', subcommand: 'revoke', options: { user: 'nobody' } },
  },
  {
    command: 'audit',
    ok: { command: 'audit', subcommand: 'export', options: { outcome: 'refused' } },
    fail: { command: 'audit', subcommand: 'list', options: { since: '2026-13-45' } },
  },
];

function optionsOf(call: Call): Options {
  return Object.fromEntries(Object.entries(call.options ?? {}).map(([k, v]) => [k, v === '<customer>' ? customerId : v]));
}

function slackText(call: Call): string {
  const options = Object.entries(optionsOf(call)).map(([k, v]) => `${k}="${v}"`);
  return [call.subcommand, ...options].filter(Boolean).join(' ');
}

/** Whether the definition says the answer of this call is private (errors always are). */
async function definedPrivate(call: Call): Promise<boolean> {
  const registry = await loadRegistry();
  const command = registry.get(call.command);
  const action = actionsOf(command).find((a) => a.path === [call.command, call.subcommand].filter(Boolean).join(' '))!;
  return answersPrivately(action.action, optionsOf(call));
}

async function seed(bot: Bot): Promise<void> {
  for (const kind of ['customers', 'orders', 'spend']) {
    const answer = await run(bot, `/import ${kind} ${path.join(EXAMPLES, `${kind}.csv`)}`);
    expect(answer.ok, JSON.stringify(answer.view.text)).toBe(true);
  }
  const row = await bot.db.selectFrom('customers').select('customer_id').orderBy('customer_id').executeTakeFirstOrThrow();
  customerId = row.customer_id;
}

interface Seen {
  /** Texts everyone in the channel saw. */
  channel: string[];
  /** Texts only the caller saw (ephemeral answers, direct messages). */
  caller: string[];
}

/** A progress line, an acknowledgement or the neutral line: what may show in the channel for anything. */
const NEUTRAL = /^(⏳|✅ \/.+ finished \(the answer was sent to you\)|⚠️ \/.+ failed \(details sent to you\))/;
const ERROR = /⚠️|❌/;

function expectWhere(seen: Seen, expectation: { ok: boolean; private: boolean }, label: string): void {
  const substantive = seen.channel.filter((text) => !NEUTRAL.test(text));
  if (!expectation.ok) {
    expect(substantive, `${label}: nothing of an error in the channel`).toEqual([]);
    expect(
      seen.caller.some((text) => ERROR.test(text) && !NEUTRAL.test(text)),
      `${label}: the error goes to the caller`,
    ).toBe(true);
  } else if (expectation.private) {
    expect(substantive, `${label}: nothing of a private answer in the channel`).toEqual([]);
    expect(
      seen.caller.some((text) => !NEUTRAL.test(text) && !ERROR.test(text)),
      `${label}: the answer goes to the caller`,
    ).toBe(true);
  } else {
    expect(
      substantive.some((text) => !ERROR.test(text)),
      `${label}: the answer is posted in the channel`,
    ).toBe(true);
    expect(
      seen.caller.filter((text) => !NEUTRAL.test(text)),
      `${label}: nothing private`,
    ).toEqual([]);
  }
}

describe('where each command’s answer goes', () => {
  describe('Slack', () => {
    let h: SlackHarness;
    let seq = 0;
    beforeAll(async () => {
      h = await startSlack({ mode: 'http', env: { BOT_ADMINS: SLACK_USER, IMPORT_DIR: EXAMPLES } });
      await seed(h.bot);
    }, 120_000);
    afterAll(async () => h?.close());

    async function slack(call: Call): Promise<Seen> {
      const id = `m${++seq}`;
      const from = { posts: h.fake.callsTo('chat.postMessage').length, updates: h.fake.callsTo('chat.update').length };
      const ephemeralFrom = h.fake.callsTo('chat.postEphemeral').length;
      const ack = await postSlashCommand(h.baseUrl, SIGNING_SECRET, {
        command: `/${call.command}`,
        text: slackText(call),
        response_url: h.fake.responseUrl(id),
      });
      await h.adapter.idle();
      const text = (message: { text?: unknown; blocks?: unknown }) =>
        `${String(message.text ?? '')} ${JSON.stringify(message.blocks ?? [])}`.trim();
      const seen: Seen = { channel: [], caller: [] };
      const ackBody = ack.body as { text?: string; response_type?: string } | string;
      if (typeof ackBody === 'object' && ackBody)
        (ackBody.response_type === 'in_channel' ? seen.channel : seen.caller).push(String(ackBody.text));
      for (const body of responseBodies(h.fake, id)) (body.response_type === 'in_channel' ? seen.channel : seen.caller).push(text(body));
      for (const post of h.fake.callsTo('chat.postMessage').slice(from.posts)) {
        (String(post.params.channel).startsWith('D') ? seen.caller : seen.channel).push(String(post.params.text));
      }
      for (const update of h.fake.callsTo('chat.update').slice(from.updates)) seen.channel.push(String(update.params.text));
      for (const post of h.fake.callsTo('chat.postEphemeral').slice(ephemeralFrom)) seen.caller.push(String(post.params.text));
      return seen;
    }

    for (const c of CASES) {
      it(`/${c.command}: success and failure`, async () => {
        expectWhere(await slack(c.ok), { ok: true, private: await definedPrivate(c.ok) }, `slack /${c.command} ok`);
        if (c.fail) expectWhere(await slack(c.fail), { ok: false, private: true }, `slack /${c.command} fail`);
      });
    }
  });

  describe('Discord', () => {
    let h: DiscordHarness;
    beforeAll(async () => {
      h = await startDiscord({}, { BOT_ADMINS: DISCORD_USER, IMPORT_DIR: EXAMPLES }, await loadRegistry());
      await seed(h.bot);
    }, 120_000);
    afterAll(async () => {
      await h?.close();
      expect(h.rejections).toEqual([]);
    });

    async function discord(call: Call): Promise<Seen> {
      const channelFrom = h.fake.messagesIn(GROWTH_CHANNEL).length;
      const dmFrom = h.fake.directMessagesTo(DISCORD_USER).length;
      const interaction = h.fake.sendInteraction({
        type: 'command',
        name: call.command,
        ...(call.subcommand ? { subcommand: call.subcommand } : {}),
        options: optionsOf(call),
        channelId: GROWTH_CHANNEL,
      });
      await h.fake.waitFor(() => answersTo(h.fake, interaction).length > 0, 10_000);
      await h.adapter.handler.idle();
      const seen: Seen = { channel: [], caller: [] };
      const text = (body: Record<string, unknown>) => `${String(body.content ?? '')} ${JSON.stringify(body.embeds ?? [])}`.trim();
      let originalPrivate = false;
      for (const answer of answersTo(h.fake, interaction)) {
        const flagged = ((answer.body.flags as number | undefined) ?? 0) & EPHEMERAL;
        if (answer.kind.startsWith('callback-')) originalPrivate = flagged !== 0;
        if (answer.kind === 'callback-5' || answer.kind === 'delete') continue;
        const privately = answer.kind === 'edit' ? originalPrivate : flagged !== 0;
        (privately ? seen.caller : seen.channel).push(text(answer.body));
      }
      for (const message of h.fake.messagesIn(GROWTH_CHANNEL).slice(channelFrom)) seen.channel.push(text(message.body));
      for (const message of h.fake.directMessagesTo(DISCORD_USER).slice(dmFrom)) seen.caller.push(text(message.body));
      return seen;
    }

    for (const c of CASES) {
      it(`/${c.command}: success and failure`, async () => {
        expectWhere(await discord(c.ok), { ok: true, private: await definedPrivate(c.ok) }, `discord /${c.command} ok`);
        if (c.fail) expectWhere(await discord(c.fail), { ok: false, private: true }, `discord /${c.command} fail`);
      });
    }
  });

  it('covers every command', async () => {
    const registry = await loadRegistry();
    expect(CASES.map((c) => c.command).sort()).toEqual(registry.names().sort());
  });
});
