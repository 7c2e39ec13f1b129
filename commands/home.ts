import { z } from 'zod';
import { defineAction, defineCommand } from '../src/core/command.ts';
import { homeSummary } from '../src/home/summary.ts';
import { homeReply } from '../src/home/view.ts';
import { adminsOf } from '../src/home/who-to-ask.ts';

export default defineCommand({
  name: 'home',
  description: 'Your overview: approvals waiting for you, your campaigns and digests, the latest segment run.',
  action: defineAction({
    description: 'Shows what waits for you and what you own, with buttons to the commands.',
    options: z.object({}),
    role: 'viewer',
    visibility: 'private',
    examples: ['/home'],
    handler: async (ctx) => {
      const summary = await homeSummary(ctx.db, ctx.caller, ctx.role, ctx.now());
      const admins = summary.approvals === null ? await adminsOf(ctx.db, ctx.config, ctx.caller.platform) : [];
      return homeReply(summary, admins);
    },
  }),
});
