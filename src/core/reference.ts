import { actionsOf, type CommandDefinition } from './command.ts';
import { describeOptions, optionUsage } from './option-schema.ts';
import { usageLine } from './parse.ts';

/** The command reference in Markdown, generated from the definitions (README, docs). */
export function commandReference(commands: CommandDefinition[]): string {
  const sections = commands.map((command) => {
    const actions = actionsOf(command).map(({ path, action }) => {
      const options = describeOptions(action.options).map((info) => {
        const extra = [
          info.required ? 'required' : undefined,
          info.defaultValue !== undefined ? `default \`${String(info.defaultValue)}\`` : undefined,
        ]
          .filter(Boolean)
          .join(', ');
        return `  - \`${optionUsage(info)}\`: ${info.description}${extra ? ` (${extra})` : ''}`;
      });
      const examples = (action.examples ?? []).map(
        (example) =>
          `  - e.g. \`${example}\`${needsNetwork(example) ? ' (needs the network: put your own URL in place of example.com)' : ''}`,
      );
      return [
        `- \`${usageLine(path, action)}\` (role: ${action.role}${action.long ? ', runs in the background with progress' : ''})  `,
        `  ${action.description}`,
        ...options,
        ...examples,
      ].join('\n');
    });
    return [`### /${command.name}`, '', command.description, '', ...actions].join('\n');
  });
  return sections.join('\n\n');
}

/** An example that downloads from example.com: it shows the form, and cannot run on the demo data alone. */
export function needsNetwork(example: string): boolean {
  return /https:\/\/example\.com\//.test(example);
}
