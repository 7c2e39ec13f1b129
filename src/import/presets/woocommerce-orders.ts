import type { OrderLineRecord } from '../rows.ts';
import { Skip, type Preset } from './preset.ts';

/** Order statuses without a payment taken: left out. */
const UNPAID = new Set(['failed', 'cancelled', 'pending', 'checkout-draft', 'draft', 'trash']);

/**
 * WooCommerce's orders export as documented on woocommerce.com (the Import Export Suite for
 * WooCommerce's order columns): one row per order, order_total in order_currency, status, and
 * order_date as MM/DD/YYYY H:i:s in the store's time zone.
 */
export const woocommerceOrders: Preset = {
  name: 'woocommerce-orders',
  kind: 'orders',
  label: 'WooCommerce orders export',
  reads:
    'order_id, customer_email (else customer_id) as the customer, order_date (M/D/YYYY H:mm:ss or ISO, in BUSINESS_TZ), order_total in order_currency, billing_country; refunded orders kept at zero net revenue; failed, cancelled, pending and draft orders left out.',
  sources: ['https://woocommerce.com/document/import-and-export-of-woocommerce-orders/'],
  assumed:
    'WooCommerce itself has no orders CSV export; the columns are those of the Import Export Suite documented on woocommerce.com. Its partial refunds were not found among the documented columns: a partially refunded order counts at its full total; a refunded one at zero net revenue.',
  columns: {
    order_id: ['order_id', 'order_number'],
    order_date: ['order_date'],
    amount: ['order_total'],
    currency: ['order_currency'],
    country: ['billing_country'],
  },
  computed: ['customer_id'],
  required: [['order_id', 'order_number'], ['order_date'], ['order_total'], ['status'], ['customer_email', 'customer_id', 'customer_user']],
  dateFormats: ['M/D/YYYY H:mm:ss', 'M/D/YYYY H:mm', 'M/D/YYYY'],
  start() {
    return {
      prepare(row) {
        const status = row.get('status').toLowerCase().replace(/^wc-/, '');
        if (UNPAID.has(status)) return new Skip(`order ${status} (no payment taken)`);
        const id = row.get('customer_id', 'customer_user');
        return { customer_id: row.get('customer_email').toLowerCase() || (id === '0' ? '' : id) };
      },
      adjust(record, row) {
        const line = record as OrderLineRecord;
        return row.get('status').toLowerCase().replace(/^wc-/, '') === 'refunded' ? { ...line, net_cents: 0 } : line;
      },
    };
  },
};
