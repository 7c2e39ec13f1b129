import type { Kysely } from 'kysely';
import type { Bot } from '../../src/core/bot.ts';
import type { Caller } from '../../src/core/context.ts';
import type { Reply } from '../../src/core/reply.ts';
import type { Database } from '../../src/store/schema.ts';

export const marketer: Caller = { platform: 'slack', userId: 'UMARKET', channelId: 'CMARKETING' };
export const marketer2: Caller = { platform: 'slack', userId: 'UMARKET2', channelId: 'CMARKETING' };
export const approver: Caller = { platform: 'slack', userId: 'UAPPROVE', channelId: 'CAPPROVALS' };
export const viewer: Caller = { platform: 'slack', userId: 'UVIEW', channelId: 'CMARKETING' };

export async function grantRoles(db: Kysely<Database>): Promise<void> {
  const at = '2026-11-01T00:00:00.000Z';
  const grants: [string, string][] = [
    ['UMARKET', 'marketer'],
    ['UMARKET2', 'marketer'],
    ['UAPPROVE', 'approver'],
    ['UVIEW', 'viewer'],
  ];
  await db
    .insertInto('role_grants')
    .values(grants.map(([user_id, role]) => ({ platform: 'slack', user_id, role, granted_by: 'seed', granted_at: at })))
    .execute();
}

export interface SeedCustomer {
  id: string;
  consent?: number;
  email?: string | null;
}

export async function seedCustomers(db: Kysely<Database>, customers: SeedCustomer[]): Promise<void> {
  const at = '2026-01-01T00:00:00.000Z';
  for (let i = 0; i < customers.length; i += 200) {
    await db
      .insertInto('customers')
      .values(
        customers.slice(i, i + 200).map((c) => ({
          customer_id: c.id,
          email: c.email === undefined ? `${c.id}@example.com` : c.email,
          name: `Customer ${c.id}`,
          signup_date: '2026-01-01',
          country: 'US',
          acquisition_channel: 'organic',
          consent: c.consent ?? 1,
          created_at: at,
          updated_at: at,
        })),
      )
      .execute();
  }
}

export const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${String(i + 1).padStart(3, '0')}`);

/** A stored segment as /segment would leave it: one run, one segment, its members. */
export async function seedSegment(db: Kysely<Database>, name: string, customerIds: string[]): Promise<number> {
  const at = '2026-11-01T00:00:00.000Z';
  const run = await db
    .insertInto('segment_runs')
    .values({
      name: `${name}-run`,
      method: 'rfm',
      k: 1,
      as_of: '2026-11-01',
      features: '[]',
      parameters: '{}',
      details: '{}',
      customers: customerIds.length,
      inertia: null,
      created_at: at,
      created_by: 'seed',
      platform: 'console',
    } as never)
    .returning('id')
    .executeTakeFirstOrThrow();
  const segment = await db
    .insertInto('segments')
    .values({
      run_id: Number(run.id),
      position: 0,
      name,
      kind: 'rfm',
      size: customerIds.length,
      share: 1,
      revenue_share: null,
      action: 'none',
      profile: '{}',
    } as never)
    .returning('id')
    .executeTakeFirstOrThrow();
  for (let i = 0; i < customerIds.length; i += 200) {
    await db
      .insertInto('segment_members')
      .values(
        customerIds
          .slice(i, i + 200)
          .map((customer_id) => ({ run_id: Number(run.id), customer_id, segment_id: Number(segment.id), feature_values: '{}' })) as never,
      )
      .execute();
  }
  return Number(segment.id);
}

/** A clock tests move by hand. */
export function testClock(start: string) {
  let now = new Date(start);
  return {
    now: () => new Date(now),
    set(iso: string) {
      now = new Date(iso);
    },
    advanceHours(hours: number) {
      now = new Date(now.getTime() + hours * 3_600_000);
    },
  };
}

/** Posts the bot made through the slack notifier. */
export function captureNotifications(bot: Bot) {
  const posts: { channelId: string; reply: Reply }[] = [];
  bot.setNotifier('slack', async (target, reply) => {
    posts.push({ channelId: target.channelId, reply });
  });
  return posts;
}

/**
 * Posts through the slack notifier with message ids, the in-place updates of them (approval cards), and the
 * replies in a card's thread (the requester told of the outcome).
 */
export function captureCards(bot: Bot) {
  const posts: { id: string; channelId: string; reply: Reply }[] = [];
  const updates: { id: string; channelId: string; reply: Reply }[] = [];
  const threads: { thread: string; channelId: string; reply: Reply }[] = [];
  bot.setNotifier(
    'slack',
    async (target, reply) => {
      if (target.thread) {
        threads.push({ thread: target.thread, channelId: target.channelId, reply });
        return { platform: 'slack', channelId: target.channelId, messageIds: [`T${threads.length}`] };
      }
      const id = `M${posts.length + 1}`;
      posts.push({ id, channelId: target.channelId, reply });
      return { platform: 'slack', channelId: target.channelId, messageIds: [id] };
    },
    async (posted, reply) => {
      updates.push({ id: posted.messageIds[0]!, channelId: posted.channelId, reply });
    },
  );
  return { posts, updates, threads };
}

export function expectOk(reply: Reply<any>): Reply<any> {
  if (!reply.ok) throw new Error(`expected ok, got ${JSON.stringify(reply.data)}`);
  return reply;
}
