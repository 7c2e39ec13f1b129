import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blockActionPayload, postBlockAction, postSlashCommand } from '../fakes/slack.ts';
import { runDigest, runtimeOf } from '../../src/digests/run-digest.ts';
import { findSchedule } from '../../src/digests/schedules.ts';
import { seedDigestStore } from '../digests/seed.ts';
import { blockTexts, responseBodies, SIGNING_SECRET, startHarness, type SlackHarness } from './helpers/slack-harness.ts';

// A digest's buttons and /digest subscribe through the real Bolt app against FakeSlack: the clicker's role
// decides, the private copy reaches only the clicker, a subscriber gets each run in their direct messages.
let h: SlackHarness;
let seq = 0;
const noSleep = { retry: { attempts: 2, baseDelayMs: 1 }, sleep: async () => {} };
const FIRE = new Date('2026-11-23T08:00:00Z');

beforeAll(async () => {
  h = await startHarness({ mode: 'http', env: { BOT_ADMINS: 'U0ADMIN' } });
  await seedDigestStore(h.store.db);
});
afterAll(() => h?.close());

async function slash(text: string, fields: Record<string, string> = {}) {
  const id = `r${++seq}`;
  const ack = await postSlashCommand(h.baseUrl, SIGNING_SECRET, {
    command: '/digest',
    text,
    response_url: h.fake.responseUrl(id),
    ...fields,
  });
  expect(ack.status).toBe(200);
  await h.adapter.idle();
  return { ack, id };
}

/** Clicks a button; waits for the first answer, or for one containing `until` (the answer after a "working on it"). */
async function click(value: string, userId: string, channelId = 'C0DIGEST', until?: string) {
  const id = `click${++seq}`;
  const res = await postBlockAction(
    h.baseUrl,
    SIGNING_SECRET,
    blockActionPayload({ actionId: 'growthbot:0', value, userId, channelId, responseUrl: h.fake.responseUrl(id) }),
  );
  expect(res.status).toBe(200);
  await h.fake.waitFor(
    () => responseBodies(h.fake, id).length > 0 && (until === undefined || JSON.stringify(responseBodies(h.fake, id)).includes(until)),
    20_000,
  );
  await h.adapter.idle();
  return responseBodies(h.fake, id);
}

/** The buttons (label → value) of the messages posted to a channel. */
function buttonsIn(channel: string): Map<string, string> {
  const buttons = new Map<string, string>();
  for (const call of h.fake.callsTo('chat.postMessage').filter((c) => c.params.channel === channel)) {
    for (const block of (call.params.blocks ?? []) as { type: string; elements?: { text?: { text: string }; value?: string }[] }[])
      if (block.type === 'actions') for (const e of block.elements ?? []) buttons.set(e.text!.text, e.value!);
  }
  return buttons;
}

