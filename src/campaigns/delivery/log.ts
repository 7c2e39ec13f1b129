import type { Logger } from 'pino';
import type { Deliverer } from './deliverer.ts';

/** Dry run: records every send in the outbox and delivers nothing (the console default). */
export function logDeliverer(logger?: Logger): Deliverer {
  return {
    channel: 'log',
    batchSize: 500,
    async deliver(campaign, recipients) {
      logger?.info({ campaign_id: campaign.id, recipients: recipients.length }, 'log channel: sends recorded, nothing delivered');
      return recipients.map((r) => ({ customer_id: r.customer_id, ok: true }));
    },
  };
}
