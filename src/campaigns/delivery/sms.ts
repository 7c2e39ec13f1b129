import { UserError } from '../../core/errors.ts';
import { isValidTimeZone } from '../../core/time-zone.ts';
import { quietUntil, type QuietHours } from '../../sms/quiet-hours.ts';
import type { Campaign } from '../repository.ts';
import { sleep, type Deliverer, type DeliveryResult, type Recipient } from './deliverer.ts';
import { findSent, sendMessage, type TwilioAccount } from './twilio.ts';

export interface SmsOptions extends TwilioAccount {
  /** SMS_STATUS_URL: each message asks for its delivery receipts there. */
  statusUrl: string;
  ratePerSecond: number;
  quietHours: QuietHours | null;
  /** BUSINESS_TZ: the quiet hours of a customer without a time_zone. */
  businessZone: string;
}

/** Carriers expect every marketing text to say how to stop them. */
export const SMS_OPT_OUT = 'Reply STOP to opt out.';
/** The longest body a Twilio-compatible API takes. */
export const MAX_SMS_CHARS = 1600;

/** What every recipient of a campaign gets: its message and the opt-out line (the same for all, so segments and cost are known in advance). */
export function smsBody(campaign: { message: string | null }): string {
  const message = (campaign.message ?? '').trim();
  return message ? `${message}\n${SMS_OPT_OUT}` : SMS_OPT_OUT;
}

/** The status webhook with the row's idempotency key, so a receipt finds its row even before the provider's id is stored. */
export function statusCallback(statusUrl: string, idempotencyKey: string): string {
  const url = new URL(statusUrl);
  url.searchParams.set('key', idempotencyKey);
  return url.toString();
}

/** Twilio's "Attempt to send to unsubscribed recipient": the number replied STOP to the provider. */
export const UNSUBSCRIBED_RECIPIENT = 21610;

/** A look-up for an earlier try reaches this far before the launch (clocks differ). */
const LOOKUP_SKEW_MS = 10 * 60_000;

/**
 * One SMS per recipient through a Twilio-compatible API, at most `ratePerSecond`. A recipient tried before
 * (the bot stopped, or the API did not answer) is looked up at the provider first: if that try got through,
 * it counts as sent and nothing is sent again. Customers in their quiet hours are held (holdUntil).
 */
export function smsDeliverer(options: SmsOptions): Deliverer {
  const interval = 1000 / options.ratePerSecond;
  let nextSlot = 0;
  const pace = async () => {
    const wait = nextSlot - Date.now();
    if (wait > 0) await sleep(wait);
    nextSlot = Math.max(Date.now(), nextSlot) + interval;
  };

  const sendOne = async (campaign: Campaign, recipient: Recipient, body: string): Promise<DeliveryResult> => {
    const id = recipient.customer_id;
    if (!recipient.phone) return { customer_id: id, ok: false, error: 'no phone number on file', temporary: false };
    if ((recipient.attempts ?? 0) > 0) {
      try {
        const since = new Date(Date.parse(campaign.launched_at ?? campaign.created_at) - LOOKUP_SKEW_MS);
        const earlier = await findSent(options, recipient.phone, body, since);
        if (earlier) return { customer_id: id, ok: true, providerId: earlier.sid };
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        return { customer_id: id, ok: false, error: `could not check whether an earlier try got through (${reason})`, temporary: true };
      }
    }
    await pace();
    const outcome = await sendMessage(options, {
      to: recipient.phone,
      body,
      statusCallback: statusCallback(options.statusUrl, recipient.idempotency_key),
      idempotencyKey: recipient.idempotency_key,
    });
    if (outcome.ok) return { customer_id: id, ok: true, providerId: outcome.sid };
    return {
      customer_id: id,
      ok: false,
      error: outcome.error,
      temporary: outcome.temporary,
      ...(outcome.code === UNSUBSCRIBED_RECIPIENT ? { optedOut: true } : {}),
      ...(outcome.retryAfterMs !== undefined ? { retryAfterMs: outcome.retryAfterMs } : {}),
    };
  };

  return {
    channel: 'sms',
    batchSize: 1,
    holdUntil(recipient, now) {
      if (!options.quietHours) return null;
      const zone = recipient.time_zone && isValidTimeZone(recipient.time_zone) ? recipient.time_zone : options.businessZone;
      return quietUntil(options.quietHours, now, zone);
    },
    async deliver(campaign, recipients) {
      const body = smsBody(campaign);
      const results: DeliveryResult[] = [];
      for (const recipient of recipients) results.push(await sendOne(campaign, recipient, body));
      return results;
    },
  };
}

/** An SMS campaign needs a message, and one the API takes. */
export function assertSmsMessage(campaign: { id: number; message: string | null }): void {
  if (!campaign.message?.trim())
    throw new UserError('sms_no_message', `Campaign #${campaign.id} has no message, and an SMS is nothing but its text.`, {
      hint: `Write one with /campaign edit ${campaign.id} message="…"`,
    });
  const body = smsBody(campaign);
  if (body.length > MAX_SMS_CHARS)
    throw new UserError(
      'sms_too_long',
      `Campaign #${campaign.id}'s message is ${body.length} characters with the opt-out line; an SMS takes at most ${MAX_SMS_CHARS}.`,
      { hint: `Shorten it with /campaign edit ${campaign.id} message="…" (each 153 characters is a segment you pay for).` },
    );
}
