import { Client, Events, GatewayIntentBits, GuildMember, MessageFlags, Routes, type Interaction, type TextChannel } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeDiscord, waitFor } from '../fakes/discord.ts';

const TOKEN = 'fake-bot-token';

describe('FakeDiscord with a real discord.js Client', () => {
  const fake = new FakeDiscord({ token: TOKEN });
  const guild = fake.guilds[0];
  const [growth, digests] = guild.channels;
  const marketingRole = guild.roles[0].id;
  let client: Client;
  const seen: Record<string, unknown>[] = [];
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);

  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled);
    await fake.start();
    client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: fake.apiUrl } });
    client.on(Events.InteractionCreate, (interaction: Interaction) => {
      handle(interaction).catch((err: unknown) => unhandled.push(err));
    });
    const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
    await client.login(TOKEN);
    await ready;
  });

  afterAll(async () => {
    await client?.destroy();
    await fake.stop();
    process.off('unhandledRejection', onUnhandled);
    expect(unhandled).toEqual([]);
  });

  async function handle(interaction: Interaction): Promise<void> {
    if (interaction.isChatInputCommand()) {
      seen.push({
        kind: 'command',
        name: interaction.commandName,
        subcommand: interaction.options.getSubcommand(false),
        segment: interaction.options.getString('segment'),
        top: interaction.options.getInteger('top'),
        file: interaction.options.getAttachment('file')?.url ?? null,
        channelId: interaction.channel?.id,
        isMember: interaction.member instanceof GuildMember,
        hasRole: interaction.member instanceof GuildMember && interaction.member.roles.cache.has(marketingRole),
      });
      await interaction.deferReply();
      await interaction.editReply({ content: 'done', files: [{ attachment: Buffer.from('png-bytes'), name: 'chart.png' }] });
      await interaction.followUp({ content: 'and a follow-up', flags: MessageFlags.Ephemeral });
    } else if (interaction.isButton()) {
      if (interaction.customId === 'with-response') {
        const response = await interaction.reply({ content: 'replied', withResponse: true });
        seen.push({ kind: 'button', customId: interaction.customId, replyContent: response.resource?.message?.content });
        return;
      }
      seen.push({ kind: 'button', customId: interaction.customId });
      await interaction.update({ content: 'confirmed', components: [] });
    } else if (interaction.isAutocomplete()) {
      const focused = interaction.options.getFocused(true);
      seen.push({ kind: 'autocomplete', focused: focused.name, value: focused.value });
      await interaction.respond([{ name: 'Champions', value: 'champions' }]);
    }
  }

  it('becomes ready with the bot user, the guild, its channels and roles', () => {
    expect(client.user?.id).toBe(fake.botUser.id);
    expect(fake.identifies[0]).toMatchObject({ token: TOKEN });
    const cached = client.guilds.cache.get(guild.id);
    expect(cached?.channels.cache.get(growth.id)?.name).toBe('growth');
    expect(cached?.roles.cache.get(marketingRole)?.name).toBe('Marketing');
    expect(client.application?.id).toBe(fake.applicationId);
  });

  it('delivers a chat-input command with a subcommand, options and member roles; records deferReply, editReply and followUp', async () => {
    const sent = fake.sendInteraction({
      type: 'command',
      name: 'growth',
      subcommand: 'segment',
      options: { segment: 'champions', top: 5 },
      attachments: { file: { filename: 'orders.csv', url: 'http://127.0.0.1:9/orders.csv', size: 12, contentType: 'text/csv' } },
      roles: [marketingRole],
    });
    await waitFor(() => fake.webhookMessagesFor(sent.token as string).length === 2);
    expect(seen.at(-1)).toEqual({
      kind: 'command',
      name: 'growth',
      subcommand: 'segment',
      segment: 'champions',
      top: 5,
      file: 'http://127.0.0.1:9/orders.csv',
      channelId: growth.id,
      isMember: true,
      hasRole: true,
    });
    expect(fake.callbacksFor(sent.id as string).map((c) => c.type)).toEqual([5]);
    const [edit, followUp] = fake.webhookMessagesFor(sent.token as string);
    expect(edit).toMatchObject({ kind: 'edit', messageId: '@original', body: { content: 'done' } });
    expect(edit.files.map((f) => [f.filename, f.data.toString()])).toEqual([['chart.png', 'png-bytes']]);
    expect(followUp).toMatchObject({ kind: 'followup', body: { content: 'and a follow-up', flags: 64 } });
  });

  it('delivers a command sent in a DM with a user instead of a member', async () => {
    const sent = fake.sendInteraction({ type: 'command', name: 'growth', options: { segment: 'loyal' }, guildId: null });
    await waitFor(() => fake.webhookMessagesFor(sent.token as string).length === 2);
    expect(seen.at(-1)).toMatchObject({ kind: 'command', subcommand: null, segment: 'loyal', top: null, file: null, isMember: false });
    expect(sent.user).toEqual(fake.marketer);
  });

  it('delivers a button click and records the update callback', async () => {
    const sent = fake.sendInteraction({ type: 'button', customId: 'confirm:campaign-7' });
    const [callback] = await waitFor(() => fake.callbacksFor(sent.id as string).length > 0 && fake.callbacksFor(sent.id as string));
    expect(seen.at(-1)).toEqual({ kind: 'button', customId: 'confirm:campaign-7' });
    expect(callback).toMatchObject({ type: 7, data: { content: 'confirmed', components: [] } });
  });

  it('answers a reply with withResponse with the created message', async () => {
    const sent = fake.sendInteraction({ type: 'button', customId: 'with-response' });
    await waitFor(() => seen.some((x) => x.customId === 'with-response'));
    expect(seen.at(-1)).toEqual({ kind: 'button', customId: 'with-response', replyContent: 'replied' });
    expect(fake.callbacksFor(sent.id as string)[0]).toMatchObject({ type: 4, data: { content: 'replied' } });
  });

  it('delivers an autocomplete interaction and records the choices', async () => {
    const sent = fake.sendInteraction({
      type: 'autocomplete',
      name: 'growth',
      subcommand: 'segment',
      options: { segment: 'cha' },
      focused: 'segment',
    });
    const [callback] = await waitFor(() => fake.callbacksFor(sent.id as string).length > 0 && fake.callbacksFor(sent.id as string));
    expect(seen.at(-1)).toEqual({ kind: 'autocomplete', focused: 'segment', value: 'cha' });
    expect(callback).toMatchObject({ type: 8, data: { choices: [{ name: 'Champions', value: 'champions' }] } });
  });

  it('posts a channel message, and a configured failure surfaces as a DiscordAPIError', async () => {
    const channel = (await client.channels.fetch(digests.id)) as TextChannel;
    const message = await channel.send({ content: 'Weekly digest', files: [{ attachment: Buffer.from('csv'), name: 'digest.csv' }] });
    expect(message.content).toBe('Weekly digest');
    const [recorded] = fake.messagesIn(digests.id);
    expect(recorded.body).toMatchObject({ content: 'Weekly digest' });
    expect(recorded.files[0].filename).toBe('digest.csv');

    fake.failChannelMessages(digests.id);
    try {
      await expect(channel.send('again')).rejects.toMatchObject({ status: 403, code: 50001 });
    } finally {
      fake.failChannelMessages(digests.id, undefined);
    }
  });

  it('registers guild and global commands over REST and echoes them with ids', async () => {
    const guildCommands = await client.application!.commands.set([{ name: 'growth', description: 'Growth analytics' }], guild.id);
    expect([...guildCommands.values()].map((c) => c.name)).toEqual(['growth']);
    const global = (await client.rest.put(Routes.applicationCommands(fake.applicationId), {
      body: [{ name: 'growth', description: 'Growth analytics' }],
    })) as { id: string; name: string }[];
    expect(global[0]).toMatchObject({ name: 'growth', application_id: fake.applicationId });
    expect(global[0].id).toMatch(/^\d+$/);
    expect(fake.registeredCommands.map((r) => r.guildId)).toEqual([guild.id, null]);
  });

  it('shuts down cleanly: client.destroy closes the gateway socket', async () => {
    await client.destroy();
    await waitFor(() => fake.socketCount === 0);
  });
});
