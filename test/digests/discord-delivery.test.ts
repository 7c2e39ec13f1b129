import 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDigest, runtimeOf } from '../../src/digests/run-digest.ts';
import { createSchedule } from '../../src/digests/schedules.ts';
import { DIGEST_CHANNEL, GROWTH_CHANNEL, startHarness, type Harness } from '../discord/helpers/harness.ts';
import { seedDigestStore } from './seed.ts';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
  await seedDigestStore(h.store.db);
});
afterAll(() => h?.close());

// failChannelMessages(id, undefined) falls back to its default failure; null is what clears it.
const allowChannel = () => h.fake.failChannelMessages(DIGEST_CHANNEL, null as unknown as undefined);

function schedule(createdByChannel = GROWTH_CHANNEL) {
  return createSchedule(
    h.store.db,
    {
      platform: 'discord',
      channelId: DIGEST_CHANNEL,
      cron: '0 9 * * MON',
      timeZone: 'America/New_York',
      sections: ['kpis', 'channels'],
      period: 'week',
      onlyOnChange: false,
      createdBy: '1200000000000000009',
      createdByPlatform: 'discord',
      createdByChannel,
    },
    new Date('2026-11-20T10:00:00Z'),
  );
}

describe('digest delivery through the real Discord adapter against the fake Discord', () => {
  it('retries after a transient failure (503) and posts the embed with the chart attached', async () => {
    const s = await schedule();
    h.fake.failChannelMessages(DIGEST_CHANNEL, { status: 503, code: 0, message: 'Service Unavailable' });
    // Discord is back during the backoff before the second attempt.
    const rt = runtimeOf(h.bot, { retry: { attempts: 3, baseDelayMs: 1 }, sleep: async () => void allowChannel() });
    const outcome = await runDigest(rt, s, new Date('2026-11-23T14:00:00Z'));
    expect(outcome, JSON.stringify(outcome)).toMatchObject({ status: 'posted', attempts: 2 });
    const posted = h.fake.messagesIn(DIGEST_CHANNEL);
    expect(JSON.stringify(posted.map((m) => m.body))).toContain('Weekly digest');
    expect(JSON.stringify(posted.map((m) => m.body))).toContain('America/New_York');
    const chart = posted.flatMap((m) => m.files).find((f) => f.filename.endsWith('.png'))!;
    expect(chart.data.length).toBeGreaterThan(1000);
    expect(chart.data.subarray(1, 4).toString()).toBe('PNG');
  });

  it('records a channel that refuses (Missing Access 50001) as failed at once and tells the creator in the channel they used', async () => {
    const s = await schedule();
    h.fake.failChannelMessages(DIGEST_CHANNEL);
    try {
      const outcome = await runDigest(
        runtimeOf(h.bot, { retry: { attempts: 3, baseDelayMs: 1 }, sleep: async () => {} }),
        s,
        new Date('2026-11-23T14:00:00Z'),
      );
      expect(outcome).toMatchObject({ status: 'failed', attempts: 1 });
      expect(outcome.status === 'failed' && outcome.detail).toContain('Missing Access');
    } finally {
      allowChannel();
    }
    const told = h.fake.messagesIn(GROWTH_CHANNEL).at(-1)!;
    expect(JSON.stringify(told.body)).toContain('was not delivered');
    const run = await h.store.db.selectFrom('digest_runs').selectAll().where('schedule_id', '=', s.id).executeTakeFirstOrThrow();
    expect(run.status).toBe('failed');
  });

  it('Unknown Channel (10003) in the channel it was scheduled from: failed, the owner told by direct message (sendToUser)', async () => {
    const s = await schedule(DIGEST_CHANNEL);
    h.fake.failChannelMessages(DIGEST_CHANNEL, { status: 404, code: 10003, message: 'Unknown Channel' });
    try {
      const outcome = await runDigest(
        runtimeOf(h.bot, { retry: { attempts: 3, baseDelayMs: 1 }, sleep: async () => {} }),
        s,
        new Date('2026-11-23T14:00:00Z'),
      );
      expect(outcome).toMatchObject({ status: 'failed', attempts: 1 });
    } finally {
      allowChannel();
    }
    const dm = h.fake.directMessagesTo('1200000000000000009');
    expect(dm).toHaveLength(1);
    expect(JSON.stringify(dm[0]!.body)).toContain('was not delivered');
    const run = await h.store.db.selectFrom('digest_runs').selectAll().where('schedule_id', '=', s.id).executeTakeFirstOrThrow();
    expect(run.status).toBe('failed');
    expect(run.detail).toMatch(/refused the digest: .*\(told 1200000000000000009 by direct message\)$/);
  });
});
