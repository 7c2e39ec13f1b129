import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRegistry } from '../../commands/index.ts';
import type { Bot, Invocation } from '../../src/core/bot.ts';
import { actionsOf } from '../../src/core/command.ts';
import type { Caller } from '../../src/core/context.ts';
import { UserError } from '../../src/core/errors.ts';
import { parseCommandLine } from '../../src/core/parse.ts';
import { permissionMarkdown, permissionMatrix } from '../../src/core/permissions.ts';
import type { CommandRegistry } from '../../src/core/registry.ts';
import { hasRole, ROLES, type Role } from '../../src/core/roles.ts';
import { createTestBot, run } from '../helpers/bot.ts';
import { createTestStore, type TestStore } from '../helpers/store.ts';

let store: TestStore;
let bot: Bot;
let registry: CommandRegistry;

const callerFor = (role: Role): Caller => ({ platform: 'slack', userId: `U_${role.toUpperCase()}`, channelId: 'C_ROLES' });

beforeAll(async () => {
  store = await createTestStore();
  bot = await createTestBot(store.db, store.dir, { env: { BOT_ADMINS: 'U_FIRST_ADMIN', DEFAULT_ROLE: 'viewer' } });
  registry = await loadRegistry();
  const at = '2026-11-25T00:00:00.000Z';
  await store.db
    .insertInto('role_grants')
    .values(ROLES.map((role) => ({ platform: 'slack', user_id: callerFor(role).userId, role, granted_by: 'setup', granted_at: at })))
    .execute();
});
afterAll(async () => store.close());

/** prepare() parses, checks the role and validates without running the handler: the error, or null when it would run. */
async function refusal(invocation: Invocation): Promise<UserError | null> {
  try {
    await bot.prepare(invocation);
    return null;
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    // refusals are audited just after the answer goes out
    await bot.settled();
    return error;
  }
}

