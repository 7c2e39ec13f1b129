import type { Kysely, Selectable } from 'kysely';
import type { Platform } from '../core/context.ts';
import type { Reply } from '../core/reply.ts';
import type { Database, DigestSubscriptionsTable } from '../store/schema.ts';
import { DEFAULT_RETRY, deliverWithRetry, realSleep } from './delivery.ts';
import type { DigestRuntime } from './run-digest.ts';

export type DigestSubscription = Selectable<DigestSubscriptionsTable>;

export interface Subscriber {
  platform: Platform;
  userId: string;
}

const normalise = (row: DigestSubscription): DigestSubscription => ({ ...row, id: Number(row.id), schedule_id: Number(row.schedule_id) });

/** Adds a subscriber; false when they already were one. */
export async function subscribe(db: Kysely<Database>, scheduleId: number, who: Subscriber, now: Date): Promise<boolean> {
  const row = await db
    .insertInto('digest_subscriptions')
    .values({ schedule_id: scheduleId, platform: who.platform, user_id: who.userId, created_at: now.toISOString() })
    .onConflict((oc) => oc.columns(['schedule_id', 'platform', 'user_id']).doNothing())
    .returning('id')
    .executeTakeFirst();
  return row !== undefined;
}

/** Removes a subscriber; false when they were not one. */
export async function unsubscribe(db: Kysely<Database>, scheduleId: number, who: Subscriber): Promise<boolean> {
  const result = await db
    .deleteFrom('digest_subscriptions')
    .where('schedule_id', '=', scheduleId)
    .where('platform', '=', who.platform)
    .where('user_id', '=', who.userId)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

export async function subscriptionsOf(db: Kysely<Database>, scheduleId: number): Promise<DigestSubscription[]> {
  const rows = await db.selectFrom('digest_subscriptions').selectAll().where('schedule_id', '=', scheduleId).orderBy('id').execute();
  return rows.map(normalise);
}

/** The schedule ids a person subscribes to. */
export async function subscribedSchedules(db: Kysely<Database>, who: Subscriber): Promise<number[]> {
  const rows = await db
    .selectFrom('digest_subscriptions')
    .select('schedule_id')
    .where('platform', '=', who.platform)
    .where('user_id', '=', who.userId)
    .orderBy('schedule_id')
    .execute();
  return rows.map((r) => Number(r.schedule_id));
}

/** Claims one run for one subscriber before the message goes out; null when that run already reached them (or is on its way). */
async function claimSend(db: Kysely<Database>, runId: number, subscriptionId: number, now: Date): Promise<number | null> {
  const row = await db
    .insertInto('digest_subscription_sends')
    .values({ run_id: runId, subscription_id: subscriptionId, status: 'claimed', attempts: 0, claimed_at: now.toISOString() })
    .onConflict((oc) => oc.columns(['run_id', 'subscription_id']).doNothing())
    .returning('id')
    .executeTakeFirst();
  return row ? Number(row.id) : null;
}

async function finishSend(
  db: Kysely<Database>,
  sendId: number,
  result: { status: 'sent' | 'failed'; attempts: number; detail?: string },
  now: Date,
): Promise<void> {
  await db
    .updateTable('digest_subscription_sends')
    .set({ status: result.status, attempts: result.attempts, detail: result.detail ?? null, finished_at: now.toISOString() })
    .where('id', '=', sendId)
    .execute();
}

export interface SubscriberSends {
  sent: number;
  failed: number;
  /** Already sent (or being sent) for this run: skipped. */
  skipped: number;
}

/**
 * Sends a posted run to each subscriber of the schedule by direct message, once per run: each (run,
 * subscriber) is claimed first, so a run resumed or re-delivered never messages anyone twice. Transient
 * failures are retried as a channel post is (a few attempts); then the send is recorded as failed and logged,
 * never tried again. Only people subscribed before `postedAt` get it. Never throws.
 */
export async function sendToSubscribers(
  rt: DigestRuntime,
  scheduleId: number,
  runId: number,
  postedAt: Date,
  message: (platform: Platform) => Reply,
): Promise<SubscriberSends> {
  const counts: SubscriberSends = { sent: 0, failed: 0, skipped: 0 };
  let subscriptions: DigestSubscription[];
  try {
    subscriptions = (await subscriptionsOf(rt.db, scheduleId)).filter((s) => s.created_at <= postedAt.toISOString());
  } catch (error) {
    rt.logger.error({ err: error, digest: scheduleId, run: runId }, 'could not read the digest’s subscribers; none was sent this run');
    return counts;
  }
  for (const subscription of subscriptions) {
    const log = rt.logger.child({ digest: scheduleId, run: runId, subscriber: `${subscription.platform}:${subscription.user_id}` });
    try {
      const sendId = await claimSend(rt.db, runId, subscription.id, rt.now());
      if (sendId === null) {
        counts.skipped++;
        continue;
      }
      const target = { platform: subscription.platform as Platform, channelId: subscription.user_id, direct: true };
      const delivery = await deliverWithRetry(
        rt.notify,
        target,
        message(target.platform),
        rt.retry ?? DEFAULT_RETRY,
        rt.sleep ?? realSleep,
      );
      if (delivery.ok) {
        await finishSend(rt.db, sendId, { status: 'sent', attempts: delivery.attempts }, rt.now());
        counts.sent++;
      } else {
        const detail = `${delivery.refused ? 'refused' : `failed after ${delivery.attempts} attempts`}: ${delivery.error}`;
        await finishSend(rt.db, sendId, { status: 'failed', attempts: delivery.attempts, detail }, rt.now());
        log.warn({ attempts: delivery.attempts }, `digest not delivered to a subscriber by direct message (not tried again): ${detail}`);
        counts.failed++;
      }
    } catch (error) {
      log.error({ err: error }, 'could not send the digest to a subscriber');
      counts.failed++;
    }
  }
  return counts;
}
