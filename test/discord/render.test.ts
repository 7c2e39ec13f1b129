import { describe, expect, it } from 'vitest';
import { ButtonIds } from '../../adapters/discord/button-ids.ts';
import { DISCORD_LIMITS } from '../../adapters/discord/limits.ts';
import { discordMarkdown, renderReply, splitText, type DiscordMessage } from '../../adapters/discord/render.ts';
import { reply } from '../../src/core/reply.ts';
import { bigReply } from './helpers/test-registry.ts';

const ids = new ButtonIds();
const render = (r: Parameters<typeof renderReply>[0]) => renderReply(r, { buttonId: (c) => ids.idFor(c) });

/** Every limit Discord enforces on one message. */
export function expectWithinLimits(message: DiscordMessage): void {
  expect(message.content.length).toBeLessThanOrEqual(DISCORD_LIMITS.content);
  expect(message.embeds.length).toBeLessThanOrEqual(DISCORD_LIMITS.embedsPerMessage);
  expect(message.files.length).toBeLessThanOrEqual(DISCORD_LIMITS.filesPerMessage);
  expect(message.components.length).toBeLessThanOrEqual(DISCORD_LIMITS.actionRows);
  let total = 0;
  for (const embed of message.embeds) {
    expect(embed.title?.length ?? 0).toBeLessThanOrEqual(DISCORD_LIMITS.embedTitle);
    expect(embed.description?.length ?? 0).toBeLessThanOrEqual(DISCORD_LIMITS.embedDescription);
    expect(embed.fields?.length ?? 0).toBeLessThanOrEqual(DISCORD_LIMITS.embedFields);
    for (const field of embed.fields ?? []) {
      expect(field.value.length).toBeLessThanOrEqual(DISCORD_LIMITS.embedFieldValue);
      expect(field.name.length).toBeLessThanOrEqual(DISCORD_LIMITS.embedFieldName);
    }
    total += (embed.title?.length ?? 0) + (embed.description?.length ?? 0) + (embed.footer?.text.length ?? 0) + (embed.fields ?? []).reduce((s, f) => s + f.name.length + f.value.length, 0);
  }
  expect(total).toBeLessThanOrEqual(DISCORD_LIMITS.embedTotal);
  for (const row of message.components) {
    expect(row.components.length).toBeLessThanOrEqual(DISCORD_LIMITS.buttonsPerRow);
    for (const button of row.components) expect(button.custom_id.length).toBeLessThanOrEqual(DISCORD_LIMITS.customId);
  }
  expect(message.content !== '' || message.embeds.length > 0 || message.files.length > 0).toBe(true);
}

describe('renderReply', () => {
  it('renders a short text reply as content with Discord bold', () => {
    const [message, ...rest] = render(reply({}, { text: 'Imported *12* rows from `a.csv`' }));
    expect(rest).toEqual([]);
    expect(message!.content).toBe('Imported **12** rows from `a.csv`');
    expect(message!.embeds).toEqual([]);
  });

  it('renders title, text, fields and notes as an embed', () => {
    const [message] = render(reply({}, { title: 'CLV', text: 'Mean *$12*', fields: [{ label: 'Customers', value: '4,338' }], notes: ['90-day window'] }));
    expect(message!.embeds).toEqual([
      { color: expect.any(Number), title: 'CLV', description: 'Mean **$12**', fields: [{ name: 'Customers', value: '4,338', inline: true }], footer: { text: '90-day window' } },
    ]);
  });

  it('keeps a reply far past every limit, split into valid messages', () => {
    const r = bigReply(5000);
    const messages = render(r);
    for (const message of messages) expectWithinLimits(message);
    const embeds = messages.flatMap((m) => m.embeds);
    expect(embeds.flatMap((e) => e.fields ?? [])).toHaveLength(40);
    expect(embeds.map((e) => e.description ?? '').join('\n').replace(/\n/g, '')).toBe('x'.repeat(9000));
    const tablePages = messages.filter((m) => m.content.includes('```'));
    expect(tablePages).toHaveLength(3);
    expect(tablePages[0]!.content).toContain('**Customers**');
    const csv = messages.flatMap((m) => m.files).find((f) => f.name === 'customers.csv')!;
    expect(String(csv.attachment).split('\n')).toHaveLength(5002);
    expect(tablePages[2]!.content).toContain('all rows in customers.csv');
    const buttons = messages.flatMap((m) => m.components.flatMap((row) => row.components));
    expect(buttons).toHaveLength(27);
    expect(ids.commandFor(buttons[0]!.custom_id)).toBe(`/help ${'y'.repeat(120)}`);
    expect(buttons[1]!.custom_id).toBe('cmd:/help');
  });

  it('paginates a table that fits in a few pages without a CSV', () => {
    const messages = render(reply({}, { tables: [{ columns: ['a', 'b'], rows: Array.from({ length: 300 }, (_, i) => [i, `row ${i}`]) }] }));
    for (const message of messages) expectWithinLimits(message);
    expect(messages.length).toBeGreaterThan(1);
    expect(messages.flatMap((m) => m.files)).toEqual([]);
    expect(messages[0]!.content).toMatch(/^```\n +a  b\n/);
    expect(messages.at(-1)!.content).toContain("of 300");
  });

  it('attaches charts and files, with the chart as the embed image', () => {
    const [message] = render(reply({}, { title: 'Spend', charts: [{ path: '/tmp/x.png', name: 'spend.png', title: 'Spend by week', alt: 'bars' }], files: [{ path: '/tmp/r.csv', name: 'r.csv' }] }));
    expect(message!.embeds[1]).toMatchObject({ title: 'Spend by week', image: { url: 'attachment://spend.png' } });
    expect(message!.files).toEqual([
      { attachment: '/tmp/x.png', name: 'spend.png', description: 'bars' },
      { attachment: '/tmp/r.csv', name: 'r.csv' },
    ]);
  });

  it('splits long text at line breaks and hard-cuts long lines', () => {
    expect(splitText('aaa\nbbb\nccc', 7)).toEqual(['aaa\nbbb', 'ccc']);
    expect(splitText('abcdefghij', 4)).toEqual(['abcd', 'efgh', 'ij']);
    expect(discordMarkdown('**already** and *this*')).toBe('**already** and **this**');
  });
});
