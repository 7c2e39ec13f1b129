import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postSlashCommand } from '../fakes/slack.ts';
import { blockTexts, responseBodies, SIGNING_SECRET, startHarness, type SlackHarness } from './helpers/slack-harness.ts';

let h: SlackHarness;

beforeAll(async () => {
  h = await startHarness({ mode: 'http', env: { BOT_ADMINS: 'U0ADMIN' } });
});
afterAll(async () => {
  await h?.close();
});

describe('Slack: /import of a file with bad values and another encoding', () => {
  it('reads a shared windows-1252 file with encoding=latin1, rejects the 1e308 row with its reason, keeps the rest', async () => {
    const text = 'customer_id,name,points\nS1,José,10\nS2,Bob,1e308\nS4,Renée,7\n';
    h.fake.addFile({ name: 'latin1-customers.csv', content: Buffer.from(text, 'latin1'), channels: ['C0VALUES'], user: 'U0ADMIN' });
    const ack = await postSlashCommand(h.baseUrl, SIGNING_SECRET, {
      command: '/import',
      text: 'customers encoding=latin1',
      channel_id: 'C0VALUES',
      user_id: 'U0ADMIN',
      response_url: h.fake.responseUrl('values'),
    });
    expect(ack.status).toBe(200);
    await h.adapter.idle();
    const texts = [
      ...responseBodies(h.fake, 'values').map((m) => blockTexts(m.blocks)),
      ...h.fake.callsTo('chat.update').map((c) => blockTexts(c.params.blocks)),
      ...h.fake.callsTo('chat.postMessage').map((c) => blockTexts(c.params.blocks)),
    ].join('\n');
    expect(texts).toContain('latin1-customers.csv');
    expect(texts).toMatch(/3 rows read: 2 customers inserted, 0 updated, 0 unchanged, 1 row rejected/);
    expect(texts).toContain('number outside ±1,000,000,000,000');
    expect(texts).not.toMatch(/internal|something went wrong/i);
    const customers = await h.store.db.selectFrom('customers').select(['customer_id', 'name']).orderBy('customer_id').execute();
    expect(customers).toEqual([
      { customer_id: 'S1', name: 'José' },
      { customer_id: 'S4', name: 'Renée' },
    ]);
  });
});
