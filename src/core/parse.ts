import type { z } from 'zod';
import type { ActionDefinition, CommandDefinition } from './command.ts';
import { UserError } from './errors.ts';
import { coerceOption, describeOptions, optionUsage, type OptionInfo } from './option-schema.ts';
import type { CommandRegistry } from './registry.ts';
import { didYouMean } from './suggest.ts';
import { tokenize } from './tokenize.ts';

export interface ParsedCommand {
  command: CommandDefinition;
  action: ActionDefinition;
  /** `segment run` */
  path: string;
  /** Raw option values before validation (strings from text, typed values from Discord). */
  raw: Record<string, unknown>;
}

/** Parses a typed line such as `/import orders data.csv strict=true`. */
export function parseCommandLine(registry: CommandRegistry, line: string): ParsedCommand {
  const tokens = tokenize(line.trim());
  const first = tokens.shift();
  if (!first || first.kind !== 'positional' || first.value === '') {
    throw new UserError('empty_command', 'Type a command, for example `/help`.');
  }
  const command = registry.get(first.value);
  let subcommand: string | undefined;
  if (command.subcommands) {
    const next = tokens[0];
    const isSub = next?.kind === 'positional' && command.subcommands.some((s) => s.name === next.value.toLowerCase());
    if (isSub) {
      subcommand = (tokens.shift() as { value: string }).value.toLowerCase();
    } else if (!command.defaultSubcommand) {
      subcommand = next?.kind === 'positional' ? next.value : undefined;
    }
  }
  const { path, action } = registry.action(command, subcommand);
  const infos = describeOptions(action.options);
  const known = infos.map((i) => i.name);
  const raw: Record<string, unknown> = {};
  const positionalSlots = [...(action.positional ?? [])];

  for (const token of tokens) {
    if (token.kind === 'named') {
      const info = infos.find((i) => i.name === token.key);
      if (!info) {
        throw new UserError('unknown_option', `Unknown option \`${token.key}\` for /${path}.${didYouMean(token.key, known)}`, {
          hint: known.length ? `Options: ${infos.map(optionUsage).join(' ')}` : `/${path} takes no options.`,
        });
      }
      if (token.key in raw)
        throw new UserError('duplicate_option', `Option \`${token.key}\` is given twice.`, { hint: 'Give each option once.' });
      raw[token.key] = coerceOption(info, token.value);
      removeSlot(positionalSlots, token.key);
    } else {
      const slot = positionalSlots.shift();
      if (!slot) {
        throw new UserError('unexpected_value', `Unexpected value \`${token.value}\` for /${path}.`, {
          hint: `Usage: ${usageLine(path, action)}. Values with spaces go in quotes: name="Spring sale".`,
        });
      }
      raw[slot] = coerceOption(
        infos.find((i) => i.name === slot)!,
        token.value,
      );
    }
  }
  return { command, action, path, raw };
}

function removeSlot(slots: string[], name: string): void {
  const index = slots.indexOf(name);
  if (index >= 0) slots.splice(index, 1);
}

/** Validates raw options with the action's zod schema; errors name the option and what it accepts. */
export function validateOptions(path: string, action: ActionDefinition, raw: Record<string, unknown>): Record<string, unknown> {
  const result = action.options.safeParse(raw);
  if (result.success) return result.data as Record<string, unknown>;
  const infos = describeOptions(action.options);
  const messages = result.error.issues.map((issue) => describeIssue(issue, infos, raw));
  const unique = [...new Set(messages)];
  // per option, for forms that show each message beside its field
  const fields: Record<string, string> = {};
  result.error.issues.forEach((issue, i) => {
    const name = String(issue.path[0] ?? '');
    if (name && !(name in fields)) fields[name] = messages[i]!;
  });
  throw new UserError('invalid_option', unique.join('\n'), {
    hint: `Usage: ${usageLine(path, action)}. See /help ${path.split(' ')[0]}.`,
    context: { fields },
  });
}

function describeIssue(issue: z.core.$ZodIssue, infos: OptionInfo[], raw: Record<string, unknown>): string {
  const name = String(issue.path[0] ?? '');
  const info = infos.find((i) => i.name === name);
  if (!info) return issue.message;
  const given = raw[name];
  const got = given === undefined ? '' : ` (got \`${String(given)}\`)`;
  if (given === undefined && issue.code === 'invalid_type') {
    return `Missing \`${name}\`: ${info.description}.`;
  }
  if (info.hint && issue.code !== 'custom') return `\`${name}\` must be ${info.hint}${got}.`;
  switch (issue.code) {
    case 'invalid_type':
      if (info.type === 'integer') return `\`${name}\` must be a whole number${range(info)}${got}.`;
      if (info.type === 'number') return `\`${name}\` must be a number${range(info)}${got}.`;
      if (info.type === 'boolean') return `\`${name}\` must be true or false${got}.`;
      return `\`${name}\` must be text${got}.`;
    case 'too_small':
    case 'too_big':
      if (info.type === 'string') return `\`${name}\`: ${issue.message}${got}.`;
      return `\`${name}\` must be${range(info) || ` ${issue.message}`}${got}.`;
    case 'invalid_value':
      if (info.choices)
        return `\`${name}\` must be one of ${info.choices.join(', ')}${got}.${didYouMean(String(given ?? ''), info.choices)}`;
      return `\`${name}\`: ${issue.message}${got}.`;
    case 'invalid_union':
      return `\`${name}\` must be ${info.hint ?? 'a valid value'}${got}.`;
    default:
      return `\`${name}\`: ${issue.message}${got}.`;
  }
}

function range(info: OptionInfo): string {
  if (info.min !== undefined && info.max !== undefined) return ` from ${info.min} to ${info.max}`;
  if (info.min !== undefined) return ` of at least ${info.min}`;
  if (info.max !== undefined) return ` of at most ${info.max}`;
  return '';
}

/** `/import orders <source> [strict=true|false] [date_format=…]` */
export function usageLine(path: string, action: ActionDefinition): string {
  // `private=true` is taken by every public command: /help says so once instead of on each line
  const infos = describeOptions(action.options).filter((info) => info.name !== 'private');
  const positional = new Set(action.positional ?? []);
  const parts = infos.map((info) => {
    const text = positional.has(info.name) ? `<${info.name}>` : optionUsage(info);
    return info.required ? text : `[${text}]`;
  });
  return [`/${path}`, ...parts].join(' ');
}