async function deniedCount(userId: string): Promise<number> {
  const row = await store.db
    .selectFrom('audit_log')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('user_id', '=', userId)
    .where('outcome', '=', 'denied')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

describe('permission matrix', () => {
  it('covers every action of every registered command, with a role from the known ranks', () => {
    const matrix = permissionMatrix(registry);
    const expected = registry.all().flatMap((c) => actionsOf(c).map((a) => a.path));
    expect(matrix.map((p) => p.command)).toEqual(expected);
    expect(matrix.length).toBeGreaterThan(10);
    for (const p of matrix) {
      expect(ROLES).toContain(p.role);
      expect(ROLES.filter((r) => p.allowed[r])).toEqual(ROLES.slice(ROLES.indexOf(p.role)));
    }
    expect(permissionMarkdown(registry)).toContain('| /admin grant | admin | · | · | · | · | ✓ | only you |');
  });

  it('/admin permissions shows the matrix to admins only', async () => {
    const answer = await run(bot, '/admin permissions', callerFor('admin'));
    expect(answer.ok).toBe(true);
    expect(answer.data.permissions).toContainEqual({ command: 'admin grant', role: 'admin' });
    expect(answer.data.permissions).toHaveLength(permissionMatrix(registry).length);
    const refused = await run(bot, '/admin permissions', callerFor('approver'));
    expect(refused.data.error.code).toBe('forbidden');
  });
});

describe('every action x every role', () => {
  it('refuses below the required role (naming it, audited as denied) and never refuses at or above it', async () => {
    const deniedBefore = Object.fromEntries(
      await Promise.all(ROLES.map(async (r) => [r, await deniedCount(callerFor(r).userId)] as const)),
    );
    const expectedDenied: Record<Role, number> = { viewer: 0, analyst: 0, marketer: 0, approver: 0, admin: 0 };
    let cases = 0;
    for (const command of registry.all()) {
      for (const { path, action } of actionsOf(command)) {
        for (const role of ROLES) {
          const caller = callerFor(role);
          // typed (Slack, console, buttons) and structured (Discord options) invocations
          const invocations: Invocation[] = [
            { caller, text: `/${path}` },
            { caller, command: command.name, ...(action.name ? { subcommand: action.name } : {}), options: {} },
          ];
          for (const invocation of invocations) {
            cases++;
            const error = await refusal(invocation);
            const label = `/${path} as ${role}`;
            if (hasRole(role, action.role)) {
              expect(error?.code, `${label}: ${error?.message}`).not.toBe('forbidden');
            } else {
              expect(error?.code, label).toBe('forbidden');
              expect(error!.message, label).toContain(`needs the *${action.role}* role; you have *${role}*`);
              expect(error!.hint, label).toContain('/admin grant');
              expectedDenied[role]++;
            }
          }
        }
      }
    }
    expect(cases).toBe(permissionMatrix(registry).length * ROLES.length * 2);
    for (const role of ROLES) {
      expect(await deniedCount(callerFor(role).userId), role).toBe(deniedBefore[role]! + expectedDenied[role]);
    }
    expect(expectedDenied.admin).toBe(0);
    expect(expectedDenied.viewer).toBeGreaterThan(0);
  });

  it('answers where the definition says: private actions to the caller alone, public ones in the channel unless private=true', async () => {
    const caller = callerFor('admin');
    for (const command of registry.all()) {
      for (const { path, action } of actionsOf(command)) {
        const invocation = { caller, command: command.name, ...(action.name ? { subcommand: action.name } : {}) };
        let prepared;
        try {
          prepared = await bot.prepare({ ...invocation, options: {} });
        } catch {
          continue; // a required option is missing: the refusal is an error, private anyway
        }
        expect(prepared.private, `/${path}`).toBe(action.visibility === 'private');
        if (action.visibility === 'public') {
          expect((await bot.prepare({ ...invocation, options: { private: true } })).private, `/${path} private=true`).toBe(true);
        } else {
          expect(action.options.shape, `/${path}: a private action takes no private option`).not.toHaveProperty('private');
        }
      }
    }
    expect(
      permissionMatrix(registry)
        .filter((p) => p.visibility === 'private')
        .map((p) => p.command),
    ).toEqual(
      expect.arrayContaining([
        'help',
        'import customers',
        'segment export',
        'customer show',
        'customer forget',
        'admin roles',
        'audit list',
        'audit export',
      ]),
    );
  });

  it('a refusal through execute() is an ephemeral error reply, never an internal error, and the handler does not run', async () => {
    const before = await store.db.selectFrom('role_grants').selectAll().execute();
    const answer = await run(bot, '/admin grant U_VIEWER admin', callerFor('approver'));
    expect(answer.ok).toBe(false);
    expect(answer.data.error.code).toBe('forbidden');
    expect(answer.view.ephemeral).toBe(true);
    expect(await store.db.selectFrom('role_grants').selectAll().execute()).toEqual(before);
    const last = await store.db.selectFrom('audit_log').selectAll().orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow();
    expect([last.user_id, last.command, last.outcome]).toEqual(['U_APPROVER', 'admin grant', 'denied']);
    expect(last.detail).toContain('needs the *admin* role');
  });
});

describe('every action x tenancy', () => {
  it('refuses every action from a workspace or server not on the list, whatever the role, and audits it as denied', async () => {
    bot.tenancy.set('slack', { allowed: ['T0HOME'], setting: 'SLACK_TEAM_ID', restrictDirectMessages: false });
    bot.tenancy.set('discord', { allowed: ['900000000000000001'], setting: 'DISCORD_GUILD_IDS', restrictDirectMessages: true });
    try {
      const admin = callerFor('admin');
      const before = await deniedCount(admin.userId);
      let refused = 0;
      for (const command of registry.all()) {
        for (const { path, action } of actionsOf(command)) {
          const structured = { command: command.name, ...(action.name ? { subcommand: action.name } : {}), options: {} };
          const foreignSlack = await refusal({ caller: { ...admin, workspaceId: 'T0OTHER' }, ...structured });
          expect(foreignSlack?.code, `/${path} from another Slack workspace`).toBe('forbidden');
          expect(foreignSlack!.message).toContain('is not allowed to use this bot');
          const foreignDiscord = await refusal({
            caller: { ...admin, platform: 'discord', workspaceId: '900000000000000002' },
            ...structured,
          });
          expect(foreignDiscord?.code, `/${path} from another Discord server`).toBe('forbidden');
          const home = await refusal({ caller: { ...admin, workspaceId: 'T0HOME' }, ...structured });
          expect(home?.code, `/${path} at home`).not.toBe('forbidden');
          // a Discord DM has no server: neither the allow-list nor Discord roles apply, so only what needs no server runs
          const dm = await refusal({ caller: { ...admin, platform: 'discord', directMessage: true }, ...structured });
          if (action.inDirectMessages) expect(dm?.code, `/${path} in a DM`).not.toBe('forbidden');
          else expect(dm?.code, `/${path} in a DM`).toBe('forbidden');
          refused += action.inDirectMessages ? 2 : 3;
        }
      }
      expect(await deniedCount(admin.userId)).toBe(before + refused);
    } finally {
      bot.tenancy.set('slack', { allowed: [], setting: 'SLACK_TEAM_ID', restrictDirectMessages: false });
      bot.tenancy.set('discord', { allowed: [], setting: 'DISCORD_GUILD_IDS', restrictDirectMessages: false });
    }
  });
});

describe('buttons', () => {
  // The typed commands the bot's replies put on buttons (segment, digest, campaign views); adapters
  // send a clicked button's command through bot.prepare/bot.execute like a typed one.
  const buttonCommands = [
    '/segment show 1',
    '/segment export 1',
    '/digest send 1',
    '/roi from=2026-10-01 to=2026-10-31',
    '/campaign report 1',
    '/campaign approve 1',
    '/campaign reject 1 reason="not now"',
    '/audit outcome=refused until=2026-11-30T14:02:11.123Z page=2',
    '/audit export outcome=refused',
  ];

  it.each(buttonCommands)('%s is refused below its action’s role and allowed at or above it', async (text) => {
    const { path, action } = parseCommandLine(registry, text);
    for (const role of ROLES) {
      const error = await refusal({ caller: callerFor(role), text });
      if (hasRole(role, action.role)) expect(error?.code, `${path} as ${role}`).not.toBe('forbidden');
      else expect(error?.code, `${path} as ${role}`).toBe('forbidden');
    }
  });
});

describe('who is admin', () => {
  it('the first admin comes from BOT_ADMINS and can grant roles; others cannot', async () => {
    const first: Caller = { platform: 'slack', userId: 'U_FIRST_ADMIN', channelId: 'C_ROLES' };
    const newcomer: Caller = { platform: 'slack', userId: 'U_NEWCOMER', channelId: 'C_ROLES' };
    expect((await run(bot, '/admin roles', newcomer)).data.error.message).toContain('you have *viewer*');
    expect((await run(bot, '/admin grant U_NEWCOMER approver', newcomer)).data.error.code).toBe('forbidden');

    const roles = await run(bot, '/admin roles', first);
    expect(roles.ok).toBe(true);
    expect(roles.data.admins).toEqual(['U_FIRST_ADMIN']);
    expect((await run(bot, '/admin grant <@U_NEWCOMER> approver', first)).ok).toBe(true);
    expect((await run(bot, '/admin roles', newcomer)).data.error.message).toContain('you have *approver*');
    // a grant is per platform: the same id on Discord is still the default role
    const onDiscord = await run(bot, '/admin roles', { ...newcomer, platform: 'discord' });
    expect(onDiscord.data.error.message).toContain('you have *viewer*');
    expect((await run(bot, '/admin revoke U_NEWCOMER', first)).ok).toBe(true);
    expect((await run(bot, '/admin roles', newcomer)).data.error.message).toContain('you have *viewer*');
  });

  it('a granted role in the role table takes precedence over BOT_ADMINS (an admin can be demoted)', async () => {
    const first: Caller = { platform: 'slack', userId: 'U_FIRST_ADMIN', channelId: 'C_ROLES' };
    expect((await run(bot, '/admin grant U_FIRST_ADMIN analyst', first)).ok).toBe(true);
    expect((await run(bot, '/admin roles', first)).data.error.code).toBe('forbidden');
    await store.db.deleteFrom('role_grants').where('user_id', '=', 'U_FIRST_ADMIN').execute();
    expect((await run(bot, '/admin roles', first)).ok).toBe(true);
  });

  it('without BOT_ADMINS nobody on a chat platform is admin by default; the console user is', async () => {
    const plain = await createTestBot(store.db, store.dir, { env: {} });
    expect((await run(plain, '/admin roles', { platform: 'slack', userId: 'U_SOMEONE' })).data.error.code).toBe('forbidden');
    expect((await run(plain, '/admin roles', { platform: 'discord', userId: '123' })).data.error.code).toBe('forbidden');
    expect((await run(plain, '/admin roles')).ok).toBe(true);
  });
});
