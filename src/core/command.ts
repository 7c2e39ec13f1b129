import type { z } from 'zod';
import type { Reply } from './reply.ts';
import type { Role } from './roles.ts';
import type { CommandContext } from './context.ts';

export type OptionsSchema = z.ZodObject<Record<string, z.ZodType>>;

/** One runnable action: a command's own action or one of its subcommands. */
export interface ActionDefinition<S extends OptionsSchema = OptionsSchema, D = unknown> {
  /** Subcommand name; absent for a command's own action. */
  name?: string;
  description: string;
  options: S;
  /** Options that may be given by position, in order (`/import orders data.csv`). */
  positional?: (keyof z.infer<S> & string)[];
  role: Role;
  examples?: string[];
  /** Slow work: adapters acknowledge at once with "working on it" and show progress. */
  long?: boolean;
  handler: (ctx: CommandContext, options: z.infer<S>) => Promise<Reply<D>>;
  /**
   * What the audit trail stores instead of the options (an option that is personal data, such as
   * the id of a customer being erased); `data` is the reply's data when the command succeeded.
   */
  auditOptions?: (options: Record<string, unknown>, data?: D) => Record<string, unknown>;
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
  return action as unknown as ActionDefinition;
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
