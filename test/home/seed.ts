import type { Bot } from '../../src/core/bot.ts';
import type { Caller } from '../../src/core/context.ts';
import { run } from '../helpers/bot.ts';
import { expectOk, ids, seedCustomers, seedSegment } from '../campaigns/fixtures.ts';

/** The admin set by BOT_ADMINS in these tests: the person a user without a role is told to ask. */
export const ADMIN = 'UADMIN1';

/** Slack users of the fake workspace, in the channel the fake Slack sends from. */
export function slackUser(userId: string): Caller {
  return { platform: 'slack', userId, channelId: 'C0FAKE001', workspaceId: 'T0FAKE001' };
}

export interface SeededHome {
  draft: number;
  pending: number;
  live: number;
  othersPending: number;
  approversOwn: number;
  digest: number;
}

/**
 * A small workspace: UMARKET has a draft, a campaign waiting for approval and one launched (sent);
 * UMARKET2 and the approver UAPPROVE each have one waiting; the admin has a weekly digest; one
 * segmentation run (seeded) holds the segment `loyal`.
 */
export async function seedHome(bot: Bot): Promise<SeededHome> {
  const at = '2026-11-01T00:00:00.000Z';
  await bot.db
    .insertInto('role_grants')
    .values(
      (
        [
          ['UMARKET', 'marketer'],
          ['UMARKET2', 'marketer'],
          ['UAPPROVE', 'approver'],
          ['UAPPROVE2', 'approver'],
        ] as const
      ).map(([user_id, role]) => ({ platform: 'slack', user_id, role, granted_by: 'seed', granted_at: at })),
    )
    .execute();
  const members = ids('c', 12);
  await seedCustomers(
    bot.db,
    members.map((id) => ({ id })),
  );
  await seedSegment(bot.db, 'loyal', members);
  const create = async (caller: Caller, name: string) =>
    expectOk(await run(bot, `/campaign create name="${name}" segment=loyal channel=log message=hello`, caller)).data.campaign.id as number;
  const marketer = slackUser('UMARKET');
  const draft = await create(marketer, 'Spring draft');
  const pending = await create(marketer, 'Summer sale');
  expectOk(await run(bot, `/campaign submit ${pending}`, marketer));
  const live = await create(marketer, 'Autumn promo');
  expectOk(await run(bot, `/campaign submit ${live}`, marketer));
  expectOk(await run(bot, `/campaign approve ${live}`, slackUser('UAPPROVE2')));
  expectOk(await run(bot, `/campaign launch ${live}`, marketer));
  const othersPending = await create(slackUser('UMARKET2'), 'Winter winback');
  expectOk(await run(bot, `/campaign submit ${othersPending}`, slackUser('UMARKET2')));
  const approversOwn = await create(slackUser('UAPPROVE'), 'Approver own');
  expectOk(await run(bot, `/campaign submit ${approversOwn}`, slackUser('UAPPROVE')));
  const digest = expectOk(await run(bot, '/digest schedule cron="0 9 * * MON" tz=Europe/Berlin', slackUser(ADMIN))).data.id as number;
  return { draft, pending, live, othersPending, approversOwn, digest };
}
