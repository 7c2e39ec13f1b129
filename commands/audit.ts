import { z } from 'zod';
import { describeOutcome } from '../src/core/audit.ts';
import { defineAction, defineCommand } from '../src/core/command.ts';
import { isoDate } from '../src/core/dates.ts';
import { formatCount } from '../src/core/format.ts';
import { userIdFromMention } from '../src/core/mention.ts';
import { reply } from '../src/core/reply.ts';

export default defineCommand({
  name: 'audit',
  description: 'Who ran which command, when, and how it ended.',
  action: defineAction({
    description: 'Shows the audit trail, newest first.',
    options: z.object({
      user: z.string().optional().describe('only this user (@mention or id)'),
      command: z.string().optional().describe('only this command, e.g. import'),
      since: isoDate.optional().describe('only from this date on'),
      limit: z.number().int().min(1).max(200).default(20).describe('how many entries'),
    }),
    role: 'admin',
    visibility: 'private',
    examples: ['/audit user=@jane since=2026-11-01', '/audit command=campaign'],
    handler: async (ctx, { user, command, since, limit }) => {
      let query = ctx.db.selectFrom('audit_log').selectAll().orderBy('id', 'desc').limit(limit);
      if (user) query = query.where('user_id', '=', userIdFromMention(user));
      if (command)
        query = query.where((eb) =>
          eb.or([eb('command', '=', command.replace(/^\//, '')), eb('command', 'like', `${command.replace(/^\//, '')} %`)]),
        );
      if (since) query = query.where('at', '>=', since);
      const entries = await query.execute();
      return reply(
        { entries: entries.map((e) => ({ ...e, options: JSON.parse(e.options) as unknown })) },
        {
          title: 'Audit trail',
          text: entries.length ? `${formatCount(entries.length)} most recent entries.` : 'No audit entries match.',
          tables: entries.length
            ? [
                {
                  columns: ['When (UTC)', 'Who', 'Where', 'Command', 'Outcome'],
                  rows: entries.map((e) => [
                    e.at.slice(0, 19).replace('T', ' '),
                    e.user_id,
                    e.platform,
                    e.command,
                    describeOutcome(e.outcome, e.detail),
                  ]),
                },
              ]
            : undefined,
        },
      );
    },
  }),
});
