import { actionsOf, type CommandDefinition } from './command.ts';
import { describeOptions, optionUsage } from './option-schema.ts';
import { usageLine } from './parse.ts';
import type { CommandRegistry } from './registry.ts';
import { reply, type Reply } from './reply.ts';
import { ROLE_DESCRIPTIONS, ROLES } from './roles.ts';

export interface HelpData {
  commands: { name: string; description: string; usage: string[] }[];
}

export function helpOverview(registry: CommandRegistry): Reply<HelpData> {
  const commands = registry.all().map((command) => ({
    name: command.name,
    description: command.description,
    usage: actionsOf(command).map(({ path, action }) => usageLine(path, action)),
  }));
  return reply(
    { commands },
    {
      title: 'Growthbot commands',
      text: commands.map((c) => `*/${c.name}*: ${c.description}`).join('\n'),
      notes: [
        'Type /help <command> for its options and examples.',
        'Options are key=value; put values with spaces in quotes: name="Spring sale".',
        'On Slack and Discord, a command sent without its required options opens a form to fill them in; on Slack, add the word form to open any command’s form (/segment run form).',
        'Shared results are posted in the channel (add private=true to see one alone); help, roles, the audit trail, customer records and errors are shown only to you.',
        `Roles, least to most: ${ROLES.join(' < ')}.`,
      ],
    },
  );
}

export function helpForCommand(command: CommandDefinition): Reply<HelpData> {
  const actions = actionsOf(command);
  const sections = actions.map(({ path, action }) => {
    const options = describeOptions(action.options).map((info) => {
      const extra = [
        info.required ? 'required' : undefined,
        info.defaultValue !== undefined ? `default ${String(info.defaultValue)}` : undefined,
      ]
        .filter(Boolean)
        .join(', ');
      return `  • \`${optionUsage(info)}\`: ${info.description}${extra ? ` (${extra})` : ''}`;
    });
    const examples = (action.examples ?? []).map((example) => `  e.g. \`${example}\``);
    return [
      `*\`${usageLine(path, action)}\`*`,
      `  ${action.description} Needs the ${action.role} role (${ROLE_DESCRIPTIONS[action.role]}). ${
        action.visibility === 'private'
          ? 'Only you see the answer.'
          : 'The answer is posted in the channel (private=true: only you see it).'
      }`,
      ...options,
      ...examples,
    ].join('\n');
  });
  return reply(
    {
      commands: [
        { name: command.name, description: command.description, usage: actions.map(({ path, action }) => usageLine(path, action)) },
      ],
    },
    { title: `/${command.name}`, text: `${command.description}\n\n${sections.join('\n\n')}` },
  );
}
