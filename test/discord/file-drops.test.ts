import { GatewayIntentBits } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { user } from '../fakes/discord-payloads.ts';
import { answersTo, DIGEST_CHANNEL, GROWTH_CHANNEL, MARKETING_ROLE, startHarness, type Harness } from './helpers/harness.ts';

// A message that mentions the bot with a CSV attached, through the real discord.js client against the fake
// Discord: the bot answers with a button per kind, each `/import <kind> attachment:<message>/<attachment>`,
// run as whoever clicks; the reference resolves only to an attachment of a message in the clicker's channel.
let h: Harness;
const orders = (prefix: string) =>
  `order_id,customer_id,order_date,amount\n${prefix}1,${prefix}C1,2026-10-02,10.50\n${prefix}2,${prefix}C2,2026-10-03,20.00\n`;

beforeAll(async () => {
  h = await startHarness({}, { IMPORT_MAX_BYTES: '4096' });
});
afterAll(() => h?.close());

/** The prompt messages the bot posted in a channel since `from`, with their buttons (label → custom_id). */
function prompts(channelId: string, from = 0) {
  return h.fake
    .messagesIn(channelId)
    .slice(from)
    .map((m) => ({
      body: m.body,
      buttons: new Map(
        ((m.body.components ?? []) as { components: { label: string; custom_id: string }[] }[]).flatMap((row) =>
          row.components.map((b) => [b.label, b.custom_id] as const),
        ),
      ),
    }));
}

async function answer(interaction: Record<string, unknown>) {
  await h.fake.waitFor(() => answersTo(h.fake, interaction).length > 0, 20_000);
  await h.adapter.handler.idle();
  return answersTo(h.fake, interaction);
}

describe('a CSV attached to a message that mentions the bot (Discord)', () => {
  it('identifies with the GuildMessages intent (not the privileged MessageContent one)', () => {
    const intents = Number(h.fake.identifies[0]!.intents);
    expect(intents & GatewayIntentBits.GuildMessages).toBe(GatewayIntentBits.GuildMessages);
    expect(intents & GatewayIntentBits.MessageContent).toBe(0);
  });

  it('is answered with a button per kind; an analyst’s click imports the attachment, a viewer’s is refused', async () => {
    const csv = orders('DSC');
    const file = h.fake.hostAttachment('shop orders.csv', csv);
    const from = h.fake.messagesIn(GROWTH_CHANNEL).length;
    const sent = h.fake.sendUserMessage({ mentionBot: true, content: 'here you go', attachments: [file], channelId: GROWTH_CHANNEL });
    const [prompt] = await h.fake.waitFor(() => prompts(GROWTH_CHANNEL, from).length > 0 && prompts(GROWTH_CHANNEL, from), 10_000);
    const attachmentId = (sent.attachments as { id: string }[])[0]!.id;
    const ref = `attachment:${sent.id as string}/${attachmentId}`;
    expect([...prompt!.buttons]).toEqual([
      ['Customers', `cmd:/import customers ${ref}`],
      ['Orders', `cmd:/import orders ${ref}`],
      ['Spend', `cmd:/import spend ${ref}`],
      ['Events', `cmd:/import events ${ref}`],
    ]);
    expect(JSON.stringify(prompt!.body)).toContain('as customers, orders, spend or events?');
    expect(prompt!.body.message_reference).toMatchObject({ message_id: sent.id });

    const viewer = user('1100000000000000055', 'viewer');
    const refused = await answer(
      h.fake.sendInteraction({ type: 'button', customId: prompt!.buttons.get('Orders')!, channelId: GROWTH_CHANNEL, user: viewer }),
    );
    expect(refused[0]!.body).toMatchObject({ flags: 64, content: expect.stringContaining('needs the **analyst** role') });

    const done = await answer(
      h.fake.sendInteraction({
        type: 'button',
        customId: prompt!.buttons.get('Orders')!,
        channelId: GROWTH_CHANNEL,
        roles: [MARKETING_ROLE],
      }),
    );
    expect(JSON.stringify(done)).toContain('shop orders.csv');
    const stored = await h.store.db.selectFrom('orders').select('order_id').where('order_id', 'like', 'DSC%').orderBy('order_id').execute();
    expect(stored.map((r) => r.order_id)).toEqual(['DSC1', 'DSC2']);
  });

  it('the reference resolves only in the channel of its message; the typed command works the same', async () => {
    const file = h.fake.hostAttachment('other.csv', orders('OTH'));
    const from = h.fake.messagesIn(DIGEST_CHANNEL).length;
    const sent = h.fake.sendUserMessage({ mentionBot: true, attachments: [file], channelId: DIGEST_CHANNEL });
    await h.fake.waitFor(() => prompts(DIGEST_CHANNEL, from).length > 0, 10_000);
    const ref = `attachment:${sent.id as string}/${(sent.attachments as { id: string }[])[0]!.id}`;

    // clicked (or typed) in another channel: the message is not there, nothing is read
    const elsewhere = await answer(
      h.fake.sendInteraction({ type: 'button', customId: `cmd:/import orders ${ref}`, channelId: GROWTH_CHANNEL, roles: [MARKETING_ROLE] }),
    );
    expect(JSON.stringify(elsewhere)).toContain(`The shared file \`${ref}\` cannot be read here.`);
    expect(await h.store.db.selectFrom('orders').select('order_id').where('order_id', 'like', 'OTH%').execute()).toEqual([]);

    const typed = await answer(
      h.fake.sendInteraction({
        type: 'command',
        name: 'import',
        subcommand: 'orders',
        options: { source: ref },
        channelId: DIGEST_CHANNEL,
        roles: [MARKETING_ROLE],
      }),
    );
    expect(JSON.stringify(typed)).toContain('other.csv');
    const stored = await h.store.db.selectFrom('orders').select('order_id').where('order_id', 'like', 'OTH%').orderBy('order_id').execute();
    expect(stored.map((r) => r.order_id)).toEqual(['OTH1', 'OTH2']);
  });

  it('asks nothing without a mention, for another file type, or over IMPORT_MAX_BYTES', async () => {
    const from = h.fake.messagesIn(GROWTH_CHANNEL).length;
    h.fake.sendUserMessage({ attachments: [h.fake.hostAttachment('quiet.csv', orders('QT'))], channelId: GROWTH_CHANNEL });
    h.fake.sendUserMessage({ mentionBot: true, attachments: [h.fake.hostAttachment('photo.png', 'PNG')], channelId: GROWTH_CHANNEL });
    h.fake.sendUserMessage({
      mentionBot: true,
      attachments: [h.fake.hostAttachment('big.csv', 'x'.repeat(5000))],
      channelId: GROWTH_CHANNEL,
    });
    // a message that is answered shows the ones before it were handled (the gateway delivers in order)
    h.fake.sendUserMessage({ mentionBot: true, attachments: [h.fake.hostAttachment('last.csv', orders('LS'))], channelId: GROWTH_CHANNEL });
    const after = await h.fake.waitFor(() => prompts(GROWTH_CHANNEL, from).length > 0 && prompts(GROWTH_CHANNEL, from), 10_000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(prompts(GROWTH_CHANNEL, from)).toHaveLength(1);
    expect(JSON.stringify(after[0]!.body)).toContain('last.csv');
  });
});
