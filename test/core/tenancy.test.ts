import { describe, expect, it } from 'vitest';
import { allowedGuildIds } from '../../adapters/discord/index.ts';
import { allowedWorkspaces } from '../../adapters/slack/start.ts';
import { loadConfig } from '../../src/config/config.ts';
import type { ActionDefinition } from '../../src/core/command.ts';
import type { Caller } from '../../src/core/context.ts';
import { Tenancy } from '../../src/core/tenancy.ts';

const action = (extra: Partial<ActionDefinition> = {}) => ({ role: 'viewer', ...extra }) as ActionDefinition;
const discord = (extra: Partial<Caller>): Caller => ({ platform: 'discord', userId: '1', ...extra });

describe('tenancy', () => {
  it('allows any workspace of a platform without a policy, and any when the list is empty', () => {
    const tenancy = new Tenancy();
    expect(tenancy.workspaceRefusal({ platform: 'console', userId: 'me' })).toBeUndefined();
    tenancy.set('discord', { allowed: [], setting: 'DISCORD_GUILD_IDS', restrictDirectMessages: true });
    expect(tenancy.allowsWorkspace(discord({ workspaceId: '999' }))).toBe(true);
    expect(tenancy.allowsId('discord', '999')).toBe(true);
  });

  it('refuses a workspace not on the list, naming it (bounded, only id characters) and the setting', () => {
    const tenancy = new Tenancy();
    tenancy.set('slack', { allowed: ['T1', 'E1'], setting: 'SLACK_TEAM_ID', restrictDirectMessages: false });
    expect(tenancy.allowsWorkspace({ platform: 'slack', userId: 'U', workspaceId: 'T1' })).toBe(true);
    expect(tenancy.allowsWorkspace({ platform: 'slack', userId: 'U', workspaceId: 'T9', enterpriseId: 'E1' })).toBe(true);
    expect(tenancy.allowsWorkspace({ platform: 'slack', userId: 'U' })).toBe(false);
    const refusal = tenancy.workspaceRefusal({ platform: 'slack', userId: 'U', workspaceId: `T9<@U1>*${'x'.repeat(100)}` })!;
    expect(refusal.code).toBe('forbidden');
    expect(refusal.message).toBe(
      `This Slack workspace (T9U1${'x'.repeat(28)}) is not allowed to use this bot, so it answers no commands here.`,
    );
    expect(refusal.hint).toContain('SLACK_TEAM_ID');
    // Slack DMs carry their workspace and are judged by it
    expect(tenancy.directMessageRefusal({ platform: 'slack', userId: 'U', directMessage: true }, 'audit', action())).toBeUndefined();
  });

  it('in a Discord DM answers only actions marked for direct messages', () => {
    const tenancy = new Tenancy();
    tenancy.set('discord', { allowed: ['42'], setting: 'DISCORD_GUILD_IDS', restrictDirectMessages: true });
    const dm = discord({ directMessage: true });
    expect(tenancy.workspaceRefusal(dm)).toBeUndefined();
    expect(tenancy.directMessageRefusal(dm, 'help', action({ inDirectMessages: true }))).toBeUndefined();
    expect(tenancy.directMessageRefusal(dm, 'campaign report', action())!.message).toContain(
      '/campaign report is not answered in direct messages',
    );
    expect(tenancy.directMessageRefusal(discord({ workspaceId: '42' }), 'campaign report', action())).toBeUndefined();
  });

  it('takes the allow-lists from the configuration', () => {
    const base = { DISCORD_TOKEN: 't', DISCORD_APP_ID: '1' };
    expect(allowedGuildIds(loadConfig({ ...base, DISCORD_GUILD_IDS: '111111111111111111, 222222222222222222' }))).toEqual([
      '111111111111111111',
      '222222222222222222',
    ]);
    expect(
      allowedGuildIds(loadConfig({ ...base, DISCORD_GUILD_IDS: '111111111111111111', DISCORD_GUILD_ID: '333333333333333333' })),
    ).toEqual(['111111111111111111', '333333333333333333']);
    expect(allowedGuildIds(loadConfig(base))).toEqual([]);
    expect(() => loadConfig({ ...base, DISCORD_GUILD_IDS: 'my-server' })).toThrow(
      /DISCORD_GUILD_IDS: must be comma-separated Discord server ids/,
    );

    expect(allowedWorkspaces(loadConfig({}), { team_id: 'T1' })).toEqual(['T1']);
    expect(allowedWorkspaces(loadConfig({}), { team_id: 'T1', enterprise_id: 'E1' })).toEqual(['T1', 'E1']);
    expect(allowedWorkspaces(loadConfig({ SLACK_TEAM_ID: 'T0TWO' }), { team_id: 'T1', enterprise_id: 'E1' })).toEqual(['T0TWO']);
    expect(() => loadConfig({ SLACK_TEAM_ID: 'fake team' })).toThrow(/SLACK_TEAM_ID: must be one Slack workspace id/);
  });
});
