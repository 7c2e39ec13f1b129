import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bot } from '../../src/core/bot.ts';
import { renderText } from '../../adapters/console/render.ts';
import { createTestBot, run } from '../helpers/bot.ts';
import { createTestStore, type TestStore } from '../helpers/store.ts';
import { approver, captureCards, expectOk, grantRoles, marketer, seedCustomers, seedSegment, testClock } from './fixtures.ts';
import { seedPredictedBase, type PredictedBase } from './predicted-seed.ts';

// #25.3: campaigns on audiences predicted by the CLV model (churn-risk, top-clv:N%, likely-buyers): the
// definition and size on the card, the model's as-of day, consent as for segments, the list frozen at
// submit so approval compares it and launch sends to it.

let store: TestStore;
let bot: Bot;
let base: PredictedBase;
let cards: ReturnType<typeof captureCards>;
const clock = testClock('2026-12-01T10:00:00.000Z');

beforeAll(async () => {
  store = await createTestStore();
  bot = await createTestBot(store.db, store.dir, { now: clock.now });
  cards = captureCards(bot);
  await grantRoles(store.db);
  base = await seedPredictedBase(store.db, '2026-12-01');
  await seedSegment(store.db, 'loyal', base.active.slice(0, 10));
  // L001 never consented, L002 unsubscribed from an earlier campaign
  await store.db.updateTable('customers').set({ consent: 0 }).where('customer_id', '=', 'L001').execute();
  await store.db
    .insertInto('events')
    .values({
      customer_id: 'L002',
      campaign_id: '',
      type: 'unsubscribed',
      occurred_at: '2026-10-01T00:00:00.000Z',
      updated_at: '2026-10-01T00:00:00.000Z',
    })
    .execute();
});

afterAll(async () => {
  await store.close();
});

const frozen = async (id: number) =>
  (
    await store.db
      .selectFrom('campaign_predicted_members')
      .select('customer_id')
      .where('campaign_id', '=', id)
      .orderBy('customer_id')
      .execute()
  ).map((r) => r.customer_id);

async function create(line: string) {
  return expectOk(await run(bot, `/campaign create channel=log message=Hello ${line}`, marketer));
}

