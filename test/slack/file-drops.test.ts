import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blockActionPayload, postBlockAction, postSlashCommand, type SlackFile } from '../fakes/slack.ts';
import { fileShareEvent, postSlackEvent } from '../fakes/slack-requests.ts';
import { blockTexts, responseBodies, SIGNING_SECRET, startHarness, type SlackHarness } from './helpers/slack-harness.ts';

// A CSV shared with no command, through the real Bolt app against FakeSlack: the sharer is asked what it
// holds; each button is `/import <kind> file:<id>`, run as whoever clicks, and a file id resolves only to a
// file shared in the channel the click or command comes from.
let h: SlackHarness;
let seq = 0;
const CHANNEL = 'C0DROPS';
const ANALYST = 'U0ANALYST';
const VIEWER = 'U0VIEWER';
const orders = (prefix: string) =>
  `order_id,customer_id,order_date,amount\n${prefix}1,${prefix}C1,2026-10-02,10.50\n${prefix}2,${prefix}C2,2026-10-03,20.00\n`;

beforeAll(async () => {
  h = await startHarness({ mode: 'http', env: { IMPORT_MAX_BYTES: '4096' } });
  await h.store.db
    .insertInto('role_grants')
    .values({ platform: 'slack', user_id: ANALYST, role: 'analyst', granted_by: 'test', granted_at: new Date().toISOString() })
    .execute();
});
afterAll(() => h?.close());

const asEventFile = (f: SlackFile) => ({
  id: f.id,
  name: f.name,
  title: f.title,
  filetype: f.filetype,
  mimetype: f.mimetype,
  size: f.size,
  user: f.user,
});
const ephemerals = () => h.fake.callsTo('chat.postEphemeral');

/** Shares files in a message and waits until Bolt has handled the event (and its listener's calls are made). */
async function share(files: SlackFile[], extra: Parameters<typeof fileShareEvent>[0] extends infer T ? Partial<T> : never = {}) {
  const before = h.fake.calls.length;
  const res = await postSlackEvent(
    h.baseUrl,
    SIGNING_SECRET,
    fileShareEvent({ files: files.map(asEventFile), channel: CHANNEL, user: ANALYST, ...extra }),
  );
  expect(res.status).toBe(200);
  // the listener runs after the ack: give it a moment to make its calls
  await new Promise((resolve) => setTimeout(resolve, 300));
  return h.fake.calls.slice(before);
}

/** Button values (label → command) of an ephemeral prompt. */
function promptButtons(call: { params: Record<string, unknown> }): Map<string, string> {
  const out = new Map<string, string>();
  for (const block of call.params.blocks as { type: string; elements?: { text?: { text: string }; value?: string }[] }[])
    if (block.type === 'actions') for (const e of block.elements ?? []) out.set(e.text!.text, e.value!);
  return out;
}

/** Clicks a button; waits for the first answer, or for one containing `until` (the answer after a "working on it"). */
async function click(value: string, userId: string, channelId = CHANNEL, until?: string) {
  const id = `click${++seq}`;
  const res = await postBlockAction(
    h.baseUrl,
    SIGNING_SECRET,
    blockActionPayload({ actionId: 'growthbot:1', value, userId, channelId, responseUrl: h.fake.responseUrl(id) }),
  );
  expect(res.status).toBe(200);
  await h.fake.waitFor(
    () => responseBodies(h.fake, id).length > 0 && (until === undefined || JSON.stringify(responseBodies(h.fake, id)).includes(until)),
    20_000,
  );
  await h.adapter.idle();
  return responseBodies(h.fake, id);
}

