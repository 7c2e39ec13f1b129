import { z } from 'zod';
import { defineAction, defineCommand } from '../src/core/command.ts';
import { helpForCommand, helpOverview } from '../src/core/help.ts';

export default defineCommand({
  name: 'help',
  description: 'List the commands, or show one command’s options and examples.',
  action: defineAction({
    description: 'Shows what the bot can do.',
    options: z.object({ command: z.string().describe('a command name, e.g. import').optional() }),
    positional: ['command'],
    role: 'viewer',
    visibility: 'private',
    inDirectMessages: true,
    examples: ['/help', '/help import'],
    handler: async (ctx, { command }) => (command ? helpForCommand(ctx.commands.get(command)) : helpOverview(ctx.commands)),
  }),
});
