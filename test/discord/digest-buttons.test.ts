import 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDigest, runtimeOf } from '../../src/digests/run-digest.ts';
import { createSchedule, findSchedule } from '../../src/digests/schedules.ts';
import { seedDigestStore } from '../digests/seed.ts';
import { user } from '../fakes/discord-payloads.ts';
import { answersTo, DIGEST_CHANNEL, GROWTH_CHANNEL, MARKETING_ROLE, startHarness, type Harness } from './helpers/harness.ts';

// A digest's buttons and /digest subscribe through the real discord.js client against the fake Discord.
let h: Harness;
const ADMIN = user('1100000000000000077', 'admin');
const EPHEMERAL = 64;
const noSleep = { retry: { attempts: 2, baseDelayMs: 1 }, sleep: async () => {} };
const FIRE = new Date('2026-11-23T14:00:00Z');

beforeAll(async () => {
  h = await startHarness({}, { BOT_ADMINS: ADMIN.id });
  await seedDigestStore(h.store.db);
});
afterAll(() => h?.close());

const schedule = () =>
  createSchedule(
    h.store.db,
    {
      platform: 'discord',
      channelId: DIGEST_CHANNEL,
      cron: '0 9 * * MON',
      timeZone: 'America/New_York',
      sections: ['kpis'],
      period: 'week',
      onlyOnChange: false,
      createdBy: ADMIN.id,
      createdByPlatform: 'discord',
      createdByChannel: GROWTH_CHANNEL,
    },
    new Date('2026-11-20T10:00:00Z'),
  );

/** The custom_ids of the buttons on messages, by label. */
function buttons(messages: { body: Record<string, unknown> }[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of messages)
    for (const row of (m.body.components ?? []) as { components: { label: string; custom_id: string }[] }[])
      for (const b of row.components) out.set(b.label, b.custom_id);
  return out;
}

async function answer(interaction: Record<string, unknown>) {
  return h.fake.waitFor(() => answersTo(h.fake, interaction).length > 0 && answersTo(h.fake, interaction), 20_000);
}

describe('digest post buttons on Discord', () => {
  it('run their command as the clicker: refused for an analyst, done for an admin; the private copy is ephemeral', async () => {
    const s = await schedule();
    expect(await runDigest(runtimeOf(h.bot, noSleep), s, FIRE)).toMatchObject({ status: 'posted' });
    const ids = buttons(h.fake.messagesIn(DIGEST_CHANNEL));
    expect(ids.get('Pause')).toBe(`cmd:/digest pause ${s.id}`);
    expect(ids.get('Change schedule')).toBe(`cmd:/digest edit ${s.id}`);
    expect(ids.get('Send me this privately')).toBe(`cmd:/digest show ${s.id} as_of=2026-11-23`);

    const refused = await answer(
      h.fake.sendInteraction({ type: 'button', customId: ids.get('Pause')!, channelId: DIGEST_CHANNEL, roles: [MARKETING_ROLE] }),
    );
    expect(refused[0]!.body).toMatchObject({ flags: EPHEMERAL, content: expect.stringContaining('needs the **admin** role') });
    expect((await findSchedule(h.store.db, s.id))!.paused).toBe(0);

    const privately = h.fake.sendInteraction({
      type: 'button',
      customId: ids.get('Send me this privately')!,
      channelId: DIGEST_CHANNEL,
      roles: [MARKETING_ROLE],
    });
    await h.fake.waitFor(() => answersTo(h.fake, privately).some((a) => JSON.stringify(a.body).includes('Weekly digest')), 20_000);
    await h.adapter.handler.idle();
    // deferred ephemerally, answered in that ephemeral message: nothing more in the channel
    expect(answersTo(h.fake, privately)[0]).toMatchObject({ kind: 'callback-5', body: { flags: EPHEMERAL } });
    expect(h.fake.messagesIn(DIGEST_CHANNEL)).toHaveLength(1);

    await answer(h.fake.sendInteraction({ type: 'button', customId: ids.get('Pause')!, channelId: DIGEST_CHANNEL, user: ADMIN }));
    await h.adapter.handler.idle();
    expect((await findSchedule(h.store.db, s.id))!.paused).toBe(1);
  });

  it('/digest subscribe in the server: each run then comes by direct message with an Unsubscribe button', async () => {
    const s = await schedule();
    const subscribed = await answer(
      h.fake.sendInteraction({ type: 'command', name: 'digest', subcommand: 'subscribe', options: { id: s.id }, roles: [MARKETING_ROLE] }),
    );
    expect(subscribed[0]!.body).toMatchObject({ flags: EPHEMERAL });
    expect(JSON.stringify(subscribed[0]!.body)).toContain(`You are subscribed to digest #${s.id}`);

    expect(await runDigest(runtimeOf(h.bot, noSleep), s, FIRE)).toMatchObject({ status: 'posted' });
    const dms = h.fake.directMessagesTo(h.fake.marketer.id);
    expect(dms.length).toBeGreaterThan(0);
    expect(JSON.stringify(dms.map((m) => m.body))).toContain('Weekly digest');
    expect(buttons(dms).get('Unsubscribe')).toBe(`cmd:/digest unsubscribe ${s.id}`);
    expect(buttons(dms).has('Pause')).toBe(false);
    expect(JSON.stringify(dms.map((m) => m.body))).toContain('in a channel of the server');
  });
});
