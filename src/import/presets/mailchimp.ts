import { Skip, type Preset } from './preset.ts';

/** Mailchimp's email-activity actions -> event types; bounces are left out. */
const TYPES: Record<string, string> = {
  sent: 'delivered',
  open: 'opened',
  opened: 'opened',
  click: 'clicked',
  clicked: 'clicked',
  unsub: 'unsubscribed',
  unsubscribe: 'unsubscribed',
  unsubscribed: 'unsubscribed',
};

/**
 * Mailchimp campaign email activity, one row per action: email_address, action (open, click,
 * bounce), timestamp, and the campaign — the fields of Mailchimp's email-activity report.
 */
export const mailchimp: Preset = {
  name: 'mailchimp',
  kind: 'events',
  label: 'Mailchimp email activity export',
  reads:
    'Email Address as the customer, Action (open -> opened, click -> clicked, sent -> delivered, unsub -> unsubscribed; bounces left out), Timestamp, Campaign Title (or Campaign ID).',
  sources: ['https://mailchimp.com/help/about-email-campaign-reports/'],
  assumed:
    'Mailchimp’s help page describes the campaign report’s Activity exports but not their columns, and no documented CSV of per-recipient actions was found. The columns are assumed from the fields of Mailchimp’s email-activity report (email_address, action, timestamp, campaign_id); rename yours with map= if they differ.',
  columns: {
    campaign_id: ['Campaign Title', 'Campaign', 'Campaign Name', 'campaign_id', 'Campaign ID'],
    occurred_at: ['Timestamp', 'Time', 'Date'],
  },
  computed: ['type', 'customer_id'],
  required: [
    ['Email Address', 'email_address', 'Email'],
    ['Action', 'Activity'],
    ['Timestamp', 'Time', 'Date'],
  ],
  start() {
    return {
      prepare(row) {
        const action = row.get('Action', 'Activity');
        const type = TYPES[action.toLowerCase()];
        if (!type) return new Skip(`action ${action || '(empty)'} (not an email event this bot counts)`);
        // emails are customer ids lower-cased, as the orders presets write them
        return { type, customer_id: row.get('Email Address', 'email_address', 'Email').toLowerCase() };
      },
    };
  },
};