describe('creating a campaign on a predicted audience', () => {
  it('churn-risk: the lapsed big spenders; the card shows the definition, the median, the size and the model as-of day', async () => {
    const created = await create('name="Win back" audience=churn-risk');
    const c = created.data.campaign;
    expect(c.segment).toBe('audience:churn-risk p_alive_below=50%');
    expect(c.audience).toMatchObject({ definition: 'churn-risk p_alive_below=50%', as_of: '2026-12-01', members: 40 });
    expect(c.audience.basis).toMatchObject({ currency: 'USD', valued: 270 });
    expect(await frozen(c.id)).toEqual(base.lapsed);
    const text = renderText(created);
    expect(text).toContain(
      'churn risk: customers whose historical value is above the median ($28.30) and whose probability of still being active, P(alive), is below 50%; 40 customers of the 270 the CLV model values, CLV model as of 2026-12-01',
    );
    const shown = renderText(expectOk(await run(bot, `/campaign show ${c.id}`, marketer)));
    expect(shown).toContain('40 customers of the 270 the CLV model values, CLV model as of 2026-12-01');
    const listed = renderText(expectOk(await run(bot, '/campaign list', marketer)));
    expect(listed).toContain('predicted churn-risk p_alive_below=50%');
  });

  it('top-clv:N% takes the best-valued share (ties by id), likely-buyers those expected to buy more than the threshold in 30 days', async () => {
    const top = (await create('name="Top ten" audience=top-clv:10%')).data.campaign;
    expect(top.audience.members).toBe(27); // 10% of 270, rounded up
    expect((await frozen(top.id)).every((id) => base.active.includes(id))).toBe(true);
    expect(top.audience.description).toContain('the 10% of customers with the highest predicted 12-month CLV (');
    const buyers = (await create('name="Buyers" audience=likely-buyers')).data.campaign;
    expect(await frozen(buyers.id)).toEqual(base.active);
    expect(buyers.audience.description).toContain('expected to make more than 0.5 purchases in the next 30 days');
    const picky = (await create('name="Picky buyers" audience=likely-buyers purchases_above=5')).data.campaign;
    expect(picky.audience.members).toBe(0);
    const answer = renderText(expectOk(await run(bot, `/campaign show ${picky.id}`, marketer)));
    expect(answer).toContain('0 customers of the 270 the CLV model values');
    const submitted = await run(bot, `/campaign submit ${picky.id}`, marketer);
    expect(submitted.ok).toBe(false);
    expect(submitted.data.error.code).toBe('empty_audience');
    expect(renderText(submitted)).toContain('Loosen its threshold');
  });

  it('refuses what it cannot read, saying what to type instead', async () => {
    const refuse = async (line: string) => {
      const answer = await run(bot, `/campaign create name=Nope channel=log ${line}`, marketer);
      expect(answer.ok, line).toBe(false);
      return { code: answer.data.error.code as string, text: renderText(answer) };
    };
    expect(await refuse('audience=vip')).toMatchObject({ code: 'bad_audience' });
    expect((await refuse('audience=vip')).text).toContain('audience=churn-risk (with p_alive_below=30%), audience=top-clv:10%');
    expect((await refuse('audience=top-clv')).text).toContain('top-clv needs the share of customers to take');
    expect((await refuse('audience=top-clv:0%')).code).toBe('bad_audience');
    expect((await refuse('audience=churn-risk p_alive_below=150%')).text).toContain('p_alive_below must be a probability');
    expect((await refuse('audience=top-clv:5% p_alive_below=30%')).text).toContain('p_alive_below applies to audience=churn-risk only');
    expect((await refuse('audience=churn-risk segment=loyal')).code).toBe('two_targets');
    expect((await refuse('p_alive_below=30%')).text).toContain('name the audience too');
    expect(await refuse('message=hi')).toMatchObject({ code: 'no_target' });
    expect((await refuse('segment="audience:churn-risk p_alive_below=50%"')).text).toContain('For a predicted audience use audience=');
    expect(await store.db.selectFrom('campaigns').select('name').where('name', '=', 'Nope').execute()).toEqual([]);
  });

  it('an edit of a threshold draws it again; a segment instead drops the frozen list; the change log says so', async () => {
    const c = (await create('name="Edited" audience=churn-risk')).data.campaign;
    const stricter = expectOk(await run(bot, `/campaign edit ${c.id} p_alive_below=3%`, marketer));
    expect(stricter.data.campaign.segment).toBe('audience:churn-risk p_alive_below=3%');
    const fewer = await frozen(c.id);
    expect(fewer.length).toBeLessThan(40);
    expect(fewer.length).toBe(stricter.data.campaign.audience.members);
    const toSegment = expectOk(await run(bot, `/campaign edit ${c.id} segment=loyal`, marketer));
    expect(toSegment.data.campaign).toMatchObject({ segment: 'loyal', audience: null });
    expect(await frozen(c.id)).toEqual([]);
    const shown = renderText(expectOk(await run(bot, `/campaign show ${c.id}`, marketer)));
    expect(shown).toContain('audience: predicted churn-risk p_alive_below=50% → predicted churn-risk p_alive_below=3%');
    expect(shown).toContain('audience: predicted churn-risk p_alive_below=3% → loyal');
    const back = expectOk(await run(bot, `/campaign edit ${c.id} audience=churn-risk`, marketer));
    expect(back.data.campaign.audience.members).toBe(40);
  });

  it('says why when the model cannot be fitted', async () => {
    const small = await createTestStore();
    try {
      const smallBot = await createTestBot(small.db, small.dir, { now: clock.now });
      await grantRoles(small.db);
      await seedCustomers(small.db, [{ id: 'c1' }]);
      await small.db
        .insertInto('orders')
        .values({
          order_id: 'o1',
          customer_id: 'c1',
          order_date: '2026-11-01',
          gross_cents: 1000,
          net_cents: 1000,
          currency: 'USD',
          lines: 1,
          is_purchase: 1,
          updated_at: '2026-11-01T00:00:00.000Z',
        })
        .execute();
      const answer = await run(smallBot, '/campaign create name=Early audience=churn-risk channel=log', marketer);
      expect(answer.ok).toBe(false);
      expect(renderText(answer)).toContain('too little data to predict lifetime value');
    } finally {
      await small.close();
    }
  });
});

