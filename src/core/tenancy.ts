import type { ActionDefinition } from './command.ts';
import type { Caller, Platform } from './context.ts';
import { UserError } from './errors.ts';

/** Which workspaces (Slack teams or organizations) or servers (Discord guilds) one platform answers. */
export interface TenantPolicy {
  /** Allowed workspace or server ids; empty answers any. */
  allowed: readonly string[];
  /** The setting an admin of the bot changes to allow another one, named in refusals. */
  setting: string;
  /**
   * Refuse commands in direct messages, except actions marked `inDirectMessages`: on Discord a DM
   * has no server, so neither the allow-list nor the member's Discord roles can be checked there.
   */
  restrictDirectMessages: boolean;
}

const WORDS: Record<string, { place: string; setting: string }> = {
  slack: { place: 'Slack workspace', setting: 'SLACK_TEAM_ID' },
  discord: { place: 'Discord server', setting: 'DISCORD_GUILD_IDS' },
};

/** An id from a request, as it may appear in a message: letters, digits, `-` and `_`, at most 32. */
function shownId(id: string | undefined): string {
  const clean = (id ?? '').replace(/[^A-Za-z0-9_-]/g, '').slice(0, 32);
  return clean || 'unknown';
}

/**
 * The platform-neutral tenancy check: is a request from an allowed workspace or server, and is a
 * direct message asking for a command that needs a server? Platforms without a policy (console,
 * scheduler, webhooks) are always allowed.
 */
export class Tenancy {
  readonly #policies = new Map<Platform, { allowed: Set<string>; policy: TenantPolicy }>();

  set(platform: Platform, policy: TenantPolicy): void {
    this.#policies.set(platform, { allowed: new Set(policy.allowed), policy });
  }

  policy(platform: Platform): TenantPolicy | undefined {
    return this.#policies.get(platform)?.policy;
  }

  /** Whether a workspace or server id (a Slack team or organization id, a Discord guild id) is allowed. */
  allowsId(platform: Platform, id: string | undefined): boolean {
    const entry = this.#policies.get(platform);
    if (!entry || entry.allowed.size === 0) return true;
    return id !== undefined && entry.allowed.has(id);
  }

  /** Whether the caller's workspace or server is allowed (a Discord DM has none: it is judged per command). */
  allowsWorkspace(caller: Caller): boolean {
    const entry = this.#policies.get(caller.platform);
    if (!entry || entry.allowed.size === 0) return true;
    if (caller.directMessage && entry.policy.restrictDirectMessages) return true;
    return [caller.workspaceId, caller.enterpriseId].some((id) => id !== undefined && entry.allowed.has(id));
  }

  /** The refusal for a caller whose workspace or server is not allowed; undefined when it is. */
  workspaceRefusal(caller: Caller): UserError | undefined {
    if (this.allowsWorkspace(caller)) return undefined;
    const entry = this.#policies.get(caller.platform)!;
    const words = WORDS[caller.platform] ?? { place: `${caller.platform} workspace`, setting: entry.policy.setting };
    return new UserError(
      'forbidden',
      `This ${words.place} (${shownId(caller.workspaceId)}) is not allowed to use this bot, so it answers no commands here.`,
      {
        hint: `If it should be, an admin of the bot adds this id to ${entry.policy.setting} and restarts the bot.`,
      },
    );
  }

  /** The refusal for an action asked for in a direct message where commands need a server; undefined when it may run. */
  directMessageRefusal(caller: Caller, path: string, action: ActionDefinition): UserError | undefined {
    const entry = this.#policies.get(caller.platform);
    if (!caller.directMessage || !entry?.policy.restrictDirectMessages || action.inDirectMessages) return undefined;
    const words = WORDS[caller.platform] ?? { place: `${caller.platform} workspace` };
    return new UserError(
      'forbidden',
      `/${path} is not answered in direct messages: roles and the allowed ${words.place}s cannot be checked here.`,
      { hint: `Run it in a channel of your ${words.place}. In a direct message only /help works.` },
    );
  }
}
