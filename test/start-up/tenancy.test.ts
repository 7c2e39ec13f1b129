import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeDiscord, type DiscordGuild } from '../fakes/discord.ts';
import { FakeSlack, postSlashCommand } from '../fakes/slack.ts';
import { waitFor } from '../fakes/wait-for.ts';
import { freePort, killAllBots, SPAWN_TEST_TIMEOUT_MS, spawnBot, type SpawnedBot } from '../helpers/spawn-bot.ts';
import { createEmptyTestStore, type TestStore } from '../helpers/store.ts';
import { DISCORD_USER, SLACK_USER } from './chat-flows.ts';

const SLACK_BOT_TOKEN = 'xoxb-startup-bot-token';
const SIGNING_SECRET = 'startup-signing-secret';
const DISCORD_TOKEN = 'fake-startup-discord-token';
const OTHER_TEAM = 'T0OTHER99';

const HQ: DiscordGuild = {
  id: '1200000000000000001',
  name: 'Marketing HQ',
  channels: [{ id: '1300000000000000001', name: 'growth', type: 0 }],
  roles: [],
};
/** A server that added the bot while it was down. */
const STRANGER: DiscordGuild = {
  id: '1200000000000000666',
  name: 'Stranger Things Fan Club',
  channels: [{ id: '1300000000000000666', name: 'general', type: 0 }],
  roles: [],
};

let slack: FakeSlack;
let discord: FakeDiscord;
let store: TestStore;
let bot: SpawnedBot;
let baseUrl: string;

beforeAll(async () => {
  slack = new FakeSlack({ botToken: SLACK_BOT_TOKEN });
  await slack.start();
  discord = new FakeDiscord({ token: DISCORD_TOKEN, guilds: [HQ, STRANGER] });
  await discord.start();
  store = await createEmptyTestStore();
  const port = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
  bot = spawnBot({
    databaseUrl: store.url,
    env: {
      SLACK_BOT_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.apiUrl,
      DISCORD_TOKEN,
      DISCORD_APP_ID: discord.applicationId,
      DISCORD_GUILD_IDS: HQ.id,
      DISCORD_API_URL: discord.apiUrl,
      // admins everywhere: the refusals below are about where they ask from, not who they are
      BOT_ADMINS: `${SLACK_USER},${DISCORD_USER}`,
      PORT: String(port),
    },
  });
});

afterAll(async () => {
  await killAllBots();
  await slack?.stop();
  await discord?.stop();
  await store?.close();
});

async function deniedRows() {
  return store.db
    .selectFrom('audit_log')
    .select(['platform', 'user_id', 'command', 'outcome', 'detail'])
    .where('outcome', '=', 'denied')
    .orderBy('id')
    .execute();
}

describe('npm start with DISCORD_GUILD_IDS, and Slack answering its token’s workspace', () => {
  it(
    'leaves the Discord server not on the list at start, logging its id only',
    async () => {
      await bot.ready();
      await discord.waitFor(() => discord.leftGuilds.length > 0, 10_000);
      expect(discord.leftGuilds).toEqual([STRANGER.id]);
      const line = await bot.waitForLog('discord: left a server that is not in DISCORD_GUILD_IDS', 10_000);
      expect(line).toMatchObject({ guild: STRANGER.id });
      expect(bot.stderr).not.toContain(STRANGER.name);
      expect(bot.logs().some((l) => String(l.msg).startsWith('DISCORD_GUILD_IDS is empty'))).toBe(false);
      expect(bot.logs().find((l) => l.msg === 'slack: answering requests from these workspaces only')).toMatchObject({
        allowed: [slack.teamId],
      });
    },
    SPAWN_TEST_TIMEOUT_MS,
  );

  it(
    'refuses /audit from that server and /digest preview in a DM, and audits both',
    async () => {
      const fromStranger = discord.sendInteraction({ type: 'command', name: 'audit', subcommand: 'list', guildId: STRANGER.id });
      const inDm = discord.sendInteraction({ type: 'command', name: 'digest', subcommand: 'preview', guildId: null });
      const [strangerAnswer] = await discord.waitFor(
        () => discord.callbacksFor(fromStranger.id as string).length > 0 && discord.callbacksFor(fromStranger.id as string),
        10_000,
      );
      const [dmAnswer] = await discord.waitFor(
        () => discord.callbacksFor(inDm.id as string).length > 0 && discord.callbacksFor(inDm.id as string),
        10_000,
      );
      expect(strangerAnswer!.data!.content).toContain(`This Discord server (${STRANGER.id}) is not allowed to use this bot`);
      expect(strangerAnswer!.data!.flags).toBe(64);
      expect(dmAnswer!.data!.content).toContain('/digest preview is not answered in direct messages');
      // nothing but the two refusals went back
      expect(discord.webhookMessages).toEqual([]);
      expect(discord.channelMessages).toEqual([]);
      const rows = await waitFor(async () => {
        const found = (await deniedRows()).filter((r) => r.platform === 'discord');
        return found.length >= 2 && found;
      }, 10_000);
      expect(rows).toEqual([
        expect.objectContaining({ user_id: DISCORD_USER, command: 'audit list', detail: expect.stringContaining(STRANGER.id) }),
        expect.objectContaining({ user_id: DISCORD_USER, command: 'digest preview', detail: expect.stringContaining('direct messages') }),
      ]);
    },
    SPAWN_TEST_TIMEOUT_MS,
  );

  it(
    'refuses a Slack command from another workspace in its ack, and audits it',
    async () => {
      const refused = await postSlashCommand(baseUrl, SIGNING_SECRET, {
        command: '/audit',
        team_id: OTHER_TEAM,
        response_url: slack.responseUrl('other'),
      });
      expect(refused.status).toBe(200);
      expect(refused.body).toMatchObject({ response_type: 'ephemeral' });
      expect((refused.body as { text: string }).text).toContain(`This Slack workspace (${OTHER_TEAM}) is not allowed`);
      const rows = await waitFor(async () => {
        const found = (await deniedRows()).filter((r) => r.platform === 'slack');
        return found.length > 0 && found;
      }, 10_000);
      expect(rows).toEqual([
        expect.objectContaining({ user_id: SLACK_USER, command: 'audit list', detail: expect.stringContaining(OTHER_TEAM) }),
      ]);
      expect(slack.responsesTo('other')).toEqual([]);

      const own = await postSlashCommand(baseUrl, SIGNING_SECRET, { command: '/help', response_url: slack.responseUrl('own') });
      expect(own.body).toBe('');
      await slack.waitFor(() => slack.responsesTo('own').length > 0, 10_000);
    },
    SPAWN_TEST_TIMEOUT_MS,
  );

  it(
    'exits with code 0 on SIGTERM',
    async () => {
      expect(await bot.stop()).toEqual({ code: 0, signal: null });
    },
    SPAWN_TEST_TIMEOUT_MS,
  );
});