describe('approval and launch of a predicted audience', () => {
  it('consent and unsubscribes exclude as for segments; the list frozen at submit is what approval compares and launch sends to', async () => {
    const c = (await create('name="Frozen" audience=churn-risk holdout=10%')).data.campaign;
    clock.set('2026-12-02T09:00:00.000Z');
    const submitted = expectOk(await run(bot, `/campaign submit ${c.id}`, marketer));
    // drawn again at submit, as of that day: the approver decides on that day's model
    expect(submitted.data.campaign.audience.as_of).toBe('2026-12-02');
    expect(submitted.data.preview.excluded).toEqual({ no_consent: 1, unsubscribed: 1, no_email: 0, no_phone: 0, unknown: 0 });
    expect(submitted.data.preview.audience).toBe(38);
    expect(submitted.data.request.content).toMatchObject({ audience: 38, segment_id: 'predicted:2026-12-02' });
    const card = renderText(cards.posts.at(-1)!.reply);
    expect(card).toContain('38 of 40 in predicted churn-risk p_alive_below=50% (as of 2026-12-02)');
    expect(card).toContain('(excluded: 1 without consent, 1 unsubscribed)');
    // the approver sees the definition, the figures, the size and the model's day beside the count
    expect(card).toMatch(/Predicted audience +churn risk: customers whose historical value is above the median \(\$[\d.]+\)/);
    expect(card).toContain('40 customers of the 270 the CLV model values, CLV model as of 2026-12-02');

    // L003 buys again after the submit: a new prediction would drop them, the frozen list does not
    await store.db
      .insertInto('orders')
      .values({
        order_id: 'L003-late',
        customer_id: 'L003',
        order_date: '2026-12-02',
        gross_cents: 9000,
        net_cents: 9000,
        currency: 'USD',
        lines: 1,
        is_purchase: 1,
        updated_at: '2026-12-02T08:00:00.000Z',
      })
      .execute();
    const approved = expectOk(await run(bot, `/campaign approve ${c.id}`, approver));
    expect(approved.data.campaign.state).toBe('approved');
    const launched = expectOk(await run(bot, `/campaign launch ${c.id}`, marketer));
    expect(launched.data.launch).toMatchObject({ audience: 38, holdout: 4, recipients: 34 });
    const audience = await store.db.selectFrom('campaign_audience').select('customer_id').where('campaign_id', '=', c.id).execute();
    const eligible = base.lapsed.filter((id) => id !== 'L001' && id !== 'L002');
    expect(audience.map((a) => a.customer_id).sort()).toEqual(eligible);
  });

  it('an edit of a threshold while awaiting approval withdraws the request and freezes the new list with it', async () => {
    const c = (await create('name="Pending edit" audience=churn-risk')).data.campaign;
    expectOk(await run(bot, `/campaign submit ${c.id}`, marketer));
    const edited = expectOk(await run(bot, `/campaign edit ${c.id} p_alive_below=3%`, marketer));
    expect(edited.data).toMatchObject({ request_withdrawn: true, campaign: { state: 'draft' } });
    expect((await frozen(c.id)).length).toBe(edited.data.campaign.audience.members);
    expect(edited.data.campaign.audience.members).toBeLessThan(40);
  });

  it('a consent withdrawn between submit and approval makes the request stale, as for a segment; a resubmit draws it again', async () => {
    const c = (await create('name="Stale" audience=churn-risk')).data.campaign;
    expectOk(await run(bot, `/campaign submit ${c.id}`, marketer));
    await store.db.updateTable('customers').set({ consent: 0 }).where('customer_id', '=', 'L010').execute();
    const stale = await run(bot, `/campaign approve ${c.id}`, approver);
    expect(stale.ok).toBe(false);
    expect(stale.data.error.code).toBe('request_stale');
    expect(renderText(stale)).toContain('audience');
    clock.set('2026-12-03T09:00:00.000Z');
    const again = expectOk(await run(bot, `/campaign submit ${c.id}`, marketer));
    expect(again.data.campaign.audience.as_of).toBe('2026-12-03');
    expect(again.data.preview.excluded.no_consent).toBe(2);
    expectOk(await run(bot, `/campaign approve ${c.id}`, approver));
  });
});
