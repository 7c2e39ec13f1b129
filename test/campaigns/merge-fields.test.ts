import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderText as renderReply } from '../../adapters/console/render.ts';
import { emailContent } from '../../src/campaigns/delivery/email-content.ts';
import { noRecommendations, setRecommendProducts } from '../../src/campaigns/merge/recommended-products.ts';
import { renderHtml, renderSubject, renderText } from '../../src/campaigns/merge/render.ts';
import { parseTemplate } from '../../src/campaigns/merge/template.ts';
import type { Bot } from '../../src/core/bot.ts';
import { startSmtpSink } from '../fakes/smtp-sink.ts';
import { createTestBot, run } from '../helpers/bot.ts';
import { createTestStore, type TestStore } from '../helpers/store.ts';
import { approver, captureCards, expectOk, grantRoles, marketer, seedCustomers, seedSegment, testClock } from './fixtures.ts';
import { seedPredictedBase } from './predicted-seed.ts';

// #25.4: merge fields in campaign messages: checked at create time, previewed for a customer, filled in at
// send time from untrusted customer data (escaped in HTML, one line in a subject, bounded), with
// fallbacks; email sends a text and an HTML part, a webhook carries the rendered fields.

const NAMES: Record<string, string | null> = {
  A001: '<script>alert(1)</script> Smith',
  A002: null,
  A003: 'Eve\r\nBcc: victim@example.com',
  A004: 'X'.repeat(500),
  A005: 'Zoë Ünal',
  // bought nothing: the CLV model does not value them
  N001: 'Nora',
};
const VIPS = Object.keys(NAMES);
const MESSAGE =
  'Hello {{first_name|friend}}, you are {{clv_band}} among our {{segment}}.\nPicks for you:{{recommended_products}}\nSee you soon.';
const SUBJECT = 'For {{first_name}}: {{recommended_products|new arrivals}}';

let store: TestStore;
const clock = testClock('2026-12-01T10:00:00.000Z');

beforeAll(async () => {
  store = await createTestStore();
  await grantRoles(store.db);
  await seedPredictedBase(store.db, '2026-12-01', { names: NAMES });
  await seedCustomers(store.db, [{ id: 'N001', email: 'n001@example.com' }]);
  await store.db.updateTable('customers').set({ name: 'Nora' }).where('customer_id', '=', 'N001').execute();
  await seedSegment(store.db, 'vips', VIPS);
  setRecommendProducts(async (_db, customerIds, n) => {
    const all = new Map([
      [
        'A001',
        [
          { name: 'Mug <img src=x onerror=alert(1)>', url: 'https://shop.example.com/mug?a=1&b="2"' },
          { name: 'Poster', url: 'javascript:alert(1)' },
          { name: 'Sticker', url: 'https://shop.example.com/sticker' },
          { name: 'Fourth', url: 'https://shop.example.com/4' },
        ],
      ],
      ['A003', [{ name: 'Cap\r\nBcc: victim@example.com', url: 'https://shop.example.com/cap' }]],
    ]);
    return new Map(customerIds.filter((id) => all.has(id)).map((id) => [id, all.get(id)!.slice(0, n)]));
  });
});

afterAll(async () => {
  setRecommendProducts(noRecommendations);
  await store.close();
});

async function testBot(env: Record<string, string> = {}): Promise<Bot> {
  const bot = await createTestBot(store.db, store.dir, { now: clock.now, env });
  captureCards(bot);
  return bot;
}

/** Created with the merge-field message and subject, submitted, approved by a second person and launched (no holdout). */
async function launched(bot: Bot, name: string, channel: string): Promise<void> {
  const line = `/campaign create name=${name} segment=vips channel=${channel} holdout=0% subject="${SUBJECT}" message="${MESSAGE}"`;
  const id = expectOk(await run(bot, line, marketer)).data.campaign.id;
  expectOk(await run(bot, `/campaign submit ${id}`, marketer));
  expectOk(await run(bot, `/campaign approve ${id}`, approver));
  expectOk(await run(bot, `/campaign launch ${id}`, marketer));
}

