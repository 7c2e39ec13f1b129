import type { OrderLineRecord } from '../rows.ts';
import { centsOf, joinOffset, PresetReject, Skip, type Preset } from './preset.ts';

/**
 * Shopify's orders export (Orders > Export > CSV for Excel or plain CSV): one row per line item,
 * `Name` (#1001) the order, `Email` the customer; the order's money (Subtotal, Shipping, Taxes,
 * Total, Refunded Amount) and Financial Status are on its first row only, the other rows of the
 * order leave them empty. `Created at` has an offset ("2024-01-15 10:30:00 -0500").
 */
export const shopifyOrders: Preset = {
  name: 'shopify-orders',
  kind: 'orders',
  label: 'Shopify orders export',
  reads:
    'Name as the order id, Email as the customer, Created at (with its offset), Total of the first row of each order as its amount, Currency, Billing Country; Refunded Amount taken off net revenue; voided orders left out.',
  sources: [
    'https://help.shopify.com/en/manual/migrating-to-shopify/transporter-app/csv-orders',
    'https://docs.xbp.app/docs/development/integrations/shopify/order-format',
  ],
  assumed:
    'Shopify’s own page on the admin export (help.shopify.com/en/manual/orders/export-orders) was not in the stored documentation: its column names are the ones Shopify documents for its order CSVs (Transporter page) and that the xbp.app page shows from a real export.',
  columns: {
    order_id: ['Name'],
    country: ['Billing Country', 'Shipping Country'],
  },
  computed: ['customer_id', 'order_date', 'amount', 'currency'],
  required: [['Name'], ['Email'], ['Created at'], ['Total'], ['Financial Status']],
  start() {
    // The first row of the order seen last: later rows of the same Name take its order fields.
    let order: { name: string; email: string; created: string; currency: string; status: string } | null = null;
    return {
      prepare(row) {
        const name = row.get('Name');
        const first = order === null || order.name !== name;
        if (first) {
          order = {
            name,
            email: row.get('Email'),
            created: row.get('Created at'),
            currency: row.get('Currency'),
            status: row.get('Financial Status').toLowerCase(),
          };
        }
        const current = order!;
        if (current.status === 'voided') return new Skip('voided order (no payment was taken)');
        return {
          customer_id: (row.get('Email') || current.email).toLowerCase(),
          order_date: joinOffset(row.get('Created at') || current.created),
          // the order's Total, once: on its first row; its other rows are lines worth nothing more
          amount: first ? row.get('Total') : '0',
          currency: row.get('Currency') || current.currency,
        };
      },
      adjust(record, row) {
        const line = record as OrderLineRecord;
        const refunded = centsOf(row.get('Refunded Amount'), 'Refunded Amount');
        if (refunded < 0) throw new PresetReject('Refunded Amount', 'a refund is a positive amount', row.get('Refunded Amount'));
        if (refunded === 0) return line;
        return { ...line, net_cents: line.net_cents - refunded };
      },
    };
  },
};
