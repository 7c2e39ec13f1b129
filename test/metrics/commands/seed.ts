import { readFileSync } from 'node:fs';
import type { Kysely } from 'kysely';
import type { Database } from '../../../src/store/schema.ts';
import { toCents } from '../../../src/store/money.ts';
import { datasetPath, hasDataset } from '../../helpers/datasets.ts';

export const CDNOW_SAMPLE = 'cdnow/CDNOW_sample.txt';
export const hasCdnowSample = () => hasDataset(CDNOW_SAMPLE);

const STAMP = '2026-11-25T00:00:00.000Z';

export interface OrderSeed {
  order_id: string;
  customer_id: string;
  order_date: string;
  net_cents: number;
  currency?: string;
  is_purchase?: number;
}

export interface CustomerSeed {
  customer_id: string;
  email?: string | null;
  signup_date?: string | null;
  acquisition_channel?: string | null;
}

async function inChunks<T>(rows: T[], size: number, insert: (chunk: T[]) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < rows.length; i += size) await insert(rows.slice(i, i + size));
}

export async function seedCustomers(db: Kysely<Database>, customers: CustomerSeed[]): Promise<void> {
  await inChunks(customers, 500, (chunk) =>
    db
      .insertInto('customers')
      .values(
        chunk.map((c) => ({
          customer_id: c.customer_id,
          email: c.email ?? null,
          name: null,
          signup_date: c.signup_date ?? null,
          country: null,
          acquisition_channel: c.acquisition_channel ?? null,
          consent: 1,
          created_at: STAMP,
          updated_at: STAMP,
        })),
      )
      .execute(),
  );
}

export async function seedOrders(db: Kysely<Database>, orders: OrderSeed[]): Promise<void> {
  await inChunks(orders, 500, (chunk) =>
    db
      .insertInto('orders')
      .values(
        chunk.map((o) => ({
          order_id: o.order_id,
          customer_id: o.customer_id,
          order_date: o.order_date,
          gross_cents: Math.max(o.net_cents, 0),
          net_cents: o.net_cents,
          currency: o.currency ?? 'USD',
          lines: 1,
          is_purchase: o.is_purchase ?? 1,
          updated_at: STAMP,
        })),
      )
      .execute(),
  );
}

export async function seedSpend(
  db: Kysely<Database>,
  rows: { date: string; channel: string; campaign?: string; amount_cents: number; currency?: string }[],
): Promise<void> {
  await db
    .insertInto('spend')
    .values(
      rows.map((r) => ({
        date: r.date,
        channel: r.channel,
        campaign: r.campaign ?? '',
        amount_cents: r.amount_cents,
        currency: r.currency ?? 'USD',
        updated_at: STAMP,
      })),
    )
    .execute();
}

/**
 * The CDNOW sample as orders: one order per transaction line (order id synthesized), customer id = the
 * sample_id as a number ('0001' -> '1', the ID of the published summary files), dollars as USD.
 */
export async function seedCdnowSample(db: Kysely<Database>): Promise<{ customers: number; orders: number }> {
  const orders: OrderSeed[] = [];
  const ids = new Set<string>();
  readFileSync(datasetPath(CDNOW_SAMPLE), 'utf8')
    .split('\n')
    .forEach((line, i) => {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 5) return;
      const [, sampleId, ymd, , dollars] = fields as [string, string, string, string, string];
      const customerId = String(Number(sampleId));
      ids.add(customerId);
      orders.push({
        order_id: `cdnow-${i + 1}`,
        customer_id: customerId,
        order_date: `${ymd.slice(0, 4)}-${ymd.slice(4, 6)}-${ymd.slice(6, 8)}`,
        net_cents: toCents(Number(dollars)),
      });
    });
  await seedCustomers(
    db,
    [...ids].map((id) => ({ customer_id: id, email: `customer${id}@example.com` })),
  );
  await seedOrders(db, orders);
  return { customers: ids.size, orders: orders.length };
}
