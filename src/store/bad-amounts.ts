import type { ExpressionBuilder, Kysely } from 'kysely';
import type { Database } from './schema.ts';

/** What imports keep: ±10^12 currency units (cents below 2^53, far from bigint's end). */
const MAX_UNITS = 1e12;
const MAX_CENTS = MAX_UNITS * 100;

const badOrder = (eb: ExpressionBuilder<Database, 'orders'>) =>
  eb.or([
    eb('gross_cents', '>', MAX_CENTS),
    eb('gross_cents', '<', -MAX_CENTS),
    eb('net_cents', '>', MAX_CENTS),
    eb('net_cents', '<', -MAX_CENTS),
  ]);
const badSpend = (eb: ExpressionBuilder<Database, 'spend'>) =>
  eb.or([eb('amount_cents', '>', MAX_CENTS), eb('amount_cents', '<', -MAX_CENTS)]);
const badAttribute = (eb: ExpressionBuilder<Database, 'customer_attributes'>) =>
  eb.or([eb('value', '>', MAX_UNITS), eb('value', '<', -MAX_UNITS)]);

/** One stored number an earlier version let in: infinite, NaN (PostgreSQL keeps it in double precision) or past ±10^12. */
export interface BadAmount {
  table: 'orders' | 'spend' | 'customer_attributes';
  /** The row's key, as a user would name it. */
  key: string;
  column: string;
  value: number;
}

/** NaN compares above every number in PostgreSQL, so `> max` finds it too; SQLite cannot store NaN at all. */
export async function findBadAmounts(db: Kysely<Database>): Promise<BadAmount[]> {
  const orders = await db
    .selectFrom('orders')
    .select(['order_id', 'gross_cents', 'net_cents'])
    .where((eb) =>
      eb.or([
        eb('gross_cents', '>', MAX_CENTS),
        eb('gross_cents', '<', -MAX_CENTS),
        eb('net_cents', '>', MAX_CENTS),
        eb('net_cents', '<', -MAX_CENTS),
      ]),
    )
    .orderBy('order_id')
    .execute();
  const spend = await db
    .selectFrom('spend')
    .select(['date', 'channel', 'campaign', 'amount_cents'])
    .where(badSpend)
    .orderBy('date')
    .orderBy('channel')
    .orderBy('campaign')
    .execute();
  const attributes = await db
    .selectFrom('customer_attributes')
    .select(['customer_id', 'name', 'value'])
    .where(badAttribute)
    .orderBy('customer_id')
    .orderBy('name')
    .execute();
  const outside = (cents: number) => !(Math.abs(Number(cents)) <= MAX_CENTS);
  return [
    ...orders.map((o) => {
      const column = outside(o.gross_cents) ? 'gross_cents' : 'net_cents';
      return { table: 'orders' as const, key: o.order_id, column, value: Number(o[column]) };
    }),
    ...spend.map((s) => ({
      table: 'spend' as const,
      key: [s.date, s.channel, s.campaign].filter(Boolean).join(' · '),
      column: 'amount_cents',
      value: Number(s.amount_cents),
    })),
    ...attributes.map((a) => ({
      table: 'customer_attributes' as const,
      key: `${a.customer_id} · ${a.name}`,
      column: 'value',
      value: Number(a.value),
    })),
  ];
}

/** Deletes the rows findBadAmounts lists, in one transaction; returns them. */
export async function removeBadAmounts(db: Kysely<Database>): Promise<BadAmount[]> {
  return db.transaction().execute(async (trx) => {
    const found = await findBadAmounts(trx);
    await trx
      .deleteFrom('orders')
      .where((eb) =>
        eb.or([
          eb('gross_cents', '>', MAX_CENTS),
          eb('gross_cents', '<', -MAX_CENTS),
          eb('net_cents', '>', MAX_CENTS),
          eb('net_cents', '<', -MAX_CENTS),
        ]),
      )
      .execute();
    await trx.deleteFrom('spend').where(badSpend).execute();
    await trx.deleteFrom('customer_attributes').where(badAttribute).execute();
    return found;
  });
}
