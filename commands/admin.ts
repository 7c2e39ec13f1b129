import { z } from 'zod';
import { defineAction, defineCommand } from '../src/core/command.ts';
import { UserError } from '../src/core/errors.ts';
import { mention, userIdFromMention } from '../src/core/mention.ts';
import { reply } from '../src/core/reply.ts';
import { permissionMatrix, permissionTable } from '../src/core/permissions.ts';
import { parseRole, ROLE_DESCRIPTIONS, ROLES } from '../src/core/roles.ts';
import { findBadAmounts, removeBadAmounts, type BadAmount } from '../src/store/bad-amounts.ts';

/** Rows of the repair listing shown in chat; the data keeps them all. */
const SHOWN = 50;

function repairReply(found: BadAmount[], removed: boolean) {
  const count = (table: BadAmount['table']) => found.filter((f) => f.table === table).length;
  const summary = `${count('orders')} orders, ${count('spend')} spend rows, ${count('customer_attributes')} customer attributes`;
  const text =
    found.length === 0
      ? 'No stored amount is infinite, NaN or outside ±1,000,000,000,000: nothing to repair.'
      : removed
        ? `Removed ${found.length} stored amounts that were infinite, NaN or outside ±1,000,000,000,000 (${summary}). Import the corrected rows again if they matter.`
        : `Found ${found.length} stored amounts that are infinite, NaN or outside ±1,000,000,000,000 (${summary}); they break every metric that sums them. Nothing was changed: run \`/admin repair confirm=true\` to remove them.`;
  return reply(
    { removed, found: found.map((f) => ({ ...f, value: String(f.value) })) },
    {
      title: 'Stored amounts',
      text,
      tables: found.length
        ? [
            {
              title: found.length > SHOWN ? `First ${SHOWN} of ${found.length}` : undefined,
              columns: ['Table', 'Row', 'Column', 'Value'],
              rows: found.slice(0, SHOWN).map((f) => [f.table, f.key, f.column, String(f.value)]),
            },
          ]
        : undefined,
      notes: ['Earlier versions could store such amounts from a file (an amount of 1e308); imports now reject them at the row.'],
    },
  );
}

const user = z.string().min(1).meta({ kind: 'user' }).describe('the user: @mention or platform user id');

export default defineCommand({
  name: 'admin',
  description: 'Grant and revoke the bot’s roles; repair stored amounts.',
  subcommands: [
    defineAction({
      name: 'grant',
      description: 'Gives a user a role on this platform (replacing any role they had).',
      options: z.object({ user, role: z.enum(ROLES).describe('the role to grant') }),
      positional: ['user', 'role'],
      role: 'admin',
      visibility: 'private',
      examples: ['/admin grant @jane marketer'],
      handler: async (ctx, { user, role }) => {
        const userId = userIdFromMention(user);
        const at = ctx.now().toISOString();
        await ctx.db
          .insertInto('role_grants')
          .values({ platform: ctx.caller.platform, user_id: userId, role, granted_by: ctx.caller.userId, granted_at: at })
          .onConflict((oc) => oc.columns(['platform', 'user_id']).doUpdateSet({ role, granted_by: ctx.caller.userId, granted_at: at }))
          .execute();
        return reply(
          { platform: ctx.caller.platform, user_id: userId, role },
          { text: `✅ ${mention(userId)} is now *${role}* (${ROLE_DESCRIPTIONS[role]}).` },
        );
      },
    }),
    defineAction({
      name: 'revoke',
      description: 'Removes a user’s granted role; they fall back to the default role.',
      options: z.object({ user }),
      positional: ['user'],
      role: 'admin',
      visibility: 'private',
      examples: ['/admin revoke @jane'],
      handler: async (ctx, { user }) => {
        const userId = userIdFromMention(user);
        const result = await ctx.db
          .deleteFrom('role_grants')
          .where('platform', '=', ctx.caller.platform)
          .where('user_id', '=', userId)
          .executeTakeFirst();
        if (Number(result.numDeletedRows) === 0) {
          throw new UserError('no_grant', `${mention(userId)} has no granted role to revoke.`, {
            hint: 'See who has which role with /admin roles.',
          });
        }
        return reply(
          { platform: ctx.caller.platform, user_id: userId, role: ctx.config.DEFAULT_ROLE },
          { text: `✅ Revoked. ${mention(userId)} now has the default role *${ctx.config.DEFAULT_ROLE}*.` },
        );
      },
    }),
    defineAction({
      name: 'roles',
      description: 'Lists granted roles, the configured admins and the default role.',
      options: z.object({}),
      role: 'admin',
      visibility: 'private',
      handler: async (ctx) => {
        const grants = await ctx.db
          .selectFrom('role_grants')
          .selectAll()
          .where('platform', '=', ctx.caller.platform)
          .orderBy('role', 'desc')
          .orderBy('user_id')
          .execute();
        return reply(
          {
            grants: grants.map((g) => ({
              user_id: g.user_id,
              role: parseRole(g.role),
              granted_by: g.granted_by,
              granted_at: g.granted_at,
            })),
            admins: ctx.config.BOT_ADMINS,
            default_role: ctx.config.DEFAULT_ROLE,
          },
          {
            title: 'Roles',
            tables: grants.length
              ? [
                  {
                    columns: ['User', 'Role', 'Granted by', 'When'],
                    rows: grants.map((g) => [mention(g.user_id), g.role, mention(g.granted_by), g.granted_at.slice(0, 10)]),
                  },
                ]
              : undefined,
            text: grants.length ? undefined : 'No roles granted yet.',
            fields: [
              {
                label: 'Admins by configuration (BOT_ADMINS)',
                value: ctx.config.BOT_ADMINS.length ? ctx.config.BOT_ADMINS.map((id) => mention(id)).join(', ') : 'none',
              },
              { label: 'Everyone else', value: ctx.config.DEFAULT_ROLE },
            ],
            notes: [`Roles, least to most: ${ROLES.join(' < ')}.`],
          },
        );
      },
    }),
    defineAction({
      name: 'repair',
      description: 'Lists stored amounts that are infinite, NaN or past ±10^12; confirm=true removes them.',
      options: z.object({ confirm: z.boolean().describe('remove the rows listed (without it, only list them)').default(false) }),
      role: 'admin',
      visibility: 'private',
      examples: ['/admin repair', '/admin repair confirm=true'],
      handler: async (ctx, { confirm }) =>
        confirm ? repairReply(await removeBadAmounts(ctx.db), true) : repairReply(await findBadAmounts(ctx.db), false),
    }),
    defineAction({
      name: 'permissions',
      description: 'Shows which role each command needs (the matrix the bot enforces).',
      options: z.object({}),
      role: 'admin',
      visibility: 'private',
      handler: async (ctx) =>
        reply(
          { permissions: permissionMatrix(ctx.commands).map((p) => ({ command: p.command, role: p.role })) },
          {
            title: 'Permissions',
            tables: [permissionTable(ctx.commands)],
            notes: [
              `Each role may do everything the roles before it may: ${ROLES.join(' < ')}. Buttons run their typed command under the same check.`,
            ],
          },
        ),
    }),
  ],
});
