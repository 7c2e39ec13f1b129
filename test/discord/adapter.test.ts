import { Events } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandPayloads } from '../../adapters/discord/commands.ts';
import { checkRegistration, registerCommands } from '../../adapters/discord/register.ts';
import type { DiscordMessage } from '../../adapters/discord/render.ts';
import { UserError } from '../../src/core/errors.ts';
import { reply } from '../../src/core/reply.ts';
import { foregroundOpen } from '../../src/jobs/foreground.ts';
import {
  answersTo,
  DIGEST_CHANNEL,
  GROWTH_CHANNEL,
  MARKETING_ROLE,
  sendWithAttachments,
  startHarness,
  type Harness,
} from './helpers/harness.ts';
import { seen } from './helpers/test-registry.ts';
import { expectWithinLimits } from './helpers/limits-check.ts';

const EPHEMERAL = 64;
let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  await h?.close();
  expect(h.rejections).toEqual([]);
});

describe('Discord adapter against the fake gateway and REST', () => {
  it('says at start-up which slash commands Discord does not have yet', async () => {
    expect(await h.adapter.registration).toEqual({ scope: 'guild', missing: h.bot.registry.names(), outdated: [], extra: [] });
  });

  it('registers every command for the guild, exactly the payloads built from the definitions', async () => {
    const result = await registerCommands(h.config, h.bot.registry);
    expect(result).toMatchObject({ scope: 'guild', guildId: h.fake.guilds[0]!.id });
    const registered = h.fake.registeredCommands.find((r) => r.guildId === h.fake.guilds[0]!.id)!;
    const sent = h.fake.requests.find((r) => r.method === 'PUT' && r.path.endsWith('/commands'))!;
    expect(sent.headers.authorization).toBe(`Bot ${h.config.DISCORD_TOKEN}`);
    expect(sent.body).toEqual(JSON.parse(JSON.stringify(commandPayloads(h.bot.registry))));
    expect(registered.commands.map((c) => c.name)).toEqual(h.bot.registry.names());

    const global = await registerCommands({ ...h.config, DISCORD_GUILD_ID: undefined }, h.bot.registry);
    expect(global.scope).toBe('global');
    expect(h.fake.registeredCommands.find((r) => r.guildId === null)!.commands.map((c) => c.name)).toEqual(h.bot.registry.names());
  });

  it('compares the registered commands with the definitions: none missing after registering, then a changed and a stale one', async () => {
    await registerCommands(h.config, h.bot.registry);
    expect(await checkRegistration(h.config, h.bot.registry)).toEqual({ scope: 'guild', missing: [], outdated: [], extra: [] });
    const registered = h.fake.registeredCommands.find((r) => r.guildId === h.fake.guilds[0]!.id)!.commands;
    const help = registered.find((c) => c.name === 'help')!;
    help.description = 'an older description';
    registered.push({ ...help, name: 'retired', description: 'a command removed since' });
    expect(await checkRegistration(h.config, h.bot.registry)).toEqual({
      scope: 'guild',
      missing: [],
      outdated: ['help'],
      extra: ['retired'],
    });
    await registerCommands(h.config, h.bot.registry);
  });

  it('answers /help at once with an embed only the caller sees', async () => {
    const interaction = h.fake.sendInteraction({ type: 'command', name: 'help' });
    const [answer] = await h.fake.waitFor(() => answersTo(h.fake, interaction).length > 0 && answersTo(h.fake, interaction));
    expect(answer!.kind).toBe('callback-4');
    expect(answer!.body.flags).toBe(EPHEMERAL);
    const embeds = answer!.body.embeds as { title: string; description: string }[];
    expect(embeds[0]!.title).toBe('Growthbot commands');
    expect(embeds[0]!.description).toContain('**/help**');
  });

  it('answers /help <command> through a structured option', async () => {
    const interaction = h.fake.sendInteraction({ type: 'command', name: 'help', options: { command: 'probe' } });
    const [answer] = await h.fake.waitFor(() => answersTo(h.fake, interaction).length > 0 && answersTo(h.fake, interaction));
    expect((answer!.body.embeds as { title: string }[])[0]!.title).toBe('/probe');
  });

  it('refuses an invalid option with an ephemeral error', async () => {
    const interaction = h.fake.sendInteraction({ type: 'command', name: 'probe', subcommand: 'stats', options: { rate: 5 } });
    const [answer] = await h.fake.waitFor(() => answersTo(h.fake, interaction).length > 0 && answersTo(h.fake, interaction));
    expect(answer!.kind).toBe('callback-4');
    expect(answer!.body.flags).toBe(EPHEMERAL);
    expect(answer!.body.content).toContain('`rate` must be from 0 to 1 (got `5`)');
  });

  it('refuses a command above the caller’s role, naming the role it needs', async () => {
    const interaction = h.fake.sendInteraction({ type: 'command', name: 'secret', roles: [MARKETING_ROLE] });
    const [answer] = await h.fake.waitFor(() => answersTo(h.fake, interaction).length > 0 && answersTo(h.fake, interaction));
    expect(answer!.body.flags).toBe(EPHEMERAL);
    expect(answer!.body.content).toContain('needs the **admin** role; you have **analyst**');
  });

  it('defers a long command, edits progress, then edits in the result', async () => {
    const interaction = h.fake.sendInteraction({ type: 'command', name: 'slow', options: { ms: 400 } });
    const answers = await h.fake.waitFor(() => {
      const all = answersTo(h.fake, interaction);
      return all.some((a) => JSON.stringify(a.body).includes('Done waiting')) && all;
    }, 5_000);
    expect(answers[0]!.kind).toBe('callback-5');
    expect(answers.some((a) => a.kind === 'edit' && String(a.body.content).includes('halfway'))).toBe(true);
    const last = answers.at(-1)!;
    expect(last.kind).toBe('edit');
    expect(last.body.content).toBe('');
    expect((last.body.embeds as { title: string }[])[0]!.title).toBe('Done waiting');
  });

  it('counts an interaction as open until it is answered or deferred (background work pauses for it)', async () => {
    const openAtCallback: number[] = [];
    h.fake.on('POST', /^\/interactions\/[^/]+\/[^/]+\/callback$/, () => {
      openAtCallback.push(foregroundOpen());
      return undefined;
    });
    const quick = h.fake.sendInteraction({ type: 'command', name: 'help' });
    await h.fake.waitFor(() => answersTo(h.fake, quick).length > 0);
    const slow = h.fake.sendInteraction({ type: 'command', name: 'slow', options: { ms: 1_000 } });
    await h.fake.waitFor(() => answersTo(h.fake, slow).some((a) => a.kind === 'callback-5'));
    // deferred: no longer open, while the command itself still runs
    await h.fake.waitFor(() => foregroundOpen() === 0);
    expect(answersTo(h.fake, slow).some((a) => JSON.stringify(a.body).includes('Done waiting'))).toBe(false);
    expect(openAtCallback.slice(0, 2)).toEqual([1, 1]);
    await h.fake.waitFor(() => answersTo(h.fake, slow).some((a) => JSON.stringify(a.body).includes('Done waiting')), 5_000);
  });

  it('defers a private=true command ephemerally from the start and edits its answer in', async () => {
    const interaction = h.fake.sendInteraction({ type: 'command', name: 'slow', options: { ms: 100, private: true } });
    const answers = await h.fake.waitFor(() => {
      const all = answersTo(h.fake, interaction);
      return all.some((a) => a.kind === 'edit' && JSON.stringify(a.body).includes('Done waiting')) && all;
    }, 5_000);
    expect(answers[0]).toMatchObject({ kind: 'callback-5', body: { flags: EPHEMERAL } });
    expect(answers.map((a) => a.kind).filter((k) => k !== 'callback-5' && k !== 'edit')).toEqual([]);
  });

  it('refuses a command in a DM, where neither the server nor the Discord roles can be checked', async () => {
    const interaction = h.fake.sendInteraction({
      type: 'command',
      name: 'probe',
      subcommand: 'load',
      options: { kind: 'orders', source: 'x.csv' },
      guildId: null,
    });
    const [answer] = await h.fake.waitFor(() => answersTo(h.fake, interaction).length > 0 && answersTo(h.fake, interaction));
    expect(answer!.body).toMatchObject({
      flags: EPHEMERAL,
      content: expect.stringContaining('/probe load is not answered in direct messages'),
    });
  });

  it('after a public deferral, an error leaves a neutral line in the channel and goes to the caller alone', async () => {
    const interaction = h.fake.sendInteraction({ type: 'command', name: 'boom', options: { ms: 500 } });
    const answers = await h.fake.waitFor(() => {
      const all = answersTo(h.fake, interaction);
      return all.some((a) => a.kind === 'followup') && all;
    }, 5_000);
    expect(answers.map((a) => a.kind)).toEqual(['callback-5', 'edit', 'followup']);
    expect(answers[0]!.body.flags ?? 0).toBe(0);
    expect(answers[1]!.body.content).toBe('⚠️ /boom failed (details sent to you)');
    expect(answers[2]!.body.flags).toBe(EPHEMERAL);
    expect(answers[2]!.body.content).toMatch(/^❌ Sorry, something went wrong on our side \(error id [0-9a-f]{8}\)/);
  });

  it('sends charts and files as attachments, the chart as the embed image', async () => {
    const interaction = h.fake.sendInteraction({ type: 'command', name: 'chart' });
    const [answer] = await h.fake.waitFor(() => answersTo(h.fake, interaction).length > 0 && answersTo(h.fake, interaction));
    expect(answer!.files).toEqual(['spend.png', 'spend.csv']);
    const embeds = answer!.body.embeds as { title?: string; image?: { url: string } }[];
    expect(embeds[1]).toMatchObject({ title: 'Spend by week', image: { url: 'attachment://spend.png' } });
    expect(answer!.body.attachments).toEqual([{ id: '0', description: 'bar chart' }, { id: '1' }]);
  });

  it('routes a button click to the command it carries, short or stored', async () => {
    const click = h.fake.sendInteraction({ type: 'button', customId: 'cmd:/help probe' });
    const [answer] = await h.fake.waitFor(() => answersTo(h.fake, click).length > 0 && answersTo(h.fake, click));
    expect((answer!.body.embeds as { title: string }[])[0]!.title).toBe('/probe');

    const long = `/probe stats rate=0.5 k=3 campaign="${'c'.repeat(100)}"`;
    const id = h.adapter.handler.deps.buttonIds.idFor(long);
    expect(id.length).toBeLessThanOrEqual(100);
    const stored = h.fake.sendInteraction({ type: 'button', customId: id });
    const [second] = await h.fake.waitFor(() => answersTo(h.fake, stored).length > 0 && answersTo(h.fake, stored));
    expect(second!.body.content).toBe('k=3 rate=0.5');

    const expired = h.fake.sendInteraction({ type: 'button', customId: 'cmd#forgotten' });
    const [third] = await h.fake.waitFor(() => answersTo(h.fake, expired).length > 0 && answersTo(h.fake, expired));
    expect(third!.body).toMatchObject({ flags: EPHEMERAL, content: expect.stringContaining('expired') });
  });

  it('delivers an attachment option to the command as an Upload it can read', async () => {
    const csv = 'order_id,customer_id,order_date,amount\n1,C1,2024-01-02,10.50\n';
    const url = h.files.add('orders.csv', csv);
    const interaction = sendWithAttachments(
      h.fake,
      { type: 'command', name: 'probe', subcommand: 'load', options: { kind: 'orders' }, roles: [MARKETING_ROLE] },
      { file: { filename: 'orders.csv', url, size: csv.length } },
    );
    const [answer] = await h.fake.waitFor(() => answersTo(h.fake, interaction).length > 0 && answersTo(h.fake, interaction), 5_000);
    expect(answer!.kind).toBe('callback-4');
    expect(seen.uploads).toEqual([{ name: 'orders.csv', url, text: csv }]);
    expect(seen.options).toEqual({ kind: 'orders', source: 'orders.csv' });
    expect((answer!.body.embeds as { description: string }[])[0]!.description).toBe(`Read **${csv.length}** bytes from orders.csv`);
  });

  it('/import orders file=<attachment>: the import worker fetches the attachment URL and the orders land in the store', async () => {
    const csv = 'order_id,customer_id,order_date,amount\nA1,C1,2024-01-02,10.50\nA2,C2,2024-01-03,20.00\nA3,,2024-01-04,5.00\n';
    const url = h.files.add('shop-orders.csv', csv);
    const interaction = sendWithAttachments(
      h.fake,
      { type: 'command', name: 'import', subcommand: 'orders', options: {}, roles: [MARKETING_ROLE] },
      { file: { filename: 'shop-orders.csv', url, size: csv.length } },
    );
    const answers = await h.fake.waitFor(() => {
      const all = answersTo(h.fake, interaction);
      return all.some((a) => a.kind === 'edit' && (a.body.embeds as unknown[] | undefined)?.length) && all;
    }, 30_000);
    expect(answers[0]!.kind).toBe('callback-5');
    const result = answers.find((a) => a.kind === 'edit' && (a.body.embeds as unknown[] | undefined)?.length)!;
    const embed = (result.body.embeds as { title: string; description: string }[])[0]!;
    expect(embed.title).toBe('/import orders · shop-orders.csv');
    expect(embed.description).toContain('2 orders inserted');
    expect(embed.description).toContain('1 row rejected');
    const orders = await h.store.db.selectFrom('orders').select(['order_id', 'net_cents']).orderBy('order_id').execute();
    expect(orders).toEqual([
      { order_id: 'A1', net_cents: 1050 },
      { order_id: 'A2', net_cents: 2000 },
    ]);
  });

  it('answers autocomplete: names from the store (none yet, safely) and long choice lists', async () => {
    const segment = h.fake.sendInteraction({
      type: 'autocomplete',
      name: 'probe',
      subcommand: 'stats',
      options: { segment: 'vi' },
      focused: 'segment',
    });
    const [first] = await h.fake.waitFor(
      () => h.fake.callbacksFor(segment.id as string).length > 0 && h.fake.callbacksFor(segment.id as string),
    );
    expect(first).toMatchObject({ type: 8, data: { choices: [] } });

    const region = h.fake.sendInteraction({
      type: 'autocomplete',
      name: 'probe',
      subcommand: 'stats',
      options: { region: 'ion-2' },
      focused: 'region',
    });
    const [second] = await h.fake.waitFor(
      () => h.fake.callbacksFor(region.id as string).length > 0 && h.fake.callbacksFor(region.id as string),
    );
    expect(second!.type).toBe(8);
    expect((second!.data!.choices as { value: string }[]).map((c) => c.value)).toEqual(
      Array.from({ length: 10 }, (_, i) => `region-2${i}`),
    );
  });

  it('splits a reply past every limit into valid messages: first the reply, then follow-ups with the CSV', async () => {
    const interaction = h.fake.sendInteraction({ type: 'command', name: 'big', options: { rows: 3000 } });
    const answers = await h.fake.waitFor(() => {
      const all = answersTo(h.fake, interaction);
      const buttons = all.flatMap((a) => ((a.body.components ?? []) as { components: unknown[] }[]).flatMap((r) => r.components));
      return buttons.length >= 27 && all.some((a) => a.files.includes('customers.csv')) && all;
    }, 5_000);
    expect(answers[0]!.kind).toBe('callback-4');
    for (const a of answers.slice(1)) expect(a.kind).toBe('followup');
    for (const a of answers) {
      expectWithinLimits({ content: '', embeds: [], components: [], ...(a.body as Partial<DiscordMessage>), files: a.files });
    }
    const fields = answers.flatMap((a) => ((a.body.embeds ?? []) as { fields?: unknown[] }[]).flatMap((e) => e.fields ?? []));
    expect(fields).toHaveLength(40);
    const buttons = answers.flatMap((a) => ((a.body.components ?? []) as { components: unknown[] }[]).flatMap((r) => r.components));
    expect(buttons).toHaveLength(27);
  });

  it('posts proactive replies to a channel, and reports Missing Access without crashing', async () => {
    await h.bot.notify({ platform: 'discord', channelId: DIGEST_CHANNEL }, reply({}, { title: 'Weekly digest', text: 'Revenue *up* 4%' }));
    const [posted] = h.fake.messagesIn(DIGEST_CHANNEL);
    expect((posted!.body.embeds as { title: string }[])[0]!.title).toBe('Weekly digest');

    h.fake.failChannelMessages(DIGEST_CHANNEL);
    const failure = await h.bot
      .notify({ platform: 'discord', channelId: DIGEST_CHANNEL }, reply({}, { text: 'digest' }))
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(UserError);
    expect(failure).toMatchObject({ code: 'discord_missing_access', message: expect.stringContaining(DIGEST_CHANNEL) });
    h.fake.failChannelMessages(DIGEST_CHANNEL, undefined);

    const unknown = await h.bot
      .notify({ platform: 'discord', channelId: '1399999999999999999' }, reply({}, { text: 'x' }))
      .catch((e: unknown) => e);
    expect(unknown).toMatchObject({ code: 'discord_unknown_channel' });

    const still = h.fake.sendInteraction({ type: 'command', name: 'help' });
    await h.fake.waitFor(() => answersTo(h.fake, still).length > 0);
  });

  it('survives a gateway disconnect: the shard reconnects and commands are answered again', async () => {
    const back = new Promise((resolve) => {
      h.adapter.client.once(Events.ShardResume, resolve);
      h.adapter.client.once(Events.ShardReady, resolve);
    });
    const sockets = (h.fake as unknown as { wss: { clients: Set<{ close(code: number): void }> } }).wss.clients;
    for (const ws of sockets) ws.close(4000);
    await back;
    await h.fake.waitFor(() => h.fake.socketCount === 1, 5_000);
    const interaction = h.fake.sendInteraction({ type: 'command', name: 'help' });
    await h.fake.waitFor(() => answersTo(h.fake, interaction).length > 0, 5_000);
  });

  it('finishes work that outlives the interaction token with a channel message that mentions the caller', async () => {
    const timing = h.adapter.handler.deps.timing;
    const saved = timing.tokenBudgetMs;
    timing.tokenBudgetMs = 200;
    try {
      const before = h.fake.messagesIn(GROWTH_CHANNEL).length;
      const interaction = h.fake.sendInteraction({ type: 'command', name: 'slow', options: { ms: 500 } });
      const message = await h.fake.waitFor(() => h.fake.messagesIn(GROWTH_CHANNEL)[before], 5_000);
      expect(message.body.content).toBe(`<@${h.fake.marketer.id}>`);
      expect((message.body.embeds as { title: string }[])[0]!.title).toBe('Done waiting');
      expect(answersTo(h.fake, interaction).filter((a) => JSON.stringify(a.body).includes('Done waiting'))).toEqual([]);
      expect(
        answersTo(h.fake, interaction).some((a) => a.kind === 'edit' && String(a.body.content).includes('will be posted in this channel')),
      ).toBe(true);
    } finally {
      timing.tokenBudgetMs = saved;
    }
  });

  it('sends a private answer that outlives the token to the caller’s direct messages, nothing to the channel', async () => {
    const timing = h.adapter.handler.deps.timing;
    const saved = timing.tokenBudgetMs;
    timing.tokenBudgetMs = 200;
    try {
      const before = h.fake.messagesIn(GROWTH_CHANNEL).length;
      const dms = h.fake.directMessagesTo(h.fake.marketer.id).length;
      const interaction = h.fake.sendInteraction({ type: 'command', name: 'slow', options: { ms: 500, private: true } });
      const message = await h.fake.waitFor(() => h.fake.directMessagesTo(h.fake.marketer.id)[dms], 5_000);
      expect((message.body.embeds as { title: string }[])[0]!.title).toBe('Done waiting');
      await h.adapter.handler.idle();
      expect(h.fake.messagesIn(GROWTH_CHANNEL).slice(before)).toEqual([]);
      const answers = answersTo(h.fake, interaction);
      expect(answers[0]).toMatchObject({ kind: 'callback-5', body: { flags: EPHEMERAL } });
      expect(answers.some((a) => String(a.body.content).includes('sent to you in a direct message'))).toBe(true);
    } finally {
      timing.tokenBudgetMs = saved;
    }
  });
});
