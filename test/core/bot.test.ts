import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { z } from 'zod';
import { loadConfig } from '../../src/config/config.ts';
import { Bot } from '../../src/core/bot.ts';
import { defineAction, defineCommand } from '../../src/core/command.ts';
import type { Caller } from '../../src/core/context.ts';
import { UserError } from '../../src/core/errors.ts';
import { CommandRegistry } from '../../src/core/registry.ts';
import { reply } from '../../src/core/reply.ts';
import { createTestBot, run } from '../helpers/bot.ts';
import { createTestStore, type TestStore } from '../helpers/store.ts';

let store: TestStore;
let bot: Bot;
const slackViewer: Caller = { platform: 'slack', userId: 'U_VIEWER', channelId: 'C1' };
const slackAdmin: Caller = { platform: 'slack', userId: 'U_ADMIN', channelId: 'C1' };

beforeAll(async () => {
  store = await createTestStore();
  bot = await createTestBot(store.db, store.dir, { env: { BOT_ADMINS: 'U_ADMIN', ROLE_MAP: 'slack:S_MKT=marketer' } });
});
afterAll(async () => store.close());

describe('Bot', () => {
  it('answers /help with every loaded command', async () => {
    const answer = await run(bot, '/help');
    expect(answer.ok).toBe(true);
    const names = (answer.data as { commands: { name: string }[] }).commands.map((c) => c.name);
    expect(names).toContain('help');
    expect(names).toContain('admin');
    const one = await run(bot, '/help admin');
    expect(one.view.text).toContain('/admin grant <user> <role>');
  });

  it('refuses a command above the caller’s role, says which role it needs, and audits the refusal', async () => {
    const answer = await run(bot, '/admin roles', slackViewer);
    expect(answer.ok).toBe(false);
    expect(answer.view.text).toContain('needs the *admin* role; you have *viewer*');
    const audit = await store.db.selectFrom('audit_log').selectAll().where('user_id', '=', 'U_VIEWER').execute();
    expect(audit.map((a) => a.outcome)).toEqual(['denied']);
  });

  it('takes admins from BOT_ADMINS, roles from the role table and from mapped platform groups', async () => {
    expect((await run(bot, '/admin grant <@U_VIEWER|viewer> analyst', slackAdmin)).ok).toBe(true);
    expect((await run(bot, '/admin roles', slackViewer)).view.text).toContain('you have *analyst*');
    const grouped: Caller = { ...slackViewer, userId: 'U_GROUPED', platformRoles: ['S_MKT'] };
    expect((await run(bot, '/admin roles', grouped)).view.text).toContain('you have *marketer*');
    expect((await run(bot, '/admin revoke U_VIEWER', slackAdmin)).ok).toBe(true);
    expect((await run(bot, '/admin revoke U_VIEWER', slackAdmin)).view.text).toContain('has no granted role');
  });

  it('audits every command with secrets and emails redacted', async () => {
    const before = await store.db
      .selectFrom('audit_log')
      .select((eb) => eb.fn.max('id').as('id'))
      .executeTakeFirstOrThrow();
    await run(bot, '/help command=admin');
    await run(bot, '/help nosuch');
    await run(bot, '/nonsense token=xoxb-123-abc email=jane@example.com');
    const rows = await store.db
      .selectFrom('audit_log')
      .selectAll()
      .where('user_id', '=', 'tester')
      .where('id', '>', Number(before.id))
      .orderBy('id')
      .execute();
    expect(rows.map((r) => [r.command, r.outcome])).toEqual([
      ['help', 'ok'],
      ['help', 'user_error'],
      ['nonsense', 'user_error'],
    ]);
    expect(JSON.stringify(rows)).not.toContain('jane@example.com');
    expect(JSON.stringify(rows)).not.toContain('xoxb-123-abc');
  });

  it('shows a user error as written and an internal failure as an apology with an id', async () => {
    const registry = new CommandRegistry([
      defineCommand({
        name: 'boom',
        description: 'fails',
        action: defineAction({
          description: 'fails',
          options: z.object({ kind: z.enum(['user', 'internal']) }),
          positional: ['kind'],
          role: 'viewer',
          visibility: 'public',
          handler: async (_ctx, { kind }) => {
            if (kind === 'user') throw new UserError('bad', 'That file has no header row.', { hint: 'Add a header row and import again.' });
            throw new Error('database exploded at jane@example.com');
          },
        }),
      }),
    ]);
    const logs: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => logs.push(line) });
    const local = new Bot({ db: store.db, config: loadConfig({}), logger, registry, outDir: store.dir });
    const user = await local.execute({ caller: slackAdmin, text: '/boom user' });
    expect(user.ok).toBe(false);
    expect(user.view.text).toBe('⚠️ That file has no header row.\nAdd a header row and import again.');
    const internal = await local.execute({ caller: slackAdmin, text: '/boom internal' });
    const errorId = (internal.data as { error: { error_id: string } }).error.error_id;
    expect(internal.view.text).toContain(`error id ${errorId}`);
    expect(internal.view.text).not.toContain('exploded');
    expect(logs.join('')).toContain(errorId);
  });
});
