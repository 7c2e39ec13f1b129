import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bot } from '../../src/core/bot.ts';
import type { Caller } from '../../src/core/context.ts';
import { parseCommandLine } from '../../src/core/parse.ts';
import { postSlashCommand } from '../fakes/slack.ts';
import {
  answersTo,
  sendWithAttachments,
  startHarness as startDiscord,
  type Harness as DiscordHarness,
} from '../discord/helpers/harness.ts';
import { SIGNING_SECRET, startHarness as startSlack, type SlackHarness } from '../slack/helpers/slack-harness.ts';

/**
 * Chat syntax that pings, links or formats, put into every data path that reaches chat (customer
 * ids and names via an import, segment run names, campaign names, messages and subjects, a file
 * name, an option echoed in an error, a digest listing a campaign), sent through the real Slack
 * and Discord adapters; asserted on what the fake platforms received.
 */
const PAYLOADS = [
  '<!channel>',
  '<!here>',
  '<!everyone>',
  '<@U123>',
  '<!subteam^S1>',
  '<https://evil.example|click>',
  '@everyone',
  '@here',
  '[click](https://evil.example)',
  '<@1111>',
  '<@&2222>',
  '<#C999>',
];
/** Two halves of at most 80 characters (the longest a campaign or run name may be). */
const HALVES = [PAYLOADS.slice(0, 6).join(''), PAYLOADS.slice(6).join('')];
const EVIL = PAYLOADS.join(' ');
const FILE_NAME = '<!here><@U123>[click](evil)@everyone.csv';

const customerId = (i: number) => `C${i}${PAYLOADS[i % PAYLOADS.length]}`;

function writeData(dir: string): { customers: string; orders: string; customersCsv: string } {
  const q = (v: string) => `"${v.replace(/"/g, '""')}"`;
  const customers = ['customer_id,email,name,signup_date,country,acquisition_channel,consent'];
  const orders = ['order_id,customer_id,order_date,amount'];
  for (let i = 0; i < 40; i++) {
    const day = String(1 + (i % 28)).padStart(2, '0');
    customers.push([q(customerId(i)), `c${i}@example.com`, q(`Name ${EVIL}`), `2026-01-${day}`, 'DE', 'organic', 'true'].join(','));
    for (let n = 0; n <= i % 4; n++)
      orders.push([`O${i}-${n}`, q(customerId(i)), `2026-0${2 + n}-${day}`, String(10 + ((i * 7 + n * 13) % 90))].join(','));
  }
  const customersCsv = `${customers.join('\n')}\n`;
  const paths = { customers: path.join(dir, FILE_NAME), orders: path.join(dir, 'orders.csv') };
  writeFileSync(paths.customers, customersCsv);
  writeFileSync(paths.orders, `${orders.join('\n')}\n`);
  return { ...paths, customersCsv };
}

/** The Monday after today (UTC): its digest reports the week that includes today. */
function nextMonday(): string {
  const d = new Date();
  d.setUTCDate(d.getUTCDate() + (8 - (d.getUTCDay() || 7)));
  return d.toISOString().slice(0, 10);
}

const quote = (value: string) => `"${value}"`;

/** The typed commands every platform runs through its adapter, after the data is in. */
function showCommands(campaigns: number[], segment: number): string[] {
  return [
    `/customer show ${quote(customerId(3))}`,
    `/customer show ${quote(customerId(5))}`,
    ...HALVES.map((name) => `/segment run k=2 seed=1 name=${quote(name)}`),
    `/segment list`,
    `/segment show ${segment}`,
    ...HALVES.map((name, i) => `/campaign create name=${quote(name)} segment=all subject=${quote(HALVES[1 - i]!)} message=${quote(EVIL)}`),
    `/campaign list`,
    ...campaigns.map((id) => `/campaign show ${id}`),
    `/campaign show ${quote(`${HALVES[0]} nope`)}`,
    `/segment show ${quote(HALVES[1])}`,
    `/digest preview as_of=${nextMonday()} sections=campaigns`,
  ];
}

