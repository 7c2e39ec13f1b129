import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandPayloads, MANAGE_SERVER } from '../../adapters/discord/commands.ts';
import { checkRegistration, registerCommands } from '../../adapters/discord/register.ts';
import type { DiscordGuild } from '../fakes/discord.ts';
import { answersTo, startHarness, type Harness } from './helpers/harness.ts';

const EPHEMERAL = 64;
const OTHER_GUILD: DiscordGuild = {
  id: '1200000000000000777',
  name: 'Somebody Else',
  channels: [{ id: '1300000000000000777', name: 'general', type: 0 }],
  roles: [],
};

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
  await h.fake.waitFor(() => h.fake.socketCount > 0);
});

afterAll(async () => {
  await h?.close();
  expect(h.rejections).toEqual([]);
});

async function auditRows() {
  await h.bot.settled();
  return h.store.db.selectFrom('audit_log').select(['user_id', 'channel_id', 'command', 'outcome', 'detail']).orderBy('id').execute();
}

/** The interaction's answers once there is one, and a moment later (nothing more may follow). */
async function answered(interaction: Record<string, unknown>) {
  await h.fake.waitFor(() => answersTo(h.fake, interaction).length > 0);
  await new Promise((resolve) => setTimeout(resolve, 200));
  return answersTo(h.fake, interaction);
}

describe('Discord tenancy without an allow-list', () => {
  it('answers and stays in every server, and warns at start', async () => {
    const lines: { level: number; msg: string }[] = [];
    const logger = pino(
      { level: 'warn' },
      { write: (line: string) => void lines.push(JSON.parse(line) as { level: number; msg: string }) },
    );
    const open = await startHarness({}, { DISCORD_GUILD_ID: '' }, undefined, logger);
    try {
      expect(lines.map((l) => l.msg)).toContain(
        'DISCORD_GUILD_IDS is empty: any Discord server that adds the bot can use it and read its data. Set DISCORD_GUILD_IDS to your server ids.',
      );
      open.fake.joinGuild(OTHER_GUILD);
      const interaction = open.fake.sendInteraction({ type: 'command', name: 'help', guildId: OTHER_GUILD.id });
      await open.fake.waitFor(() => answersTo(open.fake, interaction).length > 0);
      expect(JSON.stringify(answersTo(open.fake, interaction))).not.toContain('not allowed');
      expect(open.fake.leftGuilds).toEqual([]);
      expect(open.adapter.left).toEqual([]);
    } finally {
      await open.close();
    }
  });
});

