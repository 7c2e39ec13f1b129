/** Discord API objects (v10) for the fake: users, guilds, messages and interactions. */

export interface DiscordUser {
  id: string;
  username: string;
  discriminator: string;
  global_name: string | null;
  avatar: string | null;
  bot?: boolean;
}

export interface DiscordRole {
  id: string;
  name: string;
  permissions?: string;
  position?: number;
}

export interface DiscordChannel {
  id: string;
  name: string;
  /** 0 text, 1 DM, 2 voice, 4 category, 5 announcement. */
  type?: number;
}

export interface DiscordGuild {
  id: string;
  name: string;
  channels: DiscordChannel[];
  /** The @everyone role (id = guild id) is added when missing. */
  roles: DiscordRole[];
}

export const ALL_PERMISSIONS = '2251799813685247';
const TIMESTAMP = '2024-01-01T00:00:00.000000+00:00';

export function user(id: string, username: string, bot = false): DiscordUser {
  return { id, username, discriminator: '0', global_name: username, avatar: null, ...(bot ? { bot: true } : {}) };
}

export function roleObject(role: DiscordRole): Record<string, unknown> {
  return {
    id: role.id,
    name: role.name,
    color: 0,
    colors: { primary_color: 0, secondary_color: null, tertiary_color: null },
    hoist: false,
    icon: null,
    unicode_emoji: null,
    position: role.position ?? 1,
    permissions: role.permissions ?? '0',
    managed: false,
    mentionable: false,
    flags: 0,
  };
}

export function channelObject(channel: DiscordChannel, guildId: string | null, position = 0): Record<string, unknown> {
  return {
    id: channel.id,
    type: channel.type ?? 0,
    name: channel.name,
    position,
    flags: 0,
    parent_id: null,
    topic: null,
    nsfw: false,
    last_message_id: null,
    rate_limit_per_user: 0,
    permission_overwrites: [],
    ...(guildId ? { guild_id: guildId } : {}),
  };
}

export function withEveryone(guild: DiscordGuild): DiscordRole[] {
  return guild.roles.some((r) => r.id === guild.id)
    ? guild.roles
    : [{ id: guild.id, name: '@everyone', permissions: '1071698660929', position: 0 }, ...guild.roles];
}

export function guildCreate(guild: DiscordGuild, botUser: DiscordUser): Record<string, unknown> {
  return {
    id: guild.id,
    name: guild.name,
    icon: null,
    owner_id: '900000000000000001',
    afk_channel_id: null,
    afk_timeout: 300,
    verification_level: 0,
    default_message_notifications: 0,
    explicit_content_filter: 0,
    features: [],
    mfa_level: 0,
    system_channel_id: null,
    system_channel_flags: 0,
    rules_channel_id: null,
    vanity_url_code: null,
    description: null,
    banner: null,
    premium_tier: 0,
    preferred_locale: 'en-US',
    public_updates_channel_id: null,
    nsfw_level: 0,
    premium_progress_bar_enabled: false,
    emojis: [],
    stickers: [],
    roles: withEveryone(guild).map(roleObject),
    joined_at: TIMESTAMP,
    large: false,
    unavailable: false,
    member_count: 2,
    voice_states: [],
    members: [memberObject(botUser, [])],
    channels: guild.channels.map((c, i) => channelObject(c, null, i)),
    threads: [],
    presences: [],
    stage_instances: [],
    guild_scheduled_events: [],
    soundboard_sounds: [],
  };
}

export function memberObject(u: DiscordUser, roles: string[]): Record<string, unknown> {
  return {
    user: u,
    nick: null,
    avatar: null,
    banner: null,
    roles,
    joined_at: TIMESTAMP,
    premium_since: null,
    deaf: false,
    mute: false,
    flags: 0,
    pending: false,
    communication_disabled_until: null,
  };
}

export function messageObject(
  id: string,
  channelId: string,
  author: DiscordUser,
  body: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    id,
    type: 0,
    channel_id: channelId,
    author,
    content: typeof body.content === 'string' ? body.content : '',
    timestamp: TIMESTAMP,
    edited_timestamp: null,
    tts: false,
    mention_everyone: false,
    mentions: [],
    mention_roles: [],
    attachments: [],
    embeds: Array.isArray(body.embeds) ? body.embeds : [],
    components: Array.isArray(body.components) ? body.components : [],
    pinned: false,
    flags: typeof body.flags === 'number' ? body.flags : 0,
    ...extra,
  };
}

// ---- interactions ----

export type OptionValue = string | number | boolean;

