import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDigest, runtimeOf } from '../../src/digests/run-digest.ts';
import { startDigestScheduler } from '../../src/digests/scheduler.ts';
import { createSchedule } from '../../src/digests/schedules.ts';
import { startHarness, type SlackHarness } from '../slack/helpers/slack-harness.ts';
import { seedDigestStore } from './seed.ts';

let h: SlackHarness;
const noSleep = { retry: { attempts: 3, baseDelayMs: 1 }, sleep: async () => {} };
const fire = new Date('2026-11-23T08:00:00Z');

beforeAll(async () => {
  h = await startHarness({ mode: 'http' });
  await seedDigestStore(h.store.db);
});
afterAll(() => h?.close());

function schedule(channelId: string, createdByChannel = 'C0ADMIN') {
  return createSchedule(
    h.store.db,
    {
      platform: 'slack',
      channelId,
      cron: '0 9 * * MON',
      timeZone: 'Europe/Berlin',
      sections: ['kpis', 'channels'],
      period: 'week',
      onlyOnChange: false,
      createdBy: 'U0ADMIN',
      createdByPlatform: 'slack',
      createdByChannel,
    },
    new Date('2026-11-20T10:00:00Z'),
  );
}

describe('digest delivery through the real Slack adapter against FakeSlack', () => {
  it('retries after a transient error (internal_error), then posts the blocks and uploads the chart', async () => {
    const s = await schedule('C0DIGEST');
    let refused = 0;
    h.fake.on('chat.postMessage', (params) =>
      params.channel === 'C0DIGEST' && refused++ === 0 ? { ok: false, error: 'internal_error' } : undefined,
    );
    try {
      const outcome = await runDigest(runtimeOf(h.bot, noSleep), s, fire);
      expect(outcome).toMatchObject({ status: 'posted', attempts: 2 });
    } finally {
      h.fake.off('chat.postMessage');
    }
    const posted = h.fake.callsTo('chat.postMessage').filter((c) => c.params.channel === 'C0DIGEST');
    expect(JSON.stringify(posted.at(-1)!.params.blocks)).toContain('Weekly digest');
    expect(JSON.stringify(posted.at(-1)!.params.blocks)).toContain('Europe/Berlin');
    const chart = [...h.fake.uploads.values()].find((u) => u.filename.endsWith('.png'));
    expect(chart?.completed).toBe(true);
    expect(chart!.length).toBeGreaterThan(1000);
  });

  it('records channel_not_found as failed at once (no retry) and tells the creator where they scheduled it', async () => {
    const s = await schedule('C0GONE');
    h.fake.on('chat.postMessage', (params) => (params.channel === 'C0GONE' ? { ok: false, error: 'channel_not_found' } : undefined));
    try {
      const outcome = await runDigest(runtimeOf(h.bot, noSleep), s, fire);
      expect(outcome).toMatchObject({ status: 'failed', attempts: 1 });
      expect(outcome.status === 'failed' && outcome.detail).toContain('channel_not_found');
    } finally {
      h.fake.off('chat.postMessage');
    }
    expect(h.fake.callsTo('chat.postMessage').filter((c) => c.params.channel === 'C0GONE')).toHaveLength(1);
    const told = h.fake.callsTo('chat.postMessage').filter((c) => c.params.channel === 'C0ADMIN');
    expect(JSON.stringify(told.at(-1)!.params)).toContain('was not delivered');
    const run = await h.store.db.selectFrom('digest_runs').selectAll().where('schedule_id', '=', s.id).executeTakeFirstOrThrow();
    expect(run).toMatchObject({ status: 'failed', attempts: 1 });
    expect(run.detail).toContain('told U0ADMIN in C0ADMIN');
  });

  it('an archived channel: failed with the reason, the owner told by direct message, never retried by later looks', async () => {
    const s = await schedule('C0ARCHIVED', 'C0ARCHIVED'); // scheduled from the channel that now refuses
    h.fake.on('chat.postMessage', (params) => (params.channel === 'C0ARCHIVED' ? { ok: false, error: 'is_archived' } : undefined));
    try {
      const outcome = await runDigest(runtimeOf(h.bot, noSleep), s, fire);
      expect(outcome).toMatchObject({ status: 'failed', attempts: 1 });
      // later looks for claims to resume (a tick, another start) leave a failed run alone
      const scheduler = startDigestScheduler({ bot: h.bot, createTask: () => ({ stop: () => {} }), runtime: noSleep, reconcileMs: 0 });
      await scheduler.ready;
      await scheduler.resumeAbandoned();
      await scheduler.stop();
    } finally {
      h.fake.off('chat.postMessage');
    }
    expect(h.fake.callsTo('chat.postMessage').filter((c) => c.params.channel === 'C0ARCHIVED')).toHaveLength(1);
    const dm = h.fake.callsTo('chat.postMessage').filter((c) => c.params.channel === 'U0ADMIN');
    expect(dm).toHaveLength(1);
    expect(JSON.stringify(dm[0]!.params)).toContain('is_archived');
    // (the start also records the last Monday on the real clock as missed: outside the grace)
    const runs = await h.store.db
      .selectFrom('digest_runs')
      .selectAll()
      .where('schedule_id', '=', s.id)
      .where('fire_time', '=', fire.toISOString())
      .execute();
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ status: 'failed', attempts: 1 });
    expect(runs[0]!.detail).toMatch(/^slack channel C0ARCHIVED refused the digest: .*is_archived.*\(told U0ADMIN by direct message\)$/);
  });
});
