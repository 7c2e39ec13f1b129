import { createHash, createHmac } from 'node:crypto';
import type { Campaign } from '../repository.ts';
import { sleep, type Deliverer, type Recipient } from './deliverer.ts';
import { parseRetryAfter } from './retry.ts';
import { renderedFields, renderSubject, renderText } from '../merge/render.ts';
import { parseTemplate } from '../merge/template.ts';

export const WEBHOOK_SIGNATURE_HEADER = 'x-growthbot-signature';
export const WEBHOOK_IDEMPOTENCY_HEADER = 'idempotency-key';

export interface WebhookOptions {
  url: string;
  secret: string;
  batchSize?: number;
  /** Tries per batch within one delivery pass (first try included; default 1: later tries are the outbox's). */
  maxAttempts?: number;
  /** Wait before the second try; doubled each time. */
  backoffMs?: number;
  timeoutMs?: number;
}

/** `sha256=<hex HMAC-SHA256 of the raw body with the secret>` */
export function signBody(secret: string, rawBody: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(rawBody).digest('hex')}`;
}

/**
 * The JSON a batch is POSTed as: the campaign's subject and message as written, and per recipient, when the
 * message or subject uses merge fields, both as rendered for them and the fields' values (fallbacks applied).
 */
export function webhookBody(campaign: Campaign, recipients: Recipient[], sentAt: string): string {
  const message = recipients.some((r) => r.fields) ? parseTemplate(campaign.message ?? '', 'message') : [];
  const subject = campaign.subject ? parseTemplate(campaign.subject, 'subject') : null;
  return JSON.stringify({
    campaign: { id: campaign.id, name: campaign.name },
    subject: campaign.subject,
    message: campaign.message,
    sent_at: sentAt,
    recipients: recipients.map((r) => ({
      customer_id: r.customer_id,
      email: r.email,
      name: r.name,
      idempotency_key: r.idempotency_key,
      ...(r.fields
        ? {
            subject: subject ? renderSubject(subject, r.fields) : campaign.subject,
            message: renderText(message, r.fields),
            fields: renderedFields([...message, ...(subject ?? [])], r.fields),
          }
        : {}),
    })),
  });
}

class RetryableError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** A 4xx the receiver will answer again: 408 (request timeout) and 429 (too many requests) are temporary. */
export function isTemporaryStatus(status: number): boolean {
  return status >= 500 || status === 429 || status === 408;
}

/**
 * POSTs JSON batches of recipients, signed. 5xx, 408, 429, timeouts and network errors are temporary:
 * tried again here `maxAttempts` times (default once: the outbox schedules later tries) honouring
 * Retry-After, then reported `temporary`; any other 4xx is a refusal for good. The same batch always
 * carries the same keys, so a receiver can drop repeats.
 */
export function webhookDeliverer(options: WebhookOptions): Deliverer {
  const maxAttempts = options.maxAttempts ?? 1;
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
      let retryAfterMs: number | undefined;
      for (let attempt = 1; attempt <= maxAttempts; attempt++) {
        retryAfterMs = undefined;
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
          if (isTemporaryStatus(response.status))
            throw new RetryableError(`HTTP ${response.status}`, parseRetryAfter(response.headers.get('retry-after'), new Date()));
          const error = `the webhook answered HTTP ${response.status}`;
          return recipients.map((r) => ({ customer_id: r.customer_id, ok: false, error, temporary: false }));
        } catch (error) {
          if (error instanceof RetryableError) retryAfterMs = error.retryAfterMs;
          lastError =
            error instanceof RetryableError
              ? error.message
              : error instanceof Error && error.name === 'TimeoutError'
                ? `no answer within ${timeoutMs} ms`
                : describeNetworkError(error);
          if (attempt < maxAttempts) await sleep(Math.max(backoffMs * 2 ** (attempt - 1), retryAfterMs ?? 0));
        }
      }
      const error = maxAttempts > 1 ? `gave up after ${maxAttempts} tries: ${lastError}` : lastError;
      return recipients.map((r) => ({
        customer_id: r.customer_id,
        ok: false,
        error,
        temporary: true,
        ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      }));
    },
  };
}

/** `fetch failed` says little: the cause (ECONNREFUSED, ENOTFOUND…) says what happened. */
function describeNetworkError(error: unknown): string {
  const message = String((error as Error)?.message ?? error);
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  return cause?.code ? `${message} (${cause.code})` : message;
}
