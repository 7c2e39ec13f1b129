import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { campaignReport } from '../../src/campaigns/report.ts';
import { studentTQuantile } from '../../src/campaigns/stats.ts';
import type { Bot } from '../../src/core/bot.ts';
import { createTestBot, run } from '../helpers/bot.ts';
import { createTestStore, type TestStore } from '../helpers/store.ts';
import {
  approver,
  captureNotifications,
  expectOk,
  grantRoles,
  ids,
  marketer,
  seedCustomers,
  seedSegment,
  testClock,
  viewer,
} from './fixtures.ts';

const clock = testClock('2026-11-10T08:00:00.000Z');
let store: TestStore;
let bot: Bot;
let posts: ReturnType<typeof captureNotifications>;
const members = ids('r', 100);

beforeAll(async () => {
  store = await createTestStore();
  bot = await createTestBot(store.db, store.dir, { now: clock.now });
  posts = captureNotifications(bot);
  await grantRoles(store.db);
  await seedCustomers(
    store.db,
    members.map((id) => ({ id })),
  );
  await seedSegment(store.db, 'hundred', members);
});

afterAll(async () => {
  await store.close();
});

async function launch(name: string, holdout: string): Promise<{ id: number; recipients: string[]; holdout: string[] }> {
  const id = expectOk(
    await run(bot, `/campaign create name=${name} segment=hundred holdout=${holdout} window=7d cost_per_send=0.50`, marketer),
  ).data.campaign.id;
  expectOk(await run(bot, `/campaign submit ${id}`, marketer));
  expectOk(await run(bot, `/campaign approve ${id}`, approver));
  expectOk(await run(bot, `/campaign launch ${id}`, marketer));
  // launched on the log channel (a dry run, free); measured as the paid channel it stands in for
  await store.db.updateTable('campaigns').set({ channel: 'webhook' }).where('id', '=', id).execute();
  const audience = await store.db
    .selectFrom('campaign_audience')
    .selectAll()
    .where('campaign_id', '=', id)
    .orderBy('customer_id')
    .execute();
  return {
    id,
    recipients: audience.filter((a) => a.group_name === 'recipient').map((a) => a.customer_id),
    holdout: audience.filter((a) => a.group_name === 'holdout').map((a) => a.customer_id),
  };
}

let n = 0;
async function order(customer_id: string, order_date: string, cents: number) {
  n++;
  await store.db
    .insertInto('orders')
    .values({
      order_id: `o${n}`,
      customer_id,
      order_date,
      gross_cents: cents,
      net_cents: cents,
      currency: 'USD',
      lines: 1,
      is_purchase: 1,
      updated_at: '2026-11-30T00:00:00.000Z',
    })
    .execute();
}

async function events(campaignId: number, type: string, customers: string[], occurred_at = '2026-11-11T12:00:00.000Z') {
  await store.db
    .insertInto('events')
    .values(customers.map((customer_id) => ({ customer_id, campaign_id: String(campaignId), type, occurred_at, updated_at: occurred_at })))
    .execute();
}

