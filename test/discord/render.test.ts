import { describe, expect, it } from 'vitest';
import { ButtonIds } from '../../adapters/discord/button-ids.ts';
import { discordMarkdown, renderReply, splitText } from '../../adapters/discord/render.ts';
import { reply } from '../../src/core/reply.ts';
import { expectWithinLimits } from './helpers/limits-check.ts';
import { bigReply } from './helpers/test-registry.ts';

const ids = new ButtonIds();
const render = (r: Parameters<typeof renderReply>[0]) => renderReply(r, { buttonId: (c) => ids.idFor(c) });

describe('renderReply', () => {
  it('renders a short text reply as content with Discord bold', () => {
    const [message, ...rest] = render(reply({}, { text: 'Imported *12* rows from `a.csv`' }));
    expect(rest).toEqual([]);
    expect(message!.content).toBe('Imported **12** rows from `a.csv`');
    expect(message!.embeds).toEqual([]);
  });

  it('renders title, text, fields and notes as an embed', () => {
    const [message] = render(
      reply({}, { title: 'CLV', text: 'Mean *$12*', fields: [{ label: 'Customers', value: '4,338' }], notes: ['90-day window'] }),
    );
    expect(message!.embeds).toEqual([
      {
        color: expect.any(Number),
        title: 'CLV',
        description: 'Mean **$12**',
        fields: [{ name: 'Customers', value: '4,338', inline: true }],
        footer: { text: '90-day window' },
      },
    ]);
  });

  it('keeps a reply far past every limit, split into valid messages', () => {
    const r = bigReply(5000);
    const messages = render(r);
    for (const message of messages) expectWithinLimits(message);
    const embeds = messages.flatMap((m) => m.embeds);
    expect(embeds.flatMap((e) => e.fields ?? [])).toHaveLength(40);
    expect(
      embeds
        .map((e) => e.description ?? '')
        .join('\n')
        .replace(/\n/g, ''),
    ).toBe('x'.repeat(9000));
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
    expect(messages.at(-1)!.content).toContain('of 300');
  });

  it('attaches charts and files, with the chart as the embed image', () => {
    const [message] = render(
      reply(
        {},
        {
          title: 'Spend',
          charts: [{ path: '/tmp/x.png', name: 'spend.png', title: 'Spend by week', alt: 'bars' }],
          files: [{ path: '/tmp/r.csv', name: 'r.csv' }],
        },
      ),
    );
    expect(message!.embeds[1]).toMatchObject({ title: 'Spend by week', image: { url: 'attachment://spend.png' } });
    expect(message!.files).toEqual([
      { attachment: '/tmp/x.png', name: 'spend.png', description: 'bars' },
      { attachment: '/tmp/r.csv', name: 'r.csv' },
    ]);
  });

  it('splits long text at line breaks and hard-cuts long lines', () => {
    expect(splitText('aaa\nbbb\nccc', 7)).toEqual(['aaa\nbbb', 'ccc']);
    expect(splitText('abcdefghij', 4)).toEqual(['abcd', 'efgh', 'ij']);
    expect(discordMarkdown('*a* and (*this*), *two words*.')).toBe('**a** and (**this**), **two words**.');
    expect(discordMarkdown('customer_id*, email; * required')).toBe('customer_id*, email; * required');
    expect(discordMarkdown('2*3*4')).toBe('2*3*4');
  });
});
