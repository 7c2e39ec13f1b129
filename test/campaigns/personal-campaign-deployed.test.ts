import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeSlack, postSlashCommand } from '../fakes/slack.ts';
import { startSmtpSink, type SmtpSink } from '../fakes/smtp-sink.ts';
import { killAllBots, SPAWN_TEST_TIMEOUT_MS, type SpawnedBot, spawnSlackHttpBot } from '../helpers/spawn-bot.ts';
import { createTestStore, type TestStore } from '../helpers/store.ts';
import { seedSegment } from './fixtures.ts';
import { seedPredictedBase, type PredictedBase } from './predicted-seed.ts';

// #25.3 and #25.4 as deployed: `npm start` with env vars only, Slack in HTTP mode against the fake and
// SMTP to a fake server. A marketer creates an email campaign on the churn-risk audience with merge
// fields by slash command; another user approves it; the launch mails each contactable member of the
// frozen audience exactly once, with escaped HTML, fallbacks and one-line subjects.

const BOT_TOKEN = 'xoxb-personal-bot-token';
const SIGNING_SECRET = 'personal-signing-secret';
const CHANNEL = 'C0PERSONAL';
const MARKETER = 'U0MARKETER';
const APPROVER = 'U0APPROVER';
const ANSWER_TIMEOUT_MS = 45_000;
// the bot runs on the real clock: the base is dated back from today, and the model is fitted as of today
const TODAY = new Date().toISOString().slice(0, 10);
const NAMES: Record<string, string | null> = {
  L003: '<b>Lou</b> & "Co"',
  L004: null,
  L005: 'Eve Stone',
};

let fake: FakeSlack;
let smtp: SmtpSink;
let store: TestStore;
let bot: SpawnedBot;
let baseUrl: string;
let base: PredictedBase;

beforeAll(async () => {
  fake = new FakeSlack({ botToken: BOT_TOKEN });
  await fake.start();
  smtp = await startSmtpSink();
  store = await createTestStore();
  base = await seedPredictedBase(store.db, TODAY, { names: NAMES });
  // L001 never consented; L005's segment name would split a header if a subject let it
  await store.db.updateTable('customers').set({ consent: 0 }).where('customer_id', '=', 'L001').execute();
  await seedSegment(store.db, 'Lapsed\r\nBcc: victim@example.com', ['L005']);
  const at = '2026-11-01T00:00:00.000Z';
  await store.db
    .insertInto('role_grants')
    .values([
      { platform: 'slack', user_id: MARKETER, role: 'marketer', granted_by: 'seed', granted_at: at },
      { platform: 'slack', user_id: APPROVER, role: 'approver', granted_by: 'seed', granted_at: at },
    ])
    .execute();
  ({ bot, baseUrl } = await spawnSlackHttpBot({
    databaseUrl: store.url,
    apiUrl: fake.apiUrl,
    botToken: BOT_TOKEN,
    signingSecret: SIGNING_SECRET,
    env: {
      LOG_LEVEL: 'info',
      SMTP_URL: smtp.url,
      SMTP_FROM: 'growth@example.com',
      UNSUBSCRIBE_URL: 'https://example.com/unsubscribe',
      EVENTS_WEBHOOK_SECRET: 'events-secret',
      EMAIL_RATE_PER_SECOND: '200',
    },
  }));
});

afterAll(async () => {
  await killAllBots();
  await fake?.stop();
  smtp?.close();
  await store?.close();
});

/** A long public command's answer replaces its progress message in the channel. */
async function channelAnswer(containing: string): Promise<string> {
  const update = await fake.waitFor(
    () => fake.callsTo('chat.update').find((c) => c.params.channel === CHANNEL && JSON.stringify(c.params).includes(containing)),
    ANSWER_TIMEOUT_MS,
  );
  return JSON.stringify(update.params);
}