describe('digest post buttons on Slack', () => {
  it('carry their typed commands; a viewer’s Pause is refused, an admin’s pauses; Send me this privately answers the clicker alone', async () => {
    await slash('schedule cron="0 9 * * MON" tz=Europe/Berlin channel=C0DIGEST sections=kpis,channels', { user_id: 'U0ADMIN' });
    const schedule = (
      await h.store.db.selectFrom('digest_schedules').select('id').where('channel_id', '=', 'C0DIGEST').executeTakeFirstOrThrow()
    ).id;
    const s = (await findSchedule(h.store.db, Number(schedule)))!;
    expect(await runDigest(runtimeOf(h.bot, noSleep), s, FIRE)).toMatchObject({ status: 'posted' });
    const buttons = buttonsIn('C0DIGEST');
    expect(buttons.get('Pause')).toBe(`/digest pause ${s.id}`);
    expect(buttons.get('Change schedule')).toBe(`/digest edit ${s.id}`);
    expect(buttons.get('Send me this privately')).toBe(`/digest show ${s.id} as_of=2026-11-23`);

    const [refused] = await click(buttons.get('Pause')!, 'U0VIEWER');
    expect(refused).toMatchObject({ response_type: 'ephemeral' });
    expect(blockTexts(refused!.blocks)).toContain('needs the *admin* role');
    expect((await findSchedule(h.store.db, s.id))!.paused).toBe(0);

    const change = await click(buttons.get('Change schedule')!, 'U0ADMIN', 'C0DIGEST', `/digest edit ${s.id} cron=`);
    expect(change.at(-1)).toMatchObject({ response_type: 'ephemeral' });
    expect(blockTexts(change.at(-1)!.blocks)).toContain(`/digest edit ${s.id} cron=`);

    const uploadsBefore = h.fake.uploads.size;
    const channelPosts = () => h.fake.callsTo('chat.postMessage').filter((c) => c.params.channel === 'C0DIGEST').length;
    const postedBefore = channelPosts();
    const mine = await click(buttons.get('Send me this privately')!, 'U0VIEWER', 'C0DIGEST', 'Weekly digest');
    const answer = mine.find((m) => blockTexts(m.blocks).includes('Weekly digest'));
    expect(answer).toMatchObject({ response_type: 'ephemeral' });
    expect(blockTexts(answer!.blocks)).toContain('2026-11-16 to 2026-11-22');
    // its chart goes to the clicker's direct messages, not to the channel
    const chart = await h.fake.waitFor(() => [...h.fake.uploads.values()].slice(uploadsBefore).find((u) => u.completed));
    expect(chart.channelId).toBe('DU0VIEWER');
    expect(channelPosts()).toBe(postedBefore);

    await click(buttons.get('Pause')!, 'U0ADMIN', 'C0DIGEST', 'is paused');
    expect((await findSchedule(h.store.db, s.id))!.paused).toBe(1);
  });

  it('/digest subscribe typed in a direct message: each run then reaches that person’s direct messages, with an Unsubscribe button', async () => {
    await slash('schedule cron="0 9 * * MON" tz=Europe/Berlin channel=C0SUBS sections=kpis', { user_id: 'U0ADMIN' });
    const id = Number(
      (await h.store.db.selectFrom('digest_schedules').select('id').where('channel_id', '=', 'C0SUBS').executeTakeFirstOrThrow()).id,
    );
    const { id: answerId } = await slash(`subscribe ${id}`, {
      user_id: 'U0READER',
      channel_id: 'DU0READER',
      channel_name: 'directmessage',
    });
    const [subscribed] = await h.fake.waitFor(() => responseBodies(h.fake, answerId).length > 0 && responseBodies(h.fake, answerId));
    expect(subscribed).toMatchObject({ response_type: 'ephemeral' });
    expect(blockTexts(subscribed!.blocks)).toContain(`You are subscribed to digest #${id}`);

    const s = (await findSchedule(h.store.db, id))!;
    expect(await runDigest(runtimeOf(h.bot, noSleep), s, FIRE)).toMatchObject({ status: 'posted' });
    const opened = h.fake.callsTo('conversations.open').filter((c) => c.params.users === 'U0READER');
    expect(opened.length).toBeGreaterThan(0);
    const dms = h.fake.callsTo('chat.postMessage').filter((c) => c.params.channel === 'DU0READER');
    expect(dms).toHaveLength(1);
    expect(blockTexts(dms[0]!.params.blocks)).toContain('Weekly digest');
    expect(buttonsIn('DU0READER').get('Unsubscribe')).toBe(`/digest unsubscribe ${id}`);
    expect(buttonsIn('DU0READER').has('Pause')).toBe(false);

    const [unsubscribed] = await click(`/digest unsubscribe ${id}`, 'U0READER', 'DU0READER', 'no longer get');
    expect(blockTexts(unsubscribed!.blocks)).toContain(`You no longer get digest #${id} by direct message`);
    const next = new Date(FIRE.getTime() + 7 * 86_400_000);
    expect(await runDigest(runtimeOf(h.bot, noSleep), s, next)).toMatchObject({ status: 'posted' });
    expect(h.fake.callsTo('chat.postMessage').filter((c) => c.params.channel === 'DU0READER')).toHaveLength(1);
  });
});
