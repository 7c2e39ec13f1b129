import { describe, expect, it } from 'vitest';
import { SLACK_LIMITS } from '../../adapters/slack/limits.ts';
import { escapeMrkdwn, renderReply, splitText } from '../../adapters/slack/render.ts';
import { channelLink, mention } from '../../src/core/mention.ts';
import { reply, type View } from '../../src/core/reply.ts';

function withinLimits(view: View) {
  const rendered = renderReply(reply({}, view));
  expect(rendered.messages.length).toBeLessThanOrEqual(SLACK_LIMITS.messagesPerReply);
  for (const message of rendered.messages) {
    expect(message.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocksPerMessage);
    expect(JSON.stringify(message.blocks).length).toBeLessThanOrEqual(SLACK_LIMITS.messageChars);
    expect(message.text.length).toBeLessThanOrEqual(SLACK_LIMITS.fallbackText);
    for (const block of message.blocks as { type: string; text?: { text: string }; fields?: { text: string }[]; elements?: unknown[] }[]) {
      if (block.type === 'header') expect(block.text!.text.length).toBeLessThanOrEqual(SLACK_LIMITS.headerText);
      if (block.type === 'section' && block.text) expect(block.text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
      if (block.fields) {
        expect(block.fields.length).toBeLessThanOrEqual(SLACK_LIMITS.fieldsPerSection);
        for (const field of block.fields) expect(field.text.length).toBeLessThanOrEqual(SLACK_LIMITS.fieldText);
      }
      if (block.type === 'actions') expect(block.elements!.length).toBeLessThanOrEqual(SLACK_LIMITS.actionsElements);
      if (block.type === 'context') expect(block.elements!.length).toBeLessThanOrEqual(SLACK_LIMITS.contextElements);
    }
  }
  return rendered;
}

describe('renderReply', () => {
  it('renders title, text, fields, notes and buttons as Block Kit', () => {
    const rendered = withinLimits({
      title: 'Segments',
      text: 'Found *4* segments in `orders`.',
      fields: [{ label: 'Customers', value: '1,204' }],
      notes: ['Window: 90 days.'],
      buttons: [{ label: 'Approve', command: '/campaign approve 12', style: 'primary' }],
    });
    expect(rendered.ephemeral).toBe(false);
    expect(rendered.messages).toHaveLength(1);
    expect(rendered.messages[0]!.text).toBe('Segments');
    expect(rendered.messages[0]!.blocks).toEqual([
      { type: 'header', text: { type: 'plain_text', text: 'Segments', emoji: true } },
      { type: 'section', text: { type: 'mrkdwn', text: 'Found *4* segments in `orders`.' } },
      { type: 'section', fields: [{ type: 'mrkdwn', text: '*Customers*\n1,204' }] },
      {
        type: 'actions',
        elements: [
          {
            type: 'button',
            action_id: 'growthbot:0',
            text: { type: 'plain_text', text: 'Approve', emoji: true },
            value: '/campaign approve 12',
            style: 'primary',
          },
        ],
      },
      { type: 'context', elements: [{ type: 'mrkdwn', text: 'Window: 90 days.' }] },
    ]);
  });

  it('marks ephemeral views', () => {
    expect(renderReply({ ok: false, data: {}, view: { text: 'nope', ephemeral: true } }).ephemeral).toBe(true);
  });

  it('truncates a header at 150 characters and splits long text into sections of at most 3000', () => {
    const rendered = withinLimits({
      title: 'T'.repeat(400),
      text: Array.from({ length: 300 }, (_, i) => `line ${i} ${'x'.repeat(40)}`).join('\n'),
    });
    const header = rendered.messages[0]!.blocks[0] as { text: { text: string } };
    expect(header.text.text).toHaveLength(150);
    const sections = rendered.messages.flatMap((m) => m.blocks).filter((b) => b.type === 'section');
    expect(sections.length).toBeGreaterThanOrEqual(5);
  });

  it('puts at most 10 fields in a section', () => {
    const rendered = withinLimits({ fields: Array.from({ length: 25 }, (_, i) => ({ label: `f${i}`, value: String(i) })) });
    const counts = rendered.messages[0]!.blocks.map((b) => (b as { fields: unknown[] }).fields.length);
    expect(counts).toEqual([10, 10, 5]);
  });

  it('renders a small table as aligned monospace in a code block', () => {
    const rendered = withinLimits({
      tables: [
        {
          title: 'Top',
          columns: ['name', 'revenue'],
          rows: [
            ['Ann', 1200],
            ['Bob', 35],
          ],
        },
      ],
    });
    const code = (rendered.messages[0]!.blocks[1] as { text: { text: string } }).text.text;
    expect(code).toBe('```\nname  revenue\n────  ───────\nAnn      1200\nBob        35\n```');
    expect(rendered.files).toEqual([]);
  });

  it('pages a long table and attaches all of it as CSV', () => {
    const rows = Array.from({ length: 1000 }, (_, i) => [`customer, "${i}"`, i]);
    const rendered = withinLimits({ title: 'Customers', tables: [{ columns: ['name', 'value'], rows }] });
    const csv = rendered.files.find((f) => f.filename === 'customers.csv')!;
    const lines = csv.content!.trim().split('\n');
    expect(lines).toHaveLength(1001);
    expect(lines[1]).toBe('"customer, ""0""",0');
    expect(JSON.stringify(rendered.messages)).toContain('The full table is attached as *customers.csv*');
  });

  it('summarizes an answer that needs more than five messages, with the full text attached', () => {
    const text = 'word '.repeat(60_000);
    const rendered = withinLimits({ title: 'Huge', text });
    expect(rendered.messages).toHaveLength(SLACK_LIMITS.messagesPerReply);
    expect(JSON.stringify(rendered.messages.at(-1)!.blocks)).toContain('the full text is attached as *huge.txt*');
    expect(rendered.files[0]!.content!.length).toBeGreaterThan(text.length - 10);
  });

  it('splits 60 buttons into actions blocks of at most 25, each with its own action_id', () => {
    const rendered = withinLimits({ buttons: Array.from({ length: 60 }, (_, i) => ({ label: `b${i}`, command: `/help ${i}` })) });
    const ids = rendered.messages
      .flatMap((m) => m.blocks)
      .flatMap((b) => (b as { elements: { action_id: string }[] }).elements.map((e) => e.action_id));
    expect(new Set(ids).size).toBe(60);
  });

  it('sends charts and files as uploads', () => {
    const rendered = withinLimits({
      charts: [{ path: '/tmp/c.png', name: 'c.png', alt: 'a chart' }],
      files: [{ path: '/tmp/d.csv', name: 'd.csv' }],
    });
    expect(rendered.files).toEqual([
      { filename: 'c.png', title: 'c.png', altText: 'a chart', path: '/tmp/c.png' },
      { filename: 'd.csv', title: 'd.csv', path: '/tmp/d.csv' },
    ]);
    expect(rendered.messages[0]!.blocks).toHaveLength(1);
  });

  it('escapes every &, < and >, mention syntax included; only mention()/channelLink() become real', () => {
    expect(escapeMrkdwn('a < b & c > d, ask <@U123> in <#C9|general> or <https://x.io|docs> <!channel>')).toBe(
      'a &lt; b &amp; c &gt; d, ask &lt;@U123&gt; in &lt;#C9|general&gt; or &lt;https://x.io|docs&gt; &lt;!channel&gt;',
    );
    expect(escapeMrkdwn('/admin grant <user> <role>')).toBe('/admin grant &lt;user&gt; &lt;role&gt;');
    expect(escapeMrkdwn(`${mention('U123')} in ${channelLink('C9')} <!here>`)).toBe('<@U123> in <#C9> &lt;!here&gt;');
  });

  it('splits text at line breaks, then spaces, then anywhere', () => {
    expect(splitText('aaa\nbbb\nccc', 7)).toEqual(['aaa\nbbb', 'ccc']);
    expect(splitText('x'.repeat(10), 4)).toEqual(['xxxx', 'xxxx', 'xx']);
  });
});
