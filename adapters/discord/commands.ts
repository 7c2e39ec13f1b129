import {
  ApplicationCommandOptionType,
  ApplicationCommandType,
  ApplicationIntegrationType,
  InteractionContextType,
  PermissionFlagsBits,
} from 'discord.js';
import type { APIApplicationCommandOption, RESTPostAPIChatInputApplicationCommandsJSONBody } from 'discord.js';
import { actionsOf, type ActionDefinition, type CommandDefinition } from '../../src/core/command.ts';
import { describeOptions, type OptionInfo } from '../../src/core/option-schema.ts';
import type { CommandRegistry } from '../../src/core/registry.ts';
import { DISCORD_LIMITS } from './limits.ts';
import { CORE_BOLD } from './render.ts';

/** How one registered Discord option maps back to the core option it fills. */
export interface OptionBinding {
  discordName: string;
  info: OptionInfo;
  /** `attachment`: the file half of a `kind: 'source'` option (the string half is a `value`). */
  as: 'value' | 'attachment';
}

export interface ActionBinding {
  path: string;
  /** Discord subcommand name; absent when the command has its own action. */
  discordSubcommand?: string;
  /** The core subcommand name. */
  subcommand?: string;
  action: ActionDefinition;
  options: OptionBinding[];
}

export interface CommandBinding {
  discordName: string;
  command: CommandDefinition;
  actions: ActionBinding[];
  payload: RESTPostAPIChatInputApplicationCommandsJSONBody;
}

/** Discord names: 1-32 characters, lowercase letters, digits, `-` and `_`. */
export function discordName(name: string, taken: Set<string> = new Set()): string {
  let base = name
    .toLowerCase()
    .replace(/[^-_\p{L}\p{N}]+/gu, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, DISCORD_LIMITS.commandName);
  if (base === '') base = 'x';
  let candidate = base;
  for (let i = 2; taken.has(candidate); i++) candidate = `${base.slice(0, DISCORD_LIMITS.commandName - String(i).length - 1)}_${i}`;
  taken.add(candidate);
  return candidate;
}