async function slash(user: string, text: string, response: string): Promise<string> {
  const result = await postSlashCommand(baseUrl, SIGNING_SECRET, {
    command: '/campaign',
    text,
    channel_id: CHANNEL,
    user_id: user,
    response_url: fake.responseUrl(response),
  });
  expect(result.status).toBe(200);
  // a refusal before the command runs (its role) is the acknowledgement itself
  if (result.body && !JSON.stringify(result.body).includes('Working on')) return JSON.stringify(result.body);
  // a long command answers "working on it" first: wait for the answer after it
  const answer = await fake.waitFor(
    () => fake.responsesTo(response).find((r) => !JSON.stringify(r).includes('Working on')),
    ANSWER_TIMEOUT_MS,
  );
  return JSON.stringify(answer);
}

describe('npm start: a personal email campaign on a predicted audience', () => {
  it(
    'create (churn-risk, merge fields) → submit → approved by another user → launch: one escaped, personal email per contactable member',
    async () => {
      await bot.ready();
      const created = await slash(
        MARKETER,
        'create name=Winback audience=churn-risk channel=email holdout=0% subject="{{first_name}}, we miss you ({{segment}})" ' +
          'message="Hello {{first_name|friend}}! As one of our {{clv_band}} customers, here is 20% off. Picks: {{recommended_products}}"',
        'create',
      );
      expect(created).toContain('Draft created');
      expect(created).toContain('churn risk: customers whose historical value is above the median');
      expect(created).toContain(`40 customers of the 270 the CLV model values, CLV model as of ${TODAY}`);

      const typo = await slash(MARKETER, 'edit Winback message="Hi {{frist_name}}"', 'typo');
      expect(typo).toContain('Unknown merge field');
      expect(typo).toContain('{{first_name}}');

      expect(await slash(MARKETER, 'submit Winback', 'submit')).toContain('submitted for approval');
      const mine = await slash(MARKETER, 'approve Winback', 'own');
      expect(mine).toContain('needs the *approver* role');
      expect(await slash(APPROVER, 'approve Winback', 'approve')).toContain('Approved by');

      const launch = await postSlashCommand(baseUrl, SIGNING_SECRET, {
        command: '/campaign',
        text: 'launch Winback',
        channel_id: CHANNEL,
        user_id: MARKETER,
        response_url: fake.responseUrl('launch'),
      });
      expect(launch.status).toBe(200);
      expect(await channelAnswer('recipients sent')).toContain('39 of 39 recipients sent');

      const row = await store.db.selectFrom('campaigns').selectAll().where('name', '=', 'Winback').executeTakeFirstOrThrow();
      expect(row.state).toBe('live');
      const contactable = base.lapsed.filter((id) => id !== 'L001');
      expect(smtp.received.map((r) => r.to).sort()).toEqual(contactable.map((id) => `${id.toLowerCase()}@example.com`).sort());
      const of = (id: string) => smtp.to(`${id.toLowerCase()}@example.com`);

      const lou = of('L003');
      expect(lou.subject).toBe('<b>Lou</b>, we miss you (valued customers)');
      expect(lou.text).toMatch(
        /^Hello <b>Lou<\/b>! As one of our (high|medium|low) customers, here is 20% off\. Picks: our latest products\n/,
      );
      expect(lou.html).toMatch(/Hello &lt;b&gt;Lou&lt;\/b&gt;! As one of our (high|medium|low) customers/);
      expect(lou.html).not.toContain('<b>Lou');
      const nameless = of('L004');
      expect(nameless.subject).toBe('there, we miss you (valued customers)');
      expect(nameless.text).toContain('Hello friend!');
      const eve = of('L005');
      expect(eve.subject).toBe('Eve, we miss you (Lapsed Bcc: victim@example.com)');
      expect(eve.headers.has('bcc')).toBe(false);
      for (const { message } of smtp.received) {
        expect(`${message.subject}${message.text}${message.html}`).not.toMatch(/undefined|null|\{\{/);
        expect(message.html).toContain('Unsubscribe</a>');
      }
      const outbox = await store.db.selectFrom('campaign_outbox').select('status').where('campaign_id', '=', row.id).execute();
      expect(outbox.map((o) => o.status)).toEqual(contactable.map(() => 'sent'));
    },
    SPAWN_TEST_TIMEOUT_MS,
  );

  it(
    'exits with code 0 on SIGTERM',
    async () => {
      expect(await bot.stop()).toEqual({ code: 0, signal: null });
    },
    SPAWN_TEST_TIMEOUT_MS,
  );
});
