import type { OrderLineRecord } from '../rows.ts';
import { centsOf, joinOffset, PresetReject, Skip, type Preset } from './preset.ts';

/** Statuses of payments that took money (a refunded one did, then gave it back). */
const KEPT = new Set(['paid', 'succeeded', 'refunded', 'partially refunded', 'partially_refunded']);

/**
 * Stripe's payments export (Payments > Export, unified_payments.csv): one row per payment, amounts
 * in currency units ("12.50", not cents) in the payment's Currency, Amount Refunded beside them,
 * times in UTC ("Created date (UTC)", "Created (UTC)" in older exports).
 */
export const stripePayments: Preset = {
  name: 'stripe-payments',
  kind: 'orders',
  label: 'Stripe payments export',
  reads:
    'id as the order id, Customer ID (else Customer Email) as the customer, Created date (UTC), Amount in Currency; Amount Refunded taken off net revenue; only Paid and Refunded payments (Failed and uncaptured ones left out).',
  sources: ['https://docs.cello.so/guides/attribution/stripe-reports'],
  assumed:
    'Stripe’s own documentation of the payments export was not in the stored documentation. The columns id, Created (UTC), Amount, Currency, Converted Amount, Customer ID are from the cello.so guide to that export; Amount Refunded, Customer Email, Status (Paid, Refunded, Failed) and Captured, and the newer “Created date (UTC)” header, are from public parsers of the export, not from a documentation page.',
  columns: {
    order_id: ['id', 'ID', 'PaymentIntent ID'],
    amount: ['Amount'],
    currency: ['Currency'],
  },
  computed: ['customer_id', 'order_date'],
  required: [['id', 'ID', 'PaymentIntent ID'], ['Amount'], ['Currency'], ['Created date (UTC)', 'Created (UTC)'], ['Status']],
  start() {
    return {
      prepare(row) {
        const status = row.get('Status').toLowerCase();
        if (!KEPT.has(status)) return new Skip(`payment ${status || 'without a status'} (no money taken)`);
        if (row.get('Captured').toLowerCase() === 'false') return new Skip('payment authorized, never captured');
        const created = joinOffset(row.get('Created date (UTC)', 'Created (UTC)'));
        return {
          customer_id: row.get('Customer ID') || row.get('Customer Email').toLowerCase(),
          // the export's times are UTC and carry no offset: say so, or BUSINESS_TZ would read them
          order_date: /\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(created) ? `${created}Z` : created,
        };
      },
      adjust(record, row) {
        const line = record as OrderLineRecord;
        const refunded = centsOf(row.get('Amount Refunded'), 'Amount Refunded');
        if (refunded < 0 || refunded > line.net_cents)
          throw new PresetReject('Amount Refunded', 'refunded more than the amount, or a negative refund', row.get('Amount Refunded'));
        return refunded === 0 ? line : { ...line, net_cents: line.net_cents - refunded };
      },
    };
  },
};
