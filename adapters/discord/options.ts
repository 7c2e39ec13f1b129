import { Readable } from 'node:stream';
import { ApplicationCommandOptionType } from 'discord.js';
import type { Upload } from '../../src/core/context.ts';
import { UserError } from '../../src/core/errors.ts';
import type { ActionBinding, CommandBinding } from './commands.ts';

/** The part of discord.js's CommandInteractionOption this adapter reads. */
export interface ReceivedOption {
  name: string;
  type: number;
  value?: string | number | boolean;
  focused?: boolean;
  options?: readonly ReceivedOption[];
  attachment?: { url: string; name: string; size?: number } | null;
}

export interface ResolvedCall {
  binding: CommandBinding;
  action: ActionBinding;
  command: string;
  subcommand?: string;
  /** Core option names and their typed values. */
  options: Record<string, unknown>;
  uploads: Upload[];
}

/** An attachment as an Upload: its CDN URL needs no auth header, so a worker can fetch it too. */
export function uploadFromAttachment(attachment: { url: string; name: string; size?: number }): Upload {
  return {
    name: attachment.name,
    size: attachment.size,
    url: attachment.url,
    open: async () => {
      const response = await fetch(attachment.url);
      if (!response.ok || !response.body) {
        throw new UserError('upload_unreadable', `Could not download the attached file ${attachment.name} (HTTP ${response.status}).`, {
          hint: 'Attach it again; Discord attachment links expire after a while.',
        });
      }
      return Readable.fromWeb(response.body as import('node:stream/web').ReadableStream);
    },
  };
}

export function findBinding(bindings: CommandBinding[], commandName: string): CommandBinding {
  const binding = bindings.find((b) => b.discordName === commandName);
  if (!binding) {
    throw new UserError('unknown_command', `The command \`/${commandName}\` is not known to this bot version.`, {
      hint: 'An admin should run `npm run discord:register` to refresh the slash commands.',
    });
  }
  return binding;
}

/** The action a received option tree targets, and the options of that action. */
export function findAction(
  binding: CommandBinding,
  data: readonly ReceivedOption[],
): { action: ActionBinding; options: readonly ReceivedOption[] } {
  const sub = data.find((o) => o.type === ApplicationCommandOptionType.Subcommand);
  if (!sub) return { action: binding.actions[0]!, options: data };
  const action = binding.actions.find((a) => a.discordSubcommand === sub.name);
  if (!action) {
    throw new UserError('unknown_subcommand', `\`/${binding.command.name}\` has no subcommand \`${sub.name}\` any more.`, {
      hint: 'An admin should run `npm run discord:register` to refresh the slash commands.',
    });
  }
  return { action, options: sub.options ?? [] };
}

/** Turns Discord's typed options into the core's structured invocation. */
export function resolveCall(bindings: CommandBinding[], commandName: string, data: readonly ReceivedOption[]): ResolvedCall {
  const binding = findBinding(bindings, commandName);
  const { action, options: received } = findAction(binding, data);
  const options: Record<string, unknown> = {};
  const uploads: Upload[] = [];
  for (const option of action.options) {
    const given = received.find((o) => o.name === option.discordName);
    if (!given) continue;
    if (option.as === 'attachment') {
      if (!given.attachment) continue;
      uploads.push(uploadFromAttachment(given.attachment));
      // the source names the upload unless a path or URL was typed too
      options[option.info.name] ??= given.attachment.name;
    } else if (given.value !== undefined) {
      options[option.info.name] = given.value;
    }
  }
  return { binding, action, command: binding.command.name, subcommand: action.subcommand, options, uploads };
}
