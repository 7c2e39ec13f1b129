import type { ActionDefinition, CommandDefinition } from './command.ts';
import { actionsOf } from './command.ts';
import { UserError } from './errors.ts';
import { didYouMean } from './suggest.ts';

export class CommandRegistry {
  readonly #commands = new Map<string, CommandDefinition>();

  constructor(commands: CommandDefinition[] = []) {
    for (const command of commands) this.add(command);
  }

  add(command: CommandDefinition): void {
    if (this.#commands.has(command.name)) throw new Error(`command ${command.name} is defined twice`);
    this.#commands.set(command.name, command);
  }

  all(): CommandDefinition[] {
    return [...this.#commands.values()];
  }

  names(): string[] {
    return [...this.#commands.keys()];
  }

  get(name: string): CommandDefinition {
    const key = name.replace(/^\//, '').toLowerCase();
    const command = this.#commands.get(key);
    if (!command) {
      throw new UserError('unknown_command', `There is no command \`/${key}\`.${didYouMean(key, this.names())}`, {
        hint: `Commands: ${this.names()
          .map((n) => `/${n}`)
          .join(', ')}. Type /help for what each does.`,
      });
    }
    return command;
  }

  /** The action of a command by subcommand name (undefined: the command's own or default action). */
  action(command: CommandDefinition, subcommand?: string): { path: string; action: ActionDefinition } {
    const actions = actionsOf(command);
    if (command.action) return actions[0]!;
    const wanted = subcommand ?? command.defaultSubcommand;
    const found = actions.find((a) => a.action.name === wanted);
    if (found) return found;
    const names = command.subcommands!.map((a) => a.name!);
    const what =
      wanted === undefined
        ? `\`/${command.name}\` needs a subcommand.`
        : `\`/${command.name}\` has no subcommand \`${wanted}\`.${didYouMean(wanted, names)}`;
    throw new UserError('unknown_subcommand', what, {
      hint: `Use one of: ${names.map((n) => `/${command.name} ${n}`).join(', ')}. Type /help ${command.name} for details.`,
    });
  }
}
