import { createHmac } from 'node:crypto';
import { createRequire } from 'node:module';
import type nodemailer from 'nodemailer';
import type { Campaign } from '../repository.ts';
import { sleep, type Deliverer, type Recipient } from './deliverer.ts';
import { emailContent } from './email-content.ts';

export interface EmailOptions {
  smtpUrl: string;
  from: string;
  unsubscribeUrl: string;
  /** Signs unsubscribe links so a link only unsubscribes its own recipient. */
  linkSecret: string;
  ratePerSecond: number;
  /** Tries per message within one delivery pass on temporary (4xx) or connection failures (default 1: later tries are the outbox's). */
  maxAttempts?: number;
  backoffMs?: number;
}

export function unsubscribeToken(secret: string, campaignId: number, customerId: string): string {
  return createHmac('sha256', secret).update(`unsubscribe:${campaignId}:${customerId}`).digest('hex').slice(0, 32);
}

export function unsubscribeLink(
  options: Pick<EmailOptions, 'unsubscribeUrl' | 'linkSecret'>,
  campaignId: number,
  customerId: string,
): string {
  const url = new URL(options.unsubscribeUrl);
  url.searchParams.set('campaign', String(campaignId));
  url.searchParams.set('customer', customerId);
  url.searchParams.set('token', unsubscribeToken(options.linkSecret, campaignId, customerId));
  return url.toString();
}

/** SMTP 4xx and connection failures are temporary; 5xx and address errors are refusals for good. */
export function isTemporarySmtpError(error: unknown): boolean {
  const { responseCode, code } = error as { responseCode?: number; code?: string };
  if (responseCode !== undefined) return responseCode >= 400 && responseCode < 500;
  return code !== 'EENVELOPE';
}

/** Enough to refuse what no server would accept (no @, spaces, no domain); the server judges the rest. */
export function isPlausibleAddress(address: string): boolean {
  return /^[^\s@]+@[^\s@]+$/.test(address);
}

/**
 * One message per recipient over SMTP (a text and an HTML part), at most `ratePerSecond`, each with an
 * unsubscribe link and its idempotency key as Message-ID.
 */
export function emailDeliverer(options: EmailOptions): Deliverer {
  // loaded here: a bot that sends no email never loads nodemailer
  const mailer = createRequire(import.meta.url)('nodemailer') as typeof nodemailer;
  const transport = mailer.createTransport(options.smtpUrl);
  const interval = 1000 / options.ratePerSecond;
  const maxAttempts = options.maxAttempts ?? 1;
  const backoffMs = options.backoffMs ?? 1000;
  let nextSlot = 0;

  const sendOne = async (campaign: Campaign, recipient: Recipient) => {
    const link = unsubscribeLink(options, campaign.id, recipient.customer_id);
    const content = emailContent(campaign, recipient, link);
    let lastError = '';
    let temporary = true;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const wait = nextSlot - Date.now();
      if (wait > 0) await sleep(wait);
      nextSlot = Math.max(Date.now(), nextSlot) + interval;
      try {
        await transport.sendMail({
          from: options.from,
          to: recipient.email!,
          subject: content.subject,
          text: content.text,
          html: content.html,
          messageId: `<${recipient.idempotency_key}@growthbot>`,
          headers: { 'X-Growthbot-Idempotency-Key': recipient.idempotency_key, 'X-Growthbot-Campaign': String(campaign.id) },
          list: { unsubscribe: link },
        });
        return { customer_id: recipient.customer_id, ok: true };
      } catch (error) {
        lastError = error instanceof Error ? error.message : String(error);
        temporary = isTemporarySmtpError(error);
        if (!temporary) break;
        if (attempt < maxAttempts) await sleep(backoffMs * 2 ** (attempt - 1));
      }
    }
    return { customer_id: recipient.customer_id, ok: false, error: lastError, temporary };
  };

  return {
    channel: 'email',
    batchSize: 1,
    async deliver(campaign, recipients) {
      const results = [];
      for (const recipient of recipients) {
        results.push(
          !recipient.email
            ? { customer_id: recipient.customer_id, ok: false, error: 'no email address', temporary: false }
            : !isPlausibleAddress(recipient.email)
              ? { customer_id: recipient.customer_id, ok: false, error: 'invalid email address', temporary: false }
              : await sendOne(campaign, recipient),
        );
      }
      return results;
    },
    async close() {
      transport.close();
    },
  };
}
