import { z } from 'zod';
import type { Reply, View } from './reply.ts';
import type { Role } from './roles.ts';
import type { CommandContext } from './context.ts';

export type OptionsSchema = z.ZodObject<Record<string, z.ZodType>>;

/**
 * Who sees an answer: `public` goes to the channel (shared results: segment runs, metrics, digests,
 * campaigns), `private` only to the caller (help, roles, audit, customer records, files with PII).
 * Errors are always private.
 */
export type Visibility = 'public' | 'private';

/** The option every public action takes: `private=true` sends its answer to the caller alone. */
export const privateOption = z.boolean().describe('only you see the answer').optional();

/** One runnable action: a command's own action or one of its subcommands. */
export interface ActionDefinition<S extends OptionsSchema = OptionsSchema, D = unknown> {
  /** Subcommand name; absent for a command's own action. */
  name?: string;
  description: string;
  options: S;
  /** Options that may be given by position, in order (`/import orders data.csv`). */
  positional?: (keyof z.infer<S> & string)[];
  role: Role;
  /** Where the answer goes; public actions also take `private=true`. */
  visibility: Visibility;
  examples?: string[];
  /** Slow work: adapters acknowledge at once with "working on it" and show progress. */
  long?: boolean;
  /** Changes the store: the console asks before Ctrl-C cancels it. */
  writes?: boolean;
  /**
   * Answered in a direct message where commands otherwise need a server (Discord: no server, so
   * no allow-list and no Discord roles there). Only for actions that read nothing of the store.
   */
  inDirectMessages?: boolean;
  handler: (ctx: CommandContext, options: z.infer<S>) => Promise<Reply<D>>;
  /**
   * What the audit trail stores instead of the options (an option that is personal data, such as
   * the id of a customer being erased); `data` is the reply's data when the command succeeded.
   */
  auditOptions?: (options: Record<string, unknown>, data?: D) => Record<string, unknown>;
  /**
   * What a form shows before it saves (`/campaign create`: the rendered email), from validated
   * options. Read-only; a UserError here is shown beside the form's fields.
   */
  formPreview?: (ctx: CommandContext, options: z.infer<S>) => Promise<View>;
  /** Runs once the audit entries of earlier commands are written (it reads or rewrites the audit trail). */
  afterQueuedAudit?: boolean;
}

export interface CommandDefinition {
  name: string;
  description: string;
  /** Either one action (the command itself) or subcommands. */
  action?: ActionDefinition;
  subcommands?: ActionDefinition[];
  /** The subcommand used when the first word is not a subcommand name (`/clv customer=1`). */
  defaultSubcommand?: string;
}

export function defineAction<S extends OptionsSchema, D>(action: ActionDefinition<S, D>): ActionDefinition {
  const options =
    action.visibility === 'public' && !('private' in action.options.shape)
      ? action.options.extend({ private: privateOption })
      : action.options;
  return { ...action, options } as unknown as ActionDefinition;
}

/** Whether the answer of a validated command goes to the caller alone. */
export function answersPrivately(action: ActionDefinition, options: Record<string, unknown>): boolean {
  return action.visibility === 'private' || options.private === true;
}

export function defineCommand(command: CommandDefinition): CommandDefinition {
  if (!command.action === !command.subcommands) {
    throw new Error(`command ${command.name}: give either action or subcommands`);
  }
  for (const sub of command.subcommands ?? []) {
    if (!sub.name) throw new Error(`command ${command.name}: every subcommand needs a name`);
  }
  return command;
}

/** The actions of a command with their full names, e.g. `segment run`. */
export function actionsOf(command: CommandDefinition): { path: string; action: ActionDefinition }[] {
  if (command.action) return [{ path: command.name, action: command.action }];
  return command.subcommands!.map((action) => ({ path: `${command.name} ${action.name}`, action }));
}
