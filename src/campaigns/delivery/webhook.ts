import { createHash, createHmac } from 'node:crypto';
import type { Campaign } from '../repository.ts';
import { sleep, type Deliverer, type Recipient } from './deliverer.ts';

export const WEBHOOK_SIGNATURE_HEADER = 'x-growthbot-signature';
export const WEBHOOK_IDEMPOTENCY_HEADER = 'idempotency-key';

export interface WebhookOptions {
  url: string;
  secret: string;
  batchSize?: number;
  /** Tries per batch (first try included). */
  maxAttempts?: number;
  /** Wait before the second try; doubled each time. */
  backoffMs?: number;
  timeoutMs?: number;
}

/** `sha256=<hex HMAC-SHA256 of the raw body with the secret>` */
export function signBody(secret: string, rawBody: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(rawBody).digest('hex')}`;
}

export function webhookBody(campaign: Campaign, recipients: Recipient[], sentAt: string): string {
  return JSON.stringify({
    campaign: { id: campaign.id, name: campaign.name },
    subject: campaign.subject,
    message: campaign.message,
    sent_at: sentAt,
    recipients: recipients.map((r) => ({ customer_id: r.customer_id, email: r.email, name: r.name, idempotency_key: r.idempotency_key })),
  });
}

class RetryableError extends Error {}

/**
 * POSTs JSON batches of recipients, signed; retries 5xx, 429, timeouts and network errors with
 * exponential backoff. The same batch always carries the same keys, so a receiver can drop repeats.
 */
export function webhookDeliverer(options: WebhookOptions): Deliverer {
  const maxAttempts = options.maxAttempts ?? 5;
  const backoffMs = options.backoffMs ?? 500;
  const timeoutMs = options.timeoutMs ?? 10_000;
  return {
    channel: 'webhook',
    batchSize: options.batchSize ?? 100,
    async deliver(campaign, recipients) {
      const body = webhookBody(campaign, recipients, new Date().toISOString());
      const batchKey = createHash('sha256')
        .update(recipients.map((r) => r.idempotency_key).join(','))
        .digest('hex')
        .slice(0, 32);
      let lastError = '';
      for (let attempt = 1; attempt <= maxAttempts; attempt++) {
        try {
          const response = await fetch(options.url, {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              [WEBHOOK_SIGNATURE_HEADER]: signBody(options.secret, body),
              [WEBHOOK_IDEMPOTENCY_HEADER]: batchKey,
            },
            body,
            signal: AbortSignal.timeout(timeoutMs),
          });
          await response.arrayBuffer().catch(() => undefined);
          if (response.ok) return recipients.map((r) => ({ customer_id: r.customer_id, ok: true }));
          if (response.status >= 500 || response.status === 429) throw new RetryableError(`HTTP ${response.status}`);
          const error = `the webhook answered HTTP ${response.status}`;
          return recipients.map((r) => ({ customer_id: r.customer_id, ok: false, error }));
        } catch (error) {
          lastError =
            error instanceof RetryableError
              ? error.message
              : error instanceof Error && error.name === 'TimeoutError'
                ? `no answer within ${timeoutMs} ms`
                : String((error as Error)?.message ?? error);
          if (attempt < maxAttempts) await sleep(backoffMs * 2 ** (attempt - 1));
        }
      }
      const error = `gave up after ${maxAttempts} tries: ${lastError}`;
      return recipients.map((r) => ({ customer_id: r.customer_id, ok: false, error }));
    },
  };
}