describe('a CSV shared with no command (Slack)', () => {
  it('asks the sharer alone what it holds; the clicked button imports that file with the clicker’s role', async () => {
    const file = h.fake.addFile({ name: 'october `orders`.csv', content: orders('DRP'), channels: [CHANNEL], user: ANALYST });
    await share([file]);
    const [prompt] = ephemerals().filter((c) => c.params.channel === CHANNEL);
    expect(prompt!.params.user).toBe(ANALYST);
    expect(prompt!.params.text).toContain('as customers, orders, spend or events?');
    const buttons = promptButtons(prompt!);
    expect([...buttons]).toEqual([
      ['Customers', `/import customers file:${file.id}`],
      ['Orders', `/import orders file:${file.id}`],
      ['Spend', `/import spend file:${file.id}`],
      ['Events', `/import events file:${file.id}`],
    ]);

    // a viewer's click is refused before anything is read
    const [refused] = await click(buttons.get('Orders')!, VIEWER);
    expect(blockTexts(refused!.blocks)).toContain('needs the *analyst* role');
    expect(h.fake.downloads.filter((d) => d.fileId === file.id)).toEqual([]);

    const answers = await click(buttons.get('Orders')!, ANALYST);
    const said = () => JSON.stringify([answers, h.fake.responses, h.fake.callsTo('chat.update'), h.fake.callsTo('chat.postMessage')]);
    await h.fake.waitFor(() => said().includes('2 rows read'), 20_000);
    expect(h.fake.downloads).toContainEqual({ fileId: file.id, authorized: true });
    const stored = await h.store.db.selectFrom('orders').select('order_id').where('order_id', 'like', 'DRP%').orderBy('order_id').execute();
    expect(stored.map((r) => r.order_id)).toEqual(['DRP1', 'DRP2']);
    await h.bot.settled();
    const audit = await h.store.db.selectFrom('audit_log').selectAll().where('command', '=', 'import orders').execute();
    expect(audit.map((a) => [a.user_id, a.outcome])).toEqual(
      expect.arrayContaining([
        [VIEWER, 'denied'],
        [ANALYST, 'ok'],
      ]),
    );
  });

  it('the same file id named from another channel, or a file that is not a CSV, is not read', async () => {
    const elsewhere = h.fake.addFile({ name: 'secret.csv', content: orders('SEC'), channels: ['G0PRIVATE'], user: 'U0SOMEONE' });
    const typed = await postSlashCommand(h.baseUrl, SIGNING_SECRET, {
      command: '/import',
      text: `orders file:${elsewhere.id}`,
      channel_id: CHANNEL,
      user_id: ANALYST,
      response_url: h.fake.responseUrl('forged'),
    });
    expect(typed.status).toBe(200);
    const [answer] = await h.fake.waitFor(() => responseBodies(h.fake, 'forged').length > 0 && responseBodies(h.fake, 'forged'), 20_000);
    expect(blockTexts(answer!.blocks)).toContain(`The shared file \`file:${elsewhere.id}\` cannot be read here.`);
    // a click carrying it from a channel the file is not in: refused the same way
    expect(JSON.stringify(await click(`/import orders file:${elsewhere.id}`, ANALYST, CHANNEL, 'cannot be read here'))).toContain(
      'cannot be read here',
    );
    const png = h.fake.addFile({ name: 'chart.png', content: 'PNG', filetype: 'png', channels: [CHANNEL], user: ANALYST });
    expect(JSON.stringify(await click(`/import orders file:${png.id}`, ANALYST, CHANNEL, 'cannot be read here'))).toContain(
      'cannot be read here',
    );
    expect(h.fake.downloads.filter((d) => d.fileId === elsewhere.id || d.fileId === png.id)).toEqual([]);
    expect(await h.store.db.selectFrom('orders').select('order_id').where('order_id', 'like', 'SEC%').execute()).toEqual([]);
  });

  it('asks nothing for the bot’s own files, other file types, files over IMPORT_MAX_BYTES, a command typed with the file, or a retried event', async () => {
    const before = ephemerals().length;
    const png = h.fake.addFile({ name: 'chart.png', content: 'PNG', filetype: 'png', channels: [CHANNEL], user: ANALYST });
    await share([png]);
    const big = h.fake.addFile({ name: 'big.csv', content: 'x'.repeat(5000), channels: [CHANNEL], user: ANALYST });
    await share([big]);
    const csv = h.fake.addFile({ name: 'mine.csv', content: orders('BOT'), channels: [CHANNEL], user: h.fake.botUserId });
    await share([csv], { user: h.fake.botUserId });
    await share([csv], { text: '/import orders' });
    expect(ephemerals().length).toBe(before);

    // Slack retries an event it thinks went unanswered: one prompt for one message
    const retried = h.fake.addFile({ name: 'again.csv', content: orders('AGN'), channels: [CHANNEL], user: ANALYST });
    await share([retried], { ts: '1700000123.000100' });
    await share([retried], { ts: '1700000123.000100' });
    expect(ephemerals().length).toBe(before + 1);
  });

  it('in a direct message with the bot: the prompt and the import work there too', async () => {
    const dm = `D${ANALYST}`;
    const file = h.fake.addFile({
      name: 'spend.csv',
      content: 'date,channel,amount\n2026-10-01,google,100\n',
      channels: [dm],
      user: ANALYST,
    });
    await share([file], { channel: dm, channelType: 'im' });
    const prompt = ephemerals().find((c) => c.params.channel === dm);
    expect(promptButtons(prompt!).get('Spend')).toBe(`/import spend file:${file.id}`);
    await click(`/import spend file:${file.id}`, ANALYST, dm);
    await h.fake.waitFor(() => h.fake.downloads.some((d) => d.fileId === file.id), 20_000);
    await h.adapter.idle();
    const spend = await h.store.db.selectFrom('spend').select('channel').where('date', '=', '2026-10-01').execute();
    expect(spend.map((s) => s.channel)).toEqual(['google']);
  });
});