describe('merge fields in a template', () => {
  it('parses fields and fallbacks forgivingly, and renders values escaped (HTML), on one line (subject) and bounded', () => {
    const parts = parseTemplate('Hi {{ First Name | you }}! {{clv_band}}');
    expect(parts).toEqual([
      { text: 'Hi ' },
      { field: 'first_name', fallback: 'you' },
      { text: '! ' },
      { field: 'clv_band', fallback: null },
    ]);
    const values = { first_name: '<b>Ann</b> & "Co"', clv_band: null };
    expect(renderText(parts, values)).toBe('Hi <b>Ann</b> & "Co"! valued');
    expect(renderHtml(parts, values)).toBe('Hi &lt;b&gt;Ann&lt;/b&gt; &amp; &quot;Co&quot;! valued');
    expect(renderText(parts, { first_name: '   ' })).toBe('Hi you! valued');
    expect(renderText(parts, { first_name: 'A\u202eB\u0000C' })).toBe('Hi A B C! valued');
    expect(renderSubject(parseTemplate('Hello {{first_name}}'), { first_name: 'Eve\r\nBcc: x@example.com' })).toBe(
      'Hello Eve Bcc: x@example.com',
    );
    expect(renderText(parseTemplate('{{first_name}}'), { first_name: 'Y'.repeat(300) })).toBe(`${'Y'.repeat(39)}…`);
    expect(renderSubject(parseTemplate(`${'s'.repeat(190)} {{first_name}}`), { first_name: 'Z'.repeat(40) })).toHaveLength(200);
    const list = parseTemplate('Picks:{{recommended_products}}Bye');
    const products = [
      { name: 'A & B', url: 'https://x.example/a?b=1&c=2' },
      { name: 'C', url: 'data:text/html,<b>' },
    ];
    expect(renderText(list, { recommended_products: products })).toBe('Picks:\n- A & B: https://x.example/a?b=1&c=2\n- C\nBye');
    expect(renderHtml(list, { recommended_products: products })).toBe(
      'Picks:\n<ul>\n<li><a href="https://x.example/a?b=1&amp;c=2">A &amp; B</a></li>\n<li>C</li>\n</ul>\nBye',
    );
    expect(renderText(list, { recommended_products: [] })).toBe('Picks:our latest productsBye');
  });

  it('an email whose text does not parse (written before merge fields were checked) is sent as written', () => {
    const content = emailContent(
      { name: 'Old', subject: 'Code {{SAVE10}}', message: 'Use {{SAVE10}} at checkout' },
      { name: 'Ann' },
      'https://u.example/x',
    );
    expect(content.subject).toBe('Code {{SAVE10}}');
    expect(content.text).toBe('Hi Ann,\n\nUse {{SAVE10}} at checkout\n\n--\nUnsubscribe: https://u.example/x\n');
  });

  it('refuses unknown fields naming the valid ones, open braces and long fallbacks', () => {
    expect(() => parseTemplate('Hi {{frist_name}}')).toThrow(
      'Unknown merge field `{{frist_name}}`. Did you mean `{{first_name}}`? (in the message)',
    );
    expect(() => parseTemplate('Hi {{ltv}}')).toThrow('Unknown merge field `{{ltv}}`. (in the message)');
    expect(() => parseTemplate('Hi {{first_name}')).toThrow('A `{{` is not closed by `}}`');
    expect(() => parseTemplate('Hi {{}}', 'subject')).toThrow('An empty merge field `{{}}` (in the subject)');
    expect(() => parseTemplate(`{{first_name|${'x'.repeat(101)}}}`)).toThrow('at most 100 characters');
  });
});