describe('campaignReport against a hand-computed case', () => {
  it('rates, revenue per member, Welch 95% CI, lift and incremental ROI', async () => {
    const c = await launch('Measured', '40%');
    expect(c.recipients).toHaveLength(60);
    expect(c.holdout).toHaveLength(40);
    // in the window [2026-11-10, 2026-11-17): 30 recipients spend $20 on day 3, 10 holdout members $20 on day 2
    for (const id of c.recipients.slice(0, 30)) await order(id, '2026-11-12', 2000);
    for (const id of c.holdout.slice(0, 10)) await order(id, '2026-11-11', 2000);
    // outside the window: ignored
    await order(c.recipients[40]!, '2026-11-09', 99_900);
    await order(c.recipients[41]!, '2026-11-17', 99_900);
    await order(c.holdout[20]!, '2026-11-20', 99_900);
    await events(c.id, 'delivered', c.recipients.slice(0, 50));
    await events(c.id, 'opened', c.recipients.slice(0, 20));
    await events(c.id, 'clicked', c.recipients.slice(0, 10));
    await events(c.id, 'converted', c.recipients.slice(0, 5));
    await events(c.id, 'opened', c.recipients.slice(30, 40), '2026-11-25T00:00:00.000Z'); // after the window

    const { data, view } = await campaignReport(store.db, c.id, '2026-11-30', 'UTC', { outDir: `${store.dir}/out` });
    expect(data.attribution_window).toEqual({ start: '2026-11-10', end: '2026-11-17', days: 7, days_elapsed: 7, complete: true });
    expect(data.sends).toEqual({
      recipients: 60,
      sent: 60,
      failed: 0,
      skipped: 0,
      pending: 0,
      quiet_hours: 0,
      undelivered: 0,
      delivered: 50,
      opened: 20,
      clicked: 10,
      converted: 5,
      rate_base: 'delivered',
      delivery_rate: 50 / 60,
      open_rate: 0.4,
      click_rate: 0.2,
      conversion_rate: 0.1,
      // Wilson 95% (scipy.stats.norm.ppf(0.975) in the score formula; 81/263 -> 0.2553..0.3662 as in Newcombe 1998, intervals.test.ts)
      open_rate_ci95: [expect.closeTo(0.2760839, 6), expect.closeTo(0.5381856, 6)],
      click_rate_ci95: [expect.closeTo(0.1124375, 6), expect.closeTo(0.3303711, 6)],
      conversion_rate_ci95: [expect.closeTo(0.0434758, 6), expect.closeTo(0.2136023, 6)],
    });
    // recipients: 30 x 2000 + 30 x 0 -> mean 1000, sd sqrt(60e6 / 59); holdout: 10 x 2000 + 30 x 0 -> mean 500, sd sqrt(30e6 / 39)
    expect(data.recipients).toEqual({
      members: 60,
      revenue_cents: 60_000,
      revenue_per_member_cents: 1000,
      sd_cents: expect.closeTo(Math.sqrt(60e6 / 59), 9),
      purchasers: 30,
      purchase_rate: 0.5,
      purchase_rate_ci95: [expect.closeTo(0.3773502, 6), expect.closeTo(0.6226498, 6)],
    });
    expect(data.holdout).toEqual({
      members: 40,
      revenue_cents: 20_000,
      revenue_per_member_cents: 500,
      sd_cents: expect.closeTo(Math.sqrt(30e6 / 39), 9),
      purchasers: 10,
      purchase_rate: 0.25,
      purchase_rate_ci95: [expect.closeTo(0.1418712, 6), expect.closeTo(0.4019396, 6)],
    });
    const inc = data.incremental;
    // by hand (and scipy.stats.ttest_ind(equal_var=False)): se = 190.2102, df = 91.2079, t(0.975, df) = 1.986316
    expect(inc.welch_df).toBeCloseTo(91.2079431, 5);
    expect(inc.per_member_cents).toBe(500);
    expect(inc.per_member_ci95_cents).toEqual([122, 878]);
    expect(inc.revenue_cents).toBe(30_000);
    expect(inc.revenue_ci95_cents).toEqual([7331, 52_669]);
    expect(inc.lift).toBe(1);
    // Fieller (scipy t quantile, closed form): asymmetric, wider than difference / holdout mean ([0.244, 1.756]);
    // a seeded bootstrap (numpy default_rng(1), 20,000 resamples) gives [0.167, 3.133]
    expect(inc.lift_ci95![0]).toBeCloseTo(0.172514604, 6);
    expect(inc.lift_ci95![1]).toBeCloseTo(3.570455559, 6);
    // purchase rate 50% vs 25%: Newcombe's hybrid score interval for the difference (method 10)
    expect(inc.purchase_rate_difference).toBe(0.25);
    expect(inc.purchase_rate_difference_ci95![0]).toBeCloseTo(0.0547345, 6);
    expect(inc.purchase_rate_difference_ci95![1]).toBeCloseTo(0.4135078, 6);
    expect(inc.cost_cents).toBe(3000);
    expect(inc.roi).toBe(9); // (30000 - 3000) / 3000
    expect(inc.roi_ci95![0]).toBeCloseTo((7330.9441 - 3000) / 3000, 4);
    expect(inc.roi_ci95![1]).toBeCloseTo((52_669.0559 - 3000) / 3000, 4);
    expect(inc.verdict).toBe('significant');
    expect(data.series).toEqual({
      day: [1, 2, 3, 4, 5, 6, 7],
      recipients_cents: [0, 0, 1000, 1000, 1000, 1000, 1000],
      holdout_cents: [0, 500, 500, 500, 500, 500, 500],
    });
    expect(existsSync(data.chart!)).toBe(true);
    expect(view.notes!.join(' ')).toContain('attribution window 2026-11-10 to 2026-11-16 (7 days)');
    const lines = JSON.stringify(view.fields);
    expect(lines).toContain('$300.00 (95% CI $73.31 to $526.69)');
    expect(lines).toContain('900.0%');
    expect(lines).toContain('100.0% (95% CI 17.3% to 357.0%)');
    expect(lines).toContain('50.0% vs 25.0%: +25.0 pp (95% CI +5.5 pp to +41.4 pp)');
    expect(lines).toContain('40.0% (27.6%–53.8%)');

    // the same through the command (/roi campaign=<id> calls campaignReport too)
    const reply = expectOk(await run(bot, `/campaign report ${c.id} as_of=2026-11-30`, viewer));
    expect(reply.data.incremental.revenue_cents).toBe(30_000);
    expect(reply.view.charts).toHaveLength(1);
  });

  it('part way through the window: figures cover the elapsed days and say so', async () => {
    const { data } = await campaignReport(store.db, 1, '2026-11-11', 'UTC');
    expect(data.attribution_window).toMatchObject({ days_elapsed: 2, complete: false });
    expect(data.recipients.revenue_cents).toBe(0);
    expect(data.holdout.revenue_cents).toBe(20_000);
    // nobody among the recipients has bought yet: no "-100%", just what is missing
    expect(data.incremental).toMatchObject({ verdict: 'too_early', lift: null, per_member_cents: null });
    expect(data.incremental.statement).toContain(
      'Too early to measure: 10 purchasing members so far (0 recipients, 10 in the holdout), needs about 20',
    );
  });

  it('a holdout too small to say anything gets no figure, said plainly', async () => {
    clock.set('2026-11-12T08:00:00.000Z');
    const c = await launch('Tiny', '10%');
    expect(c.holdout).toHaveLength(10);
    const { data, view } = await campaignReport(store.db, c.id, '2026-11-30', 'UTC');
    expect(data.incremental).toMatchObject({ verdict: 'too_small', per_member_cents: null, lift: null, roi: null, cost_cents: 4500 });
    expect(view.text).toContain('The holdout has 10 members');
    expect(JSON.stringify(view.fields)).not.toContain('Incremental ROI');
  });

  it('a later campaign on the same segment expects the incremental revenue the earlier holdout measured', async () => {
    clock.set('2026-11-30T08:00:00.000Z');
    const id = expectOk(await run(bot, '/campaign create name=Next segment=hundred holdout=40% window=7d cost_per_send=0.50', marketer))
      .data.campaign.id;
    const submitted = expectOk(await run(bot, `/campaign submit ${id}`, marketer));
    const { incremental, recipients } = submitted.data.preview;
    // campaign 1 measured $5.00 more per recipient over its 7 days (the Tiny one's holdout was too small to count)
    expect(incremental).toMatchObject({ from_campaigns: [1], per_recipient_cents: 500, expected_cents: 500 * recipients });
    const card = JSON.stringify(posts.at(-1)!.reply.view.fields);
    expect(card).toContain(`(\$5.00 per recipient, from the holdout results of campaign #1 on hundred)`);
  });

  it('refuses a campaign that was never launched', async () => {
    const id = expectOk(await run(bot, '/campaign create name=Unlaunched segment=hundred', marketer)).data.campaign.id;
    const reply = await run(bot, `/campaign report ${id}`, viewer);
    expect(reply.data.error.code).toBe('not_launched');
  });
});

describe('Student t quantiles', () => {
  it('match the tables', () => {
    expect(studentTQuantile(0.975, 1)).toBeCloseTo(12.7062, 4);
    expect(studentTQuantile(0.975, 10)).toBeCloseTo(2.228139, 6);
    expect(studentTQuantile(0.975, 30)).toBeCloseTo(2.042272, 6);
    expect(studentTQuantile(0.975, 1e7)).toBeCloseTo(1.959964, 5);
  });
});