export interface CommandOption {
  name: string;
  /** 1 subcommand, 2 group, 3 string, 4 integer, 5 boolean, 6 user, 7 channel, 8 role, 10 number. */
  type: number;
  value?: OptionValue;
  options?: CommandOption[];
  focused?: boolean;
}

interface InteractionCommon {
  /** Guild member roles (ids). */
  roles?: string[];
  /** Defaults to the fake's marketer user. */
  user?: DiscordUser;
  /** Defaults to the first text channel of the guild. */
  channelId?: string;
  /** Defaults to the first guild; null for a DM. */
  guildId?: string | null;
  locale?: string;
}

export interface CommandInteractionInput extends InteractionCommon {
  type: 'command';
  name: string;
  subcommand?: string;
  subcommandGroup?: string;
  /** By name: strings are type 3, integers 4, other numbers 10, booleans 5; or explicit options. */
  options?: Record<string, OptionValue> | CommandOption[];
  /** Attachment options (type 11), resolved in `data.resolved.attachments` as Discord does. */
  attachments?: Record<string, AttachmentInput>;
  commandId?: string;
}

export interface AttachmentInput {
  filename: string;
  /** Where the bot downloads it (serve it from the test). */
  url: string;
  size: number;
  contentType?: string;
}

export interface AutocompleteInteractionInput extends InteractionCommon {
  type: 'autocomplete';
  name: string;
  subcommand?: string;
  subcommandGroup?: string;
  options?: Record<string, OptionValue> | CommandOption[];
  /** Name of the option being typed (its value is the partial input). */
  focused: string;
  commandId?: string;
}

export interface ButtonInteractionInput extends InteractionCommon {
  type: 'button';
  customId: string;
  /** The message carrying the button. */
  messageId?: string;
  messageContent?: string;
}

export type InteractionInput = CommandInteractionInput | AutocompleteInteractionInput | ButtonInteractionInput;

export function optionType(value: OptionValue): number {
  if (typeof value === 'string') return 3;
  if (typeof value === 'boolean') return 5;
  return Number.isInteger(value) ? 4 : 10;
}

export function commandOptions(
  input: { subcommand?: string; subcommandGroup?: string; options?: Record<string, OptionValue> | CommandOption[] },
  focused?: string,
): CommandOption[] {
  let leaf: CommandOption[] = Array.isArray(input.options)
    ? input.options
    : Object.entries(input.options ?? {}).map(([name, value]) => ({ name, type: optionType(value), value }));
  if (focused) {
    if (!leaf.some((o) => o.name === focused)) throw new Error(`autocomplete: focused option "${focused}" not in options`);
    leaf = leaf.map((o) => (o.name === focused ? { ...o, type: 3, value: String(o.value ?? ''), focused: true } : o));
  }
  if (input.subcommand) leaf = [{ name: input.subcommand, type: 1, options: leaf }];
  if (input.subcommandGroup) leaf = [{ name: input.subcommandGroup, type: 2, options: leaf }];
  return leaf;
}

/**
 * A modal submission (interaction type 5) from an interaction built for the same user and channel
 * (e.g. `fake.buildInteraction({ type: 'button', ... })`): `values` by text input custom_id, in
 * legacy action rows as Discord sends them. `fromMessage`: the modal was opened from a button.
 */
export function modalSubmitInteraction(
  built: Record<string, unknown>,
  customId: string,
  values: Record<string, string>,
  fromMessage = false,
): Record<string, unknown> {
  const { message, ...rest } = built;
  return {
    ...rest,
    type: 5,
    data: {
      custom_id: customId,
      components: Object.entries(values).map(([id, value]) => ({ type: 1, components: [{ type: 4, custom_id: id, value }] })),
    },
    ...(fromMessage && message ? { message } : {}),
  };
}

/**
 * The MODAL_SUBMIT (type 5) interaction of a modal the bot opened from a button: built from that button's
 * interaction (same guild, channel, user and message), with the values typed into its text inputs by
 * custom_id, inside Label components as Discord sends them. Dispatch it with `fake.interactions.set` and
 * `fake.dispatch('INTERACTION_CREATE', …)`.
 */
export function askModalSubmitInteraction(
  from: Record<string, unknown>,
  id: string,
  customId: string,
  values: Record<string, string>,
): Record<string, unknown> {
  return {
    ...from,
    id,
    token: `fake-interaction-token-${id}`,
    type: 5,
    data: {
      custom_id: customId,
      components: Object.entries(values).map(([inputId, value], i) => ({
        type: 18,
        id: i + 2,
        component: { type: 4, id: i + 3, custom_id: inputId, value },
      })),
    },
  };
}
