import type { Kysely } from 'kysely';
import { resolveByName } from '../core/names.ts';
import { dayOf } from '../core/business-day.ts';
import { onDays } from '../store/business-days.ts';
import type { Database } from '../store/schema.ts';
import { spendIn } from './spend.ts';
import type { Period } from './periods.ts';

export const NO_CHANNEL = '(no channel)';

export interface Acquisition {
  customer_id: string;
  channel: string;
  /** 'YYYY-MM-DD', the business day of signup_date, or of the first purchase where there is none. */
  acquired_on: string;
  /** The currency of the customer's first purchase; null before any. CAC per currency counts a customer in it. */
  currency: string | null;
}

/** Customers with their acquisition day (signup_date, else first purchase) and channel, as a subquery. */
function acquisitionsQuery(db: Kysely<Database>) {
  const firstOrders = db
    .selectFrom('orders')
    .select((eb) => ['customer_id', eb.fn.min<string>('order_date').as('first_order')])
    .where('is_purchase', '=', 1)
    .groupBy('customer_id');
  return db
    .selectFrom('customers as c')
    .leftJoin(firstOrders.as('f'), 'f.customer_id', 'c.customer_id')
    .select((eb) => [
      'c.customer_id as customer_id',
      'c.acquisition_channel as channel',
      eb.fn.coalesce('c.signup_date', 'f.first_order').as('acquired_on'),
    ]);
}

/** Customers acquired in the period (acquired_on within from..to), with the currency of their first purchase. */
export async function acquisitionsIn(db: Kysely<Database>, period: Period, channel?: string): Promise<Acquisition[]> {
  let query = db
    .selectFrom(acquisitionsQuery(db).as('a'))
    .selectAll()
    .where(onDays('a.acquired_on', period.from, period.to, period.zone));
  if (channel) query = channel === NO_CHANNEL ? query.where('a.channel', 'is', null) : query.where('a.channel', '=', channel);
  const rows = await query.execute();
  const currencies = await firstPurchaseCurrencies(
    db,
    rows.map((r) => r.customer_id),
  );
  return rows.map((r) => ({
    customer_id: r.customer_id,
    channel: r.channel ?? NO_CHANNEL,
    acquired_on: dayOf(String(r.acquired_on), period.zone),
    currency: currencies.get(r.customer_id) ?? null,
  }));
}

/** The currency of each customer's first purchase (the earliest order date; ties: the first currency by name). */
async function firstPurchaseCurrencies(db: Kysely<Database>, ids: string[]): Promise<Map<string, string>> {
  const first = new Map<string, { day: string; currency: string }>();
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await db
      .selectFrom('orders')
      .select(['customer_id', 'currency', (eb) => eb.fn.min<string>('order_date').as('day')])
      .where('customer_id', 'in', ids.slice(i, i + 500))
      .where('is_purchase', '=', 1)
      .groupBy(['customer_id', 'currency'])
      .execute();
    for (const row of rows) {
      const seen = first.get(row.customer_id);
      const day = String(row.day);
      if (!seen || day < seen.day || (day === seen.day && row.currency < seen.currency))
        first.set(row.customer_id, { day, currency: row.currency });
    }
  }
  return new Map([...first].map(([id, f]) => [id, f.currency]));
}

/**
 * Which new customers a channel's spend in one currency bought: those whose first purchase was in
 * that currency, and those who have not bought yet when it is the channel's main spend currency
 * (the one it spent most in). A channel without spend counts every new customer.
 */
export function customersForCurrency(members: Acquisition[], currency: string | null, mainCurrency: string | null): number {
  if (currency === null) return members.length;
  return members.filter((m) => m.currency === currency || (m.currency === null && currency === mainCurrency)).length;
}

/** The currency a channel spent most in (null without spend). */
export function mainSpendCurrency(spend: Map<string, number> | undefined): string | null {
  if (!spend || spend.size === 0) return null;
  return [...spend].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]![0];
}

