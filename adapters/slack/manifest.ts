import { actionsOf, type CommandDefinition } from '../../src/core/command.ts';
import { usageLine } from '../../src/core/parse.ts';
import type { CommandRegistry } from '../../src/core/registry.ts';

/**
 * Every scope a code path uses, none more (test/slack/manifest.test.ts checks them against the Web API
 * methods the code calls): slash commands; posting, updating and ephemeral answers; posting in public
 * channels the app was not invited to (digests, approval requests); listing and downloading shared CSVs;
 * uploading files; ROLE_MAP's user groups; opening direct messages; the message events of CSV drops
 * (channels:history, groups:history, im:history). views.publish, views.open and views.update need none.
 */
export const BOT_SCOPES = [
  'commands',
  'chat:write',
  'chat:write.public',
  'files:read',
  'files:write',
  'usergroups:read',
  'im:write',
  'channels:history',
  'groups:history',
  'im:history',
] as const;

/**
 * The events the bot handles: the Home tab opened (home.ts); messages that share a file, in channels,
 * private channels and direct messages (file-drops.ts), which need channels:history, groups:history and
 * im:history (files.info needs files:read).
 */
export const BOT_EVENTS = ['app_home_opened', 'message.channels', 'message.groups', 'message.im'] as const;

const DESCRIPTION_MAX = 100;
const USAGE_HINT_MAX = 100;

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** What Slack shows after the command name: the options, or the subcommands. */
export function usageHint(command: CommandDefinition): string {
  const actions = actionsOf(command);
  if (command.action) return clip(usageLine(actions[0]!.path, actions[0]!.action).replace(`/${command.name}`, '').trim(), USAGE_HINT_MAX);
  return clip(`${command.subcommands!.map((s) => s.name).join('|')} …`, USAGE_HINT_MAX);
}

/** The Slack app manifest, generated from the command definitions (`npm run slack:manifest`). */
export function buildManifest(registry: CommandRegistry): Record<string, unknown> {
  return {
    _metadata: { major_version: 1, minor_version: 1 },
    display_information: {
      name: 'Growthbot',
      description: 'Import, segment, CLV/CAC/ROI, campaigns and digests for marketing teams.',
      background_color: '#2c2d30',
    },
    features: {
      app_home: { home_tab_enabled: true, messages_tab_enabled: true, messages_tab_read_only_enabled: false },
      bot_user: { display_name: 'growthbot', always_online: true },
      slash_commands: registry.all().map((command) => {
        const hint = usageHint(command);
        return {
          command: `/${command.name}`,
          description: clip(command.description, DESCRIPTION_MAX),
          ...(hint ? { usage_hint: hint } : {}),
          should_escape: true,
        };
      }),
    },
    oauth_config: { scopes: { bot: [...BOT_SCOPES] } },
    settings: {
      event_subscriptions: { bot_events: [...BOT_EVENTS] },
      interactivity: { is_enabled: true },
      org_deploy_enabled: false,
      socket_mode_enabled: true,
      token_rotation_enabled: false,
    },
  };
}

export function manifestJson(registry: CommandRegistry): string {
  return `${JSON.stringify(buildManifest(registry), null, 2)}\n`;
}
