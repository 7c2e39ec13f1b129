import { Skip, type Preset } from './preset.ts';

/** Klaviyo's metric names -> event types; other metrics (Bounced Email, Dropped Email, Marked Email as Spam) are left out. */
const TYPES: Record<string, string> = {
  'received email': 'delivered',
  'opened email': 'opened',
  'clicked email': 'clicked',
  unsubscribed: 'unsubscribed',
  'unsubscribed from email marketing': 'unsubscribed',
  'unsubscribed from list': 'unsubscribed',
  'placed order': 'converted',
};

/**
 * Klaviyo email events, one row per event: the profile's Email, the metric (Received Email,
 * Opened Email, Clicked Email, Unsubscribed, Placed Order), its Timestamp and the Campaign Name.
 */
export const klaviyo: Preset = {
  name: 'klaviyo',
  kind: 'events',
  label: 'Klaviyo events export',
  reads:
    'Email as the customer, Metric (Received Email -> delivered, Opened Email -> opened, Clicked Email -> clicked, Unsubscribed -> unsubscribed, Placed Order -> converted; other metrics left out), Timestamp, Campaign Name.',
  sources: [
    'https://help.klaviyo.com/hc/en-us/articles/360040093732-How-to-export-conversion-data',
    'https://help.funnel.io/en/articles/2841011-what-data-can-i-get-from-klaviyo',
  ],
  assumed:
    'The metric names are Klaviyo’s (its help page and funnel.io’s list of Klaviyo metrics). No documented CSV layout of per-person events was found: the column names Email, Metric (or Event), Timestamp and Campaign Name are assumed; rename columns with map= if yours differ.',
  columns: {
    campaign_id: ['Campaign Name', 'Campaign', 'Message Name'],
    occurred_at: ['Timestamp', 'Datetime', 'Time', 'Date'],
  },
  computed: ['type', 'customer_id'],
  required: [
    ['Email', 'Email Address', 'Profile Email'],
    ['Metric', 'Metric Name', 'Event', 'Event Name'],
    ['Timestamp', 'Datetime', 'Time', 'Date'],
  ],
  start() {
    return {
      prepare(row) {
        const metric = row.get('Metric', 'Metric Name', 'Event', 'Event Name');
        const type = TYPES[metric.toLowerCase()];
        if (!type) return new Skip(`metric ${metric || '(empty)'} (not an email event this bot counts)`);
        // emails are customer ids lower-cased, as the orders presets write them
        return { type, customer_id: row.get('Email', 'Email Address', 'Profile Email').toLowerCase() };
      },
    };
  },
};