/** New customers per acquisition day (signup date, else first purchase; business days in the zone) and channel, for days from..to. */
export async function acquisitionsByDay(
  db: Kysely<Database>,
  from: string,
  to: string,
  zone: string,
): Promise<{ day: string; channel: string; customers: number }[]> {
  const rows = await db
    .selectFrom(acquisitionsQuery(db).as('a'))
    .select((eb) => ['a.acquired_on', 'a.channel', eb.fn.countAll<number>().as('customers')])
    .where(onDays('a.acquired_on', from, to, zone))
    .groupBy(['a.acquired_on', 'a.channel'])
    .execute();
  const byDay = new Map<string, { day: string; channel: string; customers: number }>();
  for (const r of rows) {
    const day = dayOf(String(r.acquired_on), zone);
    const channel = r.channel ?? NO_CHANNEL;
    const entry = byDay.get(`${day}|${channel}`) ?? { day, channel, customers: 0 };
    entry.customers += Number(r.customers);
    byDay.set(`${day}|${channel}`, entry);
  }
  return [...byDay.values()];
}

/** New customers per channel in the period, each with the currency of their first purchase. */
export async function newCustomersByChannel(db: Kysely<Database>, period: Period): Promise<Map<string, Acquisition[]>> {
  const out = new Map<string, Acquisition[]>();
  for (const a of await acquisitionsIn(db, period)) {
    const list = out.get(a.channel);
    if (list) list.push(a);
    else out.set(a.channel, [a]);
  }
  return out;
}

/** Spend per channel and currency in the period, in cents (monthly rows prorated by day: see spendIn), and how many monthly rows it cut. */
export async function spendByChannel(
  db: Kysely<Database>,
  period: Period,
  campaign?: string,
): Promise<{ byChannel: Map<string, Map<string, number>>; prorated: number }> {
  const { shares, prorated } = await spendIn(db, period.from, period.to, { campaign });
  const out = new Map<string, Map<string, number>>();
  for (const share of shares) {
    let entry = out.get(share.channel);
    if (!entry) out.set(share.channel, (entry = new Map()));
    entry.set(share.currency, (entry.get(share.currency) ?? 0) + share.cents);
  }
  for (const entry of out.values()) for (const [currency, cents] of entry) entry.set(currency, Math.round(cents));
  return { byChannel: out, prorated };
}

/** The most recent business day with orders or spend (what "this month" means for historical data). */
export async function latestDataDay(db: Kysely<Database>, zone: string): Promise<string | null> {
  const orders = await db
    .selectFrom('orders')
    .select((eb) => eb.fn.max<string>('order_date').as('day'))
    .executeTakeFirst();
  const spend = await db
    .selectFrom('spend')
    .select((eb) => eb.fn.max<string>('date').as('day'))
    .executeTakeFirst();
  const days = [orders?.day, spend?.day].filter((d): d is string => Boolean(d)).map((d) => dayOf(d, zone));
  return days.length ? days.sort().at(-1)! : null;
}

/** Every channel the store knows: acquisition channels of customers and channels with spend, sorted. */
export async function knownChannels(db: Kysely<Database>): Promise<string[]> {
  const [acquired, spent] = await Promise.all([
    db.selectFrom('customers').select('acquisition_channel as channel').distinct().where('acquisition_channel', 'is not', null).execute(),
    db.selectFrom('spend').select('channel').distinct().execute(),
  ]);
  return [...new Set([...acquired, ...spent].map((r) => String(r.channel)))].sort();
}

/**
 * The stored spelling of a channel typed by a user, matched ignoring case, spaces, hyphens and
 * underscores (`Google Ads` is `google_ads`); an unknown one is a UserError with the nearest
 * channels and every channel. `(no channel)` stays as it is.
 */
export async function resolveChannel(db: Kysely<Database>, input: string): Promise<string> {
  if (input === NO_CHANNEL) return input;
  return resolveByName(input, await knownChannels(db), (c) => c, {
    code: 'unknown_channel',
    what: 'channel',
    knownLabel: 'Channels in the data',
    hint: 'Leave channel= out to see every channel.',
    none: 'There are no channels yet: import customers (their acquisition channel) and spend first.',
  });
}