/** Discord descriptions: 1-100 characters of plain text. */
export function discordDescription(text: string, fallback: string, limit: number = DISCORD_LIMITS.commandDescription): string {
  const plain = text.replace(CORE_BOLD, '$1$2').replace(/`/g, '').replace(/\s+/g, ' ').trim() || fallback;
  return plain.length <= limit ? plain : `${plain.slice(0, limit - 1).trimEnd()}…`;
}

function optionDescription(info: OptionInfo): string {
  const extra = info.kind === 'date' ? ' (YYYY-MM-DD)' : '';
  const text = info.description === info.name ? info.name.replace(/_/g, ' ') : info.description;
  return discordDescription(`${text}${extra}`, info.name, DISCORD_LIMITS.optionDescription);
}

function clip(text: string, limit: number): string {
  return text.length <= limit ? text : text.slice(0, limit);
}

/** One core option as one Discord option (two for a `source`: a path/URL string and a file attachment). */
function optionPayloads(info: OptionInfo, taken: Set<string>): { payload: APIApplicationCommandOption; binding: OptionBinding }[] {
  const name = discordName(info.name, taken);
  const base = { name, description: optionDescription(info), required: info.required };
  const bind = (payload: APIApplicationCommandOption, as: OptionBinding['as'] = 'value') => ({
    payload,
    binding: { discordName: payload.name, info, as },
  });
  if (info.type === 'boolean') return [bind({ ...base, type: ApplicationCommandOptionType.Boolean })];
  if (info.type === 'integer' || info.type === 'number') {
    const type = info.type === 'integer' ? ApplicationCommandOptionType.Integer : ApplicationCommandOptionType.Number;
    return [
      bind({
        ...base,
        type,
        ...(info.min !== undefined ? { min_value: info.min } : {}),
        ...(info.max !== undefined ? { max_value: info.max } : {}),
      } as APIApplicationCommandOption),
    ];
  }
  if (info.kind === 'user') return [bind({ ...base, type: ApplicationCommandOptionType.User })];
  if (info.kind === 'channel') return [bind({ ...base, type: ApplicationCommandOptionType.Channel })];
  if (info.kind === 'source') {
    const fileName = discordName(name === 'file' ? `${name}_upload` : 'file', taken);
    return [
      bind({
        ...base,
        required: false,
        type: ApplicationCommandOptionType.String,
        description: discordDescription(`${base.description}: a path or URL, or attach a file`, name, DISCORD_LIMITS.optionDescription),
      }),
      bind(
        {
          name: fileName,
          description: discordDescription(`a file to use as ${info.name} (CSV or .csv.gz)`, fileName, DISCORD_LIMITS.optionDescription),
          required: false,
          type: ApplicationCommandOptionType.Attachment,
        },
        'attachment',
      ),
    ];
  }
  const string = { ...base, type: ApplicationCommandOptionType.String as const };
  if (info.autocomplete || (info.choices && info.choices.length > DISCORD_LIMITS.choices)) {
    return [bind({ ...string, autocomplete: true })];
  }
  if (info.choices) {
    return [
      bind({
        ...string,
        choices: info.choices.map((choice) => ({
          name: clip(choice, DISCORD_LIMITS.choiceName),
          value: clip(choice, DISCORD_LIMITS.choiceValue),
        })),
      }),
    ];
  }
  return [bind(string)];
}

/** Required options first (Discord rejects a required option after an optional one), at most 25. */
function optionsFor(action: ActionDefinition): { payloads: APIApplicationCommandOption[]; bindings: OptionBinding[] } {
  const taken = new Set<string>();
  const all = describeOptions(action.options).flatMap((info) => optionPayloads(info, taken));
  const ordered = [...all.filter((o) => o.payload.required), ...all.filter((o) => !o.payload.required)].slice(
    0,
    DISCORD_LIMITS.optionsPerCommand,
  );
  // none required in Discord: a command sent without the bot's required options opens its form (a modal)
  return { payloads: ordered.map((o) => ({ ...o.payload, required: false })), bindings: ordered.map((o) => o.binding) };
}

/** Discord's Manage Server permission, as the registration's `default_member_permissions` takes it ("32"). */
export const MANAGE_SERVER = PermissionFlagsBits.ManageGuild.toString();

/**
 * Where and to whom Discord offers a command: in servers only (never in DMs, never as a user-installed
 * app), and a command all of whose actions need the admin role only to members with Manage Server
 * (server admins can change that under Server Settings > Integrations).
 */
export function commandAccess(
  command: CommandDefinition,
): Pick<RESTPostAPIChatInputApplicationCommandsJSONBody, 'contexts' | 'integration_types' | 'default_member_permissions'> {
  const adminOnly = actionsOf(command).every(({ action }) => action.role === 'admin');
  return {
    contexts: [InteractionContextType.Guild],
    integration_types: [ApplicationIntegrationType.GuildInstall],
    ...(adminOnly ? { default_member_permissions: MANAGE_SERVER } : {}),
  };
}

/** Every command of the registry as a Discord slash command, with the way back to the core. */
export function buildCommandBindings(registry: CommandRegistry): CommandBinding[] {
  const taken = new Set<string>();
  return registry.all().map((command) => {
    const name = discordName(command.name, taken);
    const description = discordDescription(command.description, command.name);
    const access = commandAccess(command);
    if (command.action) {
      const { payloads, bindings } = optionsFor(command.action);
      return {
        discordName: name,
        command,
        actions: [{ path: command.name, action: command.action, options: bindings }],
        payload: { name, description, type: ApplicationCommandType.ChatInput, ...access, options: payloads },
      };
    }
    const subTaken = new Set<string>();
    const actions = actionsOf(command).slice(0, DISCORD_LIMITS.optionsPerCommand);
    const subs = actions.map(({ path, action }) => {
      const { payloads, bindings } = optionsFor(action);
      const subName = discordName(action.name!, subTaken);
      const isDefault = command.defaultSubcommand === action.name;
      const subDescription = discordDescription(`${action.description}${isDefault ? ' (default)' : ''}`, action.name!);
      return {
        binding: { path, discordSubcommand: subName, subcommand: action.name, action, options: bindings } satisfies ActionBinding,
        payload: {
          type: ApplicationCommandOptionType.Subcommand,
          name: subName,
          description: subDescription,
          options: payloads,
        } as APIApplicationCommandOption,
      };
    });
    return {
      discordName: name,
      command,
      actions: subs.map((s) => s.binding),
      payload: { name, description, type: ApplicationCommandType.ChatInput, ...access, options: subs.map((s) => s.payload) },
    };
  });
}

/** The bodies `PUT /applications/:app/(guilds/:guild/)commands` takes. */
export function commandPayloads(registry: CommandRegistry): RESTPostAPIChatInputApplicationCommandsJSONBody[] {
  return buildCommandBindings(registry).map((binding) => binding.payload);
}