describe('merge fields in campaigns', () => {
  it('create and edit check the fields: an unknown one is refused with the valid ones named', async () => {
    const bot = await testBot();
    const bad = await run(bot, '/campaign create name=Typo segment=vips channel=log message="Hi {{frist_name}}"', marketer);
    expect(bad.ok).toBe(false);
    const text = renderReply(bad);
    expect(text).toContain('Unknown merge field `{{frist_name}}`. Did you mean `{{first_name}}`? (in the message)');
    expect(text).toContain('Merge fields: `{{first_name}}`, `{{recommended_products}}`, `{{segment}}`, `{{clv_band}}`');
    const id = expectOk(await run(bot, `/campaign create name=Typo segment=vips channel=log message="${MESSAGE}"`, marketer)).data.campaign
      .id;
    const badSubject = await run(bot, `/campaign edit ${id} subject="Hi {{ltv}}"`, marketer);
    expect(badSubject.ok).toBe(false);
    expect(renderReply(badSubject)).toContain('Unknown merge field `{{ltv}}`. (in the subject)');
  });

  it('/campaign preview shows a customer’s email with their values and names the fallbacks used; only the caller sees it', async () => {
    const bot = await testBot();
    const id = expectOk(
      await run(bot, `/campaign create name=Previewed segment=vips channel=email subject="${SUBJECT}" message="${MESSAGE}"`, marketer),
    ).data.campaign.id;
    const sample = await run(bot, `/campaign preview ${id}`, marketer);
    expect(sample.view.ephemeral).toBe(true);
    const text = renderReply(expectOk(sample));
    expect(text).toMatch(/Hello <script>alert\(1\)<\/script>, you are (high|medium|low) among our vips\./);
    expect(text).toContain('- Mug <img src=x onerror=alert(1)>: https://shop.example.com/mug?a=1&b=%222%22');
    const nameless = renderReply(expectOk(await run(bot, `/campaign preview ${id} customer=A002`, marketer)));
    expect(nameless).toContain('Subject: For there: new arrivals');
    expect(nameless).toContain('Hello friend, you are');
    expect(nameless).toContain('Picks for you:our latest products');
    expect(nameless).toContain(
      'No value for this customer, so the fallback is shown: `{{first_name}}` → “friend” or “there”, `{{recommended_products}}` → “our latest products” or “new arrivals”.',
    );
    expect(nameless).not.toMatch(/undefined|null/);
    const unknown = await run(bot, `/campaign preview ${id} customer=NOPE`, marketer);
    expect(renderReply(unknown)).toContain('No customer `NOPE`.');
  });

  it('webhook: each recipient carries its rendered subject, message and fields (fallbacks applied, unsafe links dropped), once', async () => {
    const bodies: { recipients: Record<string, any>[] }[] = [];
    const server: Server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        bodies.push(JSON.parse(Buffer.concat(chunks).toString()));
        res.writeHead(200).end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    try {
      const bot = await testBot({ WEBHOOK_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, WEBHOOK_SECRET: 's' });
      await launched(bot, 'Hooked', 'webhook');
      const recipients = bodies.flatMap((b) => b.recipients);
      expect(recipients.map((r) => r.customer_id).sort()).toEqual(VIPS);
      const of = (id: string) => recipients.find((r) => r.customer_id === id)!;
      expect(of('A001').fields).toEqual({
        first_name: '<script>alert(1)</script>',
        clv_band: expect.stringMatching(/^(high|medium|low)$/),
        segment: 'vips',
        recommended_products: [
          { name: 'Mug <img src=x onerror=alert(1)>', url: 'https://shop.example.com/mug?a=1&b=%222%22' },
          { name: 'Poster', url: null },
          { name: 'Sticker', url: 'https://shop.example.com/sticker' },
        ],
      });
      expect(of('A001').message).toContain('Picks for you:\n- Mug <img src=x onerror=alert(1)>: https://shop.example.com/mug');
      expect(of('A002').fields).toMatchObject({ first_name: 'friend', recommended_products: [] });
      expect(of('A002').subject).toBe('For there: new arrivals');
      expect(of('A003').subject).toBe('For Eve: Cap Bcc: victim@example.com');
      expect(of('A004').fields.first_name).toHaveLength(40);
      expect(of('A005').message).toMatch(/^Hello Zoë, you are (high|medium|low) among our vips\./);
      expect(of('N001').fields).toMatchObject({ first_name: 'Nora', clv_band: 'valued' });
      expect(JSON.stringify(recipients)).not.toMatch(/undefined|javascript:/);
    } finally {
      server.close();
    }
  });

  it('email: a text and an HTML part from email.html, values escaped, one-line subjects, fallbacks, one message each', async () => {
    const smtp = await startSmtpSink();
    try {
      const bot = await testBot({
        SMTP_URL: smtp.url,
        SMTP_FROM: 'growth@example.com',
        UNSUBSCRIBE_URL: 'https://example.com/unsubscribe',
        EVENTS_WEBHOOK_SECRET: 'events-secret',
        EMAIL_RATE_PER_SECOND: '500',
      });
      await launched(bot, 'Mailed', 'email');
      expect(smtp.received.map((r) => r.to).sort()).toEqual(VIPS.map((v) => `${v.toLowerCase()}@example.com`));
      const of = (id: string) => smtp.to(`${id.toLowerCase()}@example.com`);

      const a1 = of('A001');
      expect(a1.html).toContain('<!doctype html>');
      expect(a1.html).toMatch(/Hello &lt;script&gt;alert\(1\)&lt;\/script&gt;, you are (high|medium|low) among our vips\./);
      expect(a1.html).toContain('<a href="https://shop.example.com/mug?a=1&amp;b=%222%22">Mug &lt;img src=x onerror=alert(1)&gt;</a>');
      expect(a1.html).toContain('<li>Poster</li>');
      expect(a1.html).not.toMatch(/<script|<img|javascript:/);
      expect(a1.html).toMatch(/<a href="https:\/\/example\.com\/unsubscribe\?campaign=\d+&amp;customer=A001&amp;token=[0-9a-f]+"/);
      expect(a1.text).toMatch(/Hello <script>alert\(1\)<\/script>, you are (high|medium|low) among our vips\.\nPicks for you:\n- Mug/);
      expect(a1.text).toMatch(/Unsubscribe: https:\/\/example\.com\/unsubscribe\?campaign=\d+&customer=A001/);
      expect(a1.subject).toBe('For <script>alert(1)</script>: Mug <img src=x onerror=alert(1)>, Poster, Sticker');

      const a2 = of('A002');
      expect(a2.subject).toBe('For there: new arrivals');
      expect(a2.text).toContain('Hello friend, you are');
      expect(a2.html).toContain('Picks for you:our latest products<br>');

      const a3 = of('A003');
      expect(a3.subject).toBe('For Eve: Cap Bcc: victim@example.com');
      expect(a3.headers.has('bcc')).toBe(false);
      expect(of('A004').text).toContain(`Hello ${'X'.repeat(39)}…,`);
      expect(of('N001').text).toContain('Hello Nora, you are valued among our vips.');
      for (const { message } of smtp.received)
        expect(`${message.text}${message.html}${message.subject}`).not.toMatch(/undefined|null|\{\{/);
    } finally {
      smtp.close();
    }
  });
});
