import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRegistry } from '../../commands/index.ts';
import { commandPayloads } from '../../adapters/discord/commands.ts';
import { inviteUrl } from '../../adapters/discord/invite.ts';
import { FakeDiscord } from '../fakes/discord.ts';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const TOKEN = 'fake-register-token';
let fake: FakeDiscord;
let cwd: string;

beforeAll(async () => {
  fake = new FakeDiscord({ token: TOKEN });
  await fake.start();
  cwd = mkdtempSync(path.join(os.tmpdir(), 'discord-register-'));
});

afterAll(async () => {
  await fake.stop();
  rmSync(cwd, { recursive: true, force: true });
});

describe('npm run discord:register', () => {
  it('registers the real commands for DISCORD_GUILD_ID and prints the invite URL', async () => {
    const guildId = fake.guilds[0]!.id;
    const { stdout } = await run(path.join(root, 'node_modules/.bin/tsx'), [path.join(root, 'scripts/discord-register.ts')], {
      cwd,
      env: {
        PATH: process.env.PATH,
        DISCORD_TOKEN: TOKEN,
        DISCORD_APP_ID: fake.applicationId,
        DISCORD_GUILD_ID: guildId,
        DISCORD_API_URL: fake.apiUrl,
      },
    });
    const registry = await loadRegistry();
    expect(stdout).toContain(`Registered ${registry.names().length} slash commands for guild ${guildId} (available now)`);
    expect(stdout).toContain(inviteUrl(fake.applicationId, guildId));
    expect(stdout).toContain('Offered in servers only, not in DMs; /admin /audit shown only to members with Manage Server');
    expect(stdout).toContain(`The bot answers and stays only in: ${guildId} (DISCORD_GUILD_IDS, DISCORD_GUILD_ID).`);
    const put = fake.requests.find((r) => r.method === 'PUT')!;
    expect(put.path).toBe(`/applications/${fake.applicationId}/guilds/${guildId}/commands`);
    expect(put.body).toEqual(JSON.parse(JSON.stringify(commandPayloads(registry))));
  });

  it('says what is missing without credentials', async () => {
    const failed = await run(path.join(root, 'node_modules/.bin/tsx'), [path.join(root, 'scripts/discord-register.ts')], {
      cwd,
      env: { PATH: process.env.PATH },
    }).catch((e: { code: number; stderr: string }) => e);
    expect(failed).toMatchObject({ code: 1, stderr: expect.stringContaining('DISCORD_TOKEN and DISCORD_APP_ID must be set') });
  });
});

describe('inviteUrl', () => {
  it('asks for bot + applications.commands with view, send, embed, attach, history and slash-command permissions', () => {
    expect(inviteUrl('123')).toBe(
      'https://discord.com/oauth2/authorize?client_id=123&scope=bot+applications.commands&permissions=2147601408',
    );
  });
});
