import { writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Purchases with a known structure, for /recommend: three tastes (A, B, C) of five products each,
 * 30 customers per taste. Customer i of a taste buys products i and i+1 of it (and a shared bag
 * unless i is a multiple of 4) in January, product i+2 in February (up to the 20th), and, for i < 20,
 * product i+3 in March (the 30-day holdout of /recommend evaluate): new to them, bought by others of
 * their taste. Product A5 is retired (products.csv).
 */
export const TASTES = ['A', 'B', 'C'] as const;
export const PER_TASTE = 30;
export const HOLDOUT_BUYERS = 20;
/** A product name as a file may have it: chat syntax, and far longer than a reply shows. */
export const HOSTILE_NAME = `<!here> *Alpine* [mug](https://evil.example) ${'x'.repeat(250)}`;

export const customerOf = (taste: string, i: number) => `CUST-${taste}-${String(i).padStart(2, '0')}`;
export const productOf = (taste: string, k: number) => `${taste}${(k % 5) + 1}`;

function productName(sku: string): string {
  return sku === 'A4' ? HOSTILE_NAME : `${{ A: 'Alpine', B: 'Bamboo', C: 'Copper' }[sku[0] as 'A' | 'B' | 'C'] ?? 'Canvas'} ${sku}`;
}

function q(value: string): string {
  return /[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** Writes orders.csv (sku and product name columns), products.csv (A5 retired) and customers.csv (taste as an attribute) into `dir`. */
export function writePurchases(dir: string): { orders: string; products: string; customers: string } {
  const orders = ['order_id,customer_id,order_date,sku,product_name,quantity,unit_price'];
  // order ids must not start with C: that is a cancellation
  const line = (order: string, customer: string, date: string, sku: string) =>
    orders.push([`O-${order}`, customer, date, sku, q(productName(sku)), '1', '10'].join(','));
  const customers = ['customer_id,taste'];
  for (const [t, taste] of TASTES.entries()) {
    for (let i = 0; i < PER_TASTE; i++) {
      const customer = customerOf(taste, i);
      customers.push(`${customer},${t + 1}`);
      const day = String((i % 20) + 1).padStart(2, '0');
      line(`${customer}-1`, customer, `2026-01-${day}`, productOf(taste, i));
      line(`${customer}-1`, customer, `2026-01-${day}`, productOf(taste, i + 1));
      if (i % 4 !== 0) line(`${customer}-1`, customer, `2026-01-${day}`, 'BAG');
      line(`${customer}-2`, customer, `2026-02-${day}`, productOf(taste, i + 2));
      if (i < HOLDOUT_BUYERS) line(`${customer}-3`, customer, `2026-03-${String(10 + (i % 20)).padStart(2, '0')}`, productOf(taste, i + 3));
    }
  }
  // a customer with an order but no product: recommendations fall back on popularity
  customers.push('NEWBIE,1');
  const files = {
    orders: path.join(dir, 'reco-orders.csv'),
    products: path.join(dir, 'reco-products.csv'),
    customers: path.join(dir, 'reco-customers.csv'),
  };
  writeFileSync(files.orders, `${orders.join('\n')}\n`);
  writeFileSync(files.products, 'sku,name,active\nA5,Alpine A5,no\n');
  writeFileSync(files.customers, `${customers.join('\n')}\n`);
  return files;
}