/** Sets up campaigns through the core as the platform's users: created, submitted (the approval card is posted), approved, launched. */
async function launchCampaigns(bot: Bot, creator: Caller, approver: Caller): Promise<number[]> {
  const ids: number[] = [];
  for (const [i, name] of HALVES.entries()) {
    const created = await bot.execute({
      caller: creator,
      text: `/campaign create name=${quote(`${name} L`.slice(0, 80))} segment=all subject=${quote(HALVES[1 - i]!)} message=${quote(EVIL)}`,
    });
    expect(created.ok, JSON.stringify(created.data)).toBe(true);
    const id = (created.data as { campaign: { id: number } }).campaign.id;
    ids.push(id);
    for (const [who, text] of [
      [creator, `/campaign submit ${id}`],
      [approver, `/campaign approve ${id}`],
      [creator, `/campaign launch ${id}`],
    ] as const) {
      const result = await bot.execute({ caller: who, text });
      expect(result.ok, `${text}: ${JSON.stringify(result.data)}`).toBe(true);
    }
  }
  return ids;
}

function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) strings(v, out);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) strings(v, out);
  return out;
}

describe.each(['slack', 'discord'] as const)('chat output from data, %s', (platform) => {
  // every payload must have reached chat (escaped), or the test proves nothing
  const reached = new Set<string>();

  if (platform === 'slack') {
    let h: SlackHarness;
    const ADMIN = 'U0ADMIN';
    const APPROVER = 'U0APPROVER';
    const CHANNEL = 'C0GROWTH';
    let seq = 0;
    let importDir: string;

    beforeAll(async () => {
      // the CSV files are typed as paths in Slack: they lie in IMPORT_DIR, as an admin would set it up
      importDir = mkdtempSync(path.join(os.tmpdir(), 'growthbot-injection-'));
      h = await startSlack({ mode: 'http', env: { BOT_ADMINS: `${ADMIN},${APPROVER}`, IMPORT_DIR: importDir } });
    }, 60_000);
    afterAll(async () => {
      await h?.close();
    });

    const slash = async (line: string) => {
      const [command, ...rest] = line.split(' ');
      // Slack escapes &, < and > in what users type
      const text = rest.join(' ').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
      const id = `r${++seq}`;
      const ack = await postSlashCommand(h.baseUrl, SIGNING_SECRET, {
        command: command!,
        text,
        user_id: ADMIN,
        channel_id: CHANNEL,
        response_url: h.fake.responseUrl(id),
      });
      expect(ack.status).toBe(200);
      await h.adapter.idle();
      return ack;
    };

    it('escapes every payload in every message, ack, update and response', async () => {
      const data = writeData(importDir);
      const ack = await slash(`/import customers ${quote(data.customers)}`);
      expect(JSON.stringify(ack.body ?? '')).not.toContain('⚠️');
      const admin: Caller = { platform: 'slack', userId: ADMIN, channelId: CHANNEL, workspaceId: h.fake.teamId };
      // a local path: from chat only inside IMPORT_DIR, so the operator's console loads it
      expect((await h.bot.execute({ caller: { ...admin, platform: 'console' }, text: `/import orders ${quote(data.orders)}` })).ok).toBe(
        true,
      );
      const campaigns = await launchCampaigns(h.bot, admin, { ...admin, userId: APPROVER });
      const segment = await firstSegment(h.bot, admin);
      for (const line of showCommands(campaigns, segment)) await slash(line);

      const messages: unknown[] = [
        ...h.fake.calls
          .filter((c) => ['chat.postMessage', 'chat.update', 'chat.postEphemeral'].includes(c.method))
          .map((c) => ({ text: c.params.text, blocks: c.params.blocks })),
        ...h.fake.responses.map((r) => r.body),
      ];
      expect(messages.length).toBeGreaterThan(showCommands(campaigns, segment).length);
      let checked = 0;
      for (const message of messages) {
        for (const text of mrkdwnTexts(message)) {
          checked++;
          // the only angle brackets left are the mentions the bot means: the caller and the approver
          const rest = text.replace(new RegExp(`<@(${ADMIN}|${APPROVER})>|<#${CHANNEL}>`, 'g'), '');
          expect(rest, text).not.toMatch(/[<>]/);
          for (const payload of PAYLOADS) if (unescapeSlack(text).includes(payload)) reached.add(payload);
        }
      }
      expect(checked).toBeGreaterThan(50);
      expect([...reached].sort()).toEqual([...PAYLOADS].sort());
      // the approval cards and the reply to the caller still mention for real
      expect(strings(messages).some((t) => t.includes(`<@${ADMIN}>`))).toBe(true);
    }, 180_000);
  } else {
    let h: DiscordHarness;
    const APPROVER = '1100000000000000077';

    beforeAll(async () => {
      h = await startDiscord({}, { BOT_ADMINS: `${'1100000000000000009'},${APPROVER}` });
    }, 60_000);
    afterAll(async () => {
      await h?.close();
    });

    const done = (answers: ReturnType<typeof answersTo>) =>
      answers.some(
        (a) =>
          a.kind === 'callback-4' ||
          ((a.kind === 'edit' || a.kind === 'followup') &&
            ((a.body.embeds as unknown[] | undefined)?.length || !/^(⏳|[▓░])/.test(String(a.body.content ?? '')))),
      );

    const interact = async (line: string) => {
      const parsed = parseCommandLine(h.bot.registry, line);
      const [name, subcommand] = parsed.path.split(' ');
      const options = Object.fromEntries(Object.entries(parsed.raw).map(([k, v]) => [k, String(v)]));
      const interaction = h.fake.sendInteraction({ type: 'command', name: name!, ...(subcommand ? { subcommand } : {}), options });
      await h.fake.waitFor(() => done(answersTo(h.fake, interaction)), 60_000);
      await h.bot.settled();
    };

    it('neutralizes every payload, with allowedMentions on every message', async () => {
      const data = writeData(h.store.dir);
      const url = h.files.add('customers.csv', data.customersCsv);
      const imported = sendWithAttachments(
        h.fake,
        { type: 'command', name: 'import', subcommand: 'customers', options: {} },
        { file: { filename: FILE_NAME, url, size: data.customersCsv.length } },
      );
      await h.fake.waitFor(() => done(answersTo(h.fake, imported)), 60_000);
      const admin: Caller = {
        platform: 'discord',
        userId: h.fake.marketer.id,
        channelId: h.fake.guilds[0]!.channels[0]!.id,
        workspaceId: h.fake.guilds[0]!.id,
      };
      // a local path: from chat only inside IMPORT_DIR, so the operator's console loads it
      expect((await h.bot.execute({ caller: { ...admin, platform: 'console' }, text: `/import orders ${quote(data.orders)}` })).ok).toBe(
        true,
      );
      const campaigns = await launchCampaigns(h.bot, admin, { ...admin, userId: APPROVER });
      const segment = await firstSegment(h.bot, admin);
      for (const line of showCommands(campaigns, segment)) await interact(line);

      const bodies: Record<string, unknown>[] = [
        ...[...h.fake.interactions.values()].flatMap((i) =>
          answersTo(h.fake, i)
            .filter((a) => a.kind !== 'delete')
            .map((a) => a.body),
        ),
        ...h.fake.channelMessages.map((m) => m.body),
      ].filter((b) => b.content !== undefined || (b.embeds as unknown[] | undefined)?.length);
      expect(bodies.length).toBeGreaterThan(showCommands(campaigns, segment).length);
      for (const body of bodies) {
        expect(body.allowed_mentions, JSON.stringify(body).slice(0, 300)).toMatchObject({ parse: [] });
        const users = (body.allowed_mentions as { users?: string[] }).users ?? [];
        expect(users.every((u) => u === admin.userId || u === APPROVER)).toBe(true);
        for (const text of strings({ content: body.content, embeds: body.embeds })) {
          const rest = text.replace(new RegExp(`<@(${admin.userId}|${APPROVER})>`, 'g'), '');
          expect(rest, text).not.toMatch(/@(everyone|here)|<[@#!&:/]|<t:|<https?:|\]\(/);
          for (const payload of PAYLOADS) if (text.replace(/\u200b/g, '').includes(payload)) reached.add(payload);
        }
      }
      expect([...reached].sort()).toEqual([...PAYLOADS].sort());
    }, 180_000);
  }
});

async function firstSegment(bot: Bot, caller: Caller): Promise<number> {
  const run = await bot.execute({ caller, text: '/segment run k=2 seed=1' });
  expect(run.ok, JSON.stringify(run.data)).toBe(true);
  return (run.data as { segments: { id: number }[] }).segments[0]!.id;
}

function unescapeSlack(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** The texts Slack reads as mrkdwn: the message's `text` and every mrkdwn text object of its blocks. */
function mrkdwnTexts(message: unknown): string[] {
  const out: string[] = [];
  const top = message as { text?: unknown; blocks?: unknown };
  if (typeof top.text === 'string') out.push(top.text);
  const walk = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const object = node as Record<string, unknown>;
      if (object.type === 'mrkdwn' && typeof object.text === 'string') out.push(object.text);
      else Object.values(object).forEach(walk);
    }
  };
  walk(top.blocks);
  return out;
}
