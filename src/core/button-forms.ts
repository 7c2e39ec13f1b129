import { z } from 'zod';
import { UserError } from './errors.ts';
import { coerceOption, describeOptions } from './option-schema.ts';
import { parseCommandLine, type ParsedCommand } from './parse.ts';
import type { CommandRegistry } from './registry.ts';

/** One input of a button's form (Button.asks): an option of the command the button runs. */
export interface FormField {
  /** The option's name: the answer is given to the command as `name=…`. */
  name: string;
  /** `Reason` for `reason`. */
  label: string;
  /** The option's description, shown as the input's hint. */
  description: string;
  required: boolean;
  minLength?: number;
  maxLength?: number;
}

function stringBounds(schema: z.ZodType): { minLength?: number; maxLength?: number } {
  let inner: z.ZodType = schema;
  while (inner instanceof z.ZodOptional || inner instanceof z.ZodDefault || inner instanceof z.ZodNullable) {
    inner = inner.unwrap() as z.ZodType;
  }
  if (!(inner instanceof z.ZodString)) return {};
  return {
    ...(inner.minLength !== null ? { minLength: inner.minLength } : {}),
    ...(inner.maxLength !== null ? { maxLength: inner.maxLength } : {}),
  };
}

/** The inputs a form asks for before running `command` (a button's typed line), from the command's own definition. */
export function formFields(registry: CommandRegistry, command: string, asks: readonly string[]): FormField[] {
  const { action } = parseCommandLine(registry, command);
  const infos = describeOptions(action.options);
  return asks.map((name) => {
    const info = infos.find((i) => i.name === name);
    if (!info) throw new Error(`a button asks for ${name}, which is no option of ${command}`);
    return {
      name,
      label: name.charAt(0).toUpperCase() + name.slice(1).replace(/_/g, ' '),
      description: info.description,
      required: info.required,
      ...stringBounds(action.options.shape[name] as z.ZodType),
    };
  });
}

/**
 * A typed line with the answers of its button's form added (`reason` typed into a modal): each answer
 * becomes the option of that name, as if typed `reason="…"`. Empty answers are left out.
 */
export function withAnswers(parsed: ParsedCommand, answers: Record<string, string>): ParsedCommand {
  const infos = describeOptions(parsed.action.options);
  const raw = { ...parsed.raw };
  for (const [name, value] of Object.entries(answers)) {
    const info = infos.find((i) => i.name === name);
    if (!info) {
      throw new UserError('unknown_option', `The form sent \`${name}\`, which /${parsed.path} does not take.`, {
        hint: `Type the command instead: /${parsed.path} …`,
      });
    }
    const text = value.trim();
    if (text !== '') raw[name] = coerceOption(info, text);
  }
  return { ...parsed, raw };
}

/** parseCommandLine plus the form's answers, when there are any. */
export function parseWithAnswers(registry: CommandRegistry, line: string, answers?: Record<string, string>): ParsedCommand {
  const parsed = parseCommandLine(registry, line);
  return answers ? withAnswers(parsed, answers) : parsed;
}