describe('Discord tenancy: servers not in DISCORD_GUILD_IDS (or DISCORD_GUILD_ID)', () => {
  it('registers every command for servers only, and the admin-only ones for Manage Server', () => {
    const payloads = commandPayloads(h.bot.registry);
    for (const payload of payloads) {
      expect(payload.contexts, payload.name).toEqual([0]);
      expect(payload.integration_types, payload.name).toEqual([0]);
    }
    const hidden = payloads.filter((p) => p.default_member_permissions !== undefined);
    expect(MANAGE_SERVER).toBe('32');
    expect(hidden.map((p) => [p.name, p.default_member_permissions])).toEqual([
      ['admin', '32'],
      ['audit', '32'],
      ['secret', '32'],
    ]);
    // a command with one action below admin stays visible to every member
    expect(payloads.find((p) => p.name === 'digest')!.default_member_permissions).toBeUndefined();
  });

  it('sends contexts and default_member_permissions to Discord, and calls a registration without them outdated', async () => {
    await registerCommands(h.config, h.bot.registry);
    const sent = h.fake.requests.filter((r) => r.method === 'PUT' && r.path.endsWith('/commands')).at(-1)!;
    const admin = (sent.body as Record<string, unknown>[]).find((c) => c.name === 'admin')!;
    expect(admin).toMatchObject({ contexts: [0], integration_types: [0], default_member_permissions: '32' });
    expect(await checkRegistration(h.config, h.bot.registry)).toMatchObject({ missing: [], outdated: [] });

    const registered = h.fake.registeredCommands.find((r) => r.guildId === h.fake.guilds[0]!.id)!.commands;
    registered.find((c) => c.name === 'audit')!.default_member_permissions = null;
    expect(await checkRegistration(h.config, h.bot.registry)).toMatchObject({ outdated: ['audit'] });

    // global commands: where they are offered counts too
    const global = { ...h.config, DISCORD_GUILD_ID: undefined };
    await registerCommands(global, h.bot.registry);
    const globals = h.fake.registeredCommands.find((r) => r.guildId === null)!.commands;
    globals.find((c) => c.name === 'help')!.contexts = [0, 1, 2];
    expect(await checkRegistration(global, h.bot.registry)).toMatchObject({ scope: 'global', missing: [], outdated: ['help'] });
  });

  it('leaves a server that adds it while it runs, when that server is not on the list', async () => {
    const before = h.fake.requests.length;
    h.fake.joinGuild(OTHER_GUILD);
    await h.fake.waitFor(() => h.adapter.left.includes(OTHER_GUILD.id), 5_000);
    expect(h.fake.leftGuilds).toEqual([OTHER_GUILD.id]);
    const calls = h.fake.requests.slice(before).map((r) => `${r.method} ${r.path}`);
    expect(calls).toEqual([`DELETE /users/@me/guilds/${OTHER_GUILD.id}`]);
    // the allowed server stays
    expect(h.adapter.client.guilds.cache.has(h.fake.guilds[0]!.id)).toBe(true);
    await h.fake.waitFor(() => !h.adapter.client.guilds.cache.has(OTHER_GUILD.id));
  });

  it('refuses a slash command from that server with a plain message, audited, and runs nothing', async () => {
    const requests = h.fake.requests.length;
    const interaction = h.fake.sendInteraction({
      type: 'command',
      name: 'campaign',
      subcommand: 'list',
      guildId: OTHER_GUILD.id,
      channelId: OTHER_GUILD.channels[0]!.id,
    });
    const answers = await answered(interaction);
    expect(answers).toHaveLength(1);
    expect(answers[0]).toMatchObject({ kind: 'callback-4', body: { flags: EPHEMERAL } });
    const content = answers[0]!.body.content as string;
    expect(content).toContain(`This Discord server (${OTHER_GUILD.id}) is not allowed to use this bot`);
    expect(content).toContain('DISCORD_GUILD_IDS');
    expect(content).not.toMatch(/campaign|No campaigns/i);
    // the answer went back on the interaction only: nothing posted to any channel
    expect(h.fake.requests.slice(requests).map((r) => `${r.method} ${r.path.split('/')[1]}`)).toEqual(['POST interactions']);
    const rows = await auditRows();
    expect(rows.at(-1)).toMatchObject({
      user_id: h.fake.marketer.id,
      channel_id: OTHER_GUILD.channels[0]!.id,
      command: 'campaign list',
      outcome: 'denied',
      detail: expect.stringContaining(OTHER_GUILD.id),
    });
  });

  it('refuses a button from that server the same way', async () => {
    const customId = h.adapter.handler.deps.buttonIds.idFor('/help');
    const interaction = h.fake.sendInteraction({
      type: 'button',
      customId,
      guildId: OTHER_GUILD.id,
      channelId: OTHER_GUILD.channels[0]!.id,
    });
    const answers = await answered(interaction);
    expect(answers).toHaveLength(1);
    expect(answers[0]!.body.content).toContain('is not allowed to use this bot');
    expect((await auditRows()).at(-1)).toMatchObject({ command: 'help', outcome: 'denied' });
  });

  it('suggests nothing to autocomplete from that server, nor in a DM', async () => {
    const ask = (guildId: string | null | undefined) =>
      h.fake.sendInteraction({
        type: 'autocomplete',
        name: 'probe',
        subcommand: 'stats',
        options: { region: 'ion-2' },
        focused: 'region',
        ...(guildId !== undefined ? { guildId } : {}),
      });
    const choices = async (interaction: Record<string, unknown>) => {
      const [callback] = await h.fake.waitFor(
        () => h.fake.callbacksFor(interaction.id as string).length > 0 && h.fake.callbacksFor(interaction.id as string),
      );
      expect(callback!.type).toBe(8);
      return (callback!.data!.choices as unknown[]).length;
    };
    expect(await choices(ask(undefined))).toBe(10);
    expect(await choices(ask(OTHER_GUILD.id))).toBe(0);
    expect(await choices(ask(null))).toBe(0);
  });

  it('answers /help in a DM, and refuses a command that reads the store there, audited', async () => {
    const help = h.fake.sendInteraction({ type: 'command', name: 'help', guildId: null });
    const [helpAnswer] = await answered(help);
    expect(String(helpAnswer!.body.content ?? JSON.stringify(helpAnswer!.body.embeds))).toMatch(/import/);

    const preview = h.fake.sendInteraction({ type: 'command', name: 'digest', subcommand: 'preview', guildId: null });
    const answers = await answered(preview);
    expect(answers).toHaveLength(1);
    expect(answers[0]).toMatchObject({ kind: 'callback-4', body: { flags: EPHEMERAL } });
    expect(answers[0]!.body.content).toContain('/digest preview is not answered in direct messages');
    expect(answers[0]!.body.content).toContain('only /help works');
    const rows = await auditRows();
    expect(rows.slice(-2)).toMatchObject([
      { command: 'help', outcome: 'ok' },
      { command: 'digest preview', outcome: 'denied', detail: expect.stringContaining('direct messages') },
    ]);
  });

  it('still answers its own server', async () => {
    const interaction = h.fake.sendInteraction({ type: 'command', name: 'campaign', subcommand: 'list' });
    const answers = await answered(interaction);
    expect(JSON.stringify(answers)).not.toContain('not allowed');
    expect((await auditRows()).at(-1)).toMatchObject({ command: 'campaign list', outcome: 'ok' });
  });
});
