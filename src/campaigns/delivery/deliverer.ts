import type { FieldValues } from '../merge/render.ts';
import type { Campaign } from '../repository.ts';

export const CHANNELS = ['email', 'sms', 'webhook', 'log'] as const;
export type Channel = (typeof CHANNELS)[number];

/** One recipient as the outbox hands it to a channel. */
export interface Recipient {
  customer_id: string;
  email: string | null;
  name: string | null;
  idempotency_key: string;
  /** E.164, for SMS. */
  phone?: string | null;
  /** IANA zone for SMS quiet hours (null: the business zone). */
  time_zone?: string | null;
  /** Tries begun before this one: above 0, an earlier try may have reached the receiver without an answer reaching us. */
  attempts?: number;
  /** The values of the merge fields the campaign's message and subject use (none when they use none). */
  fields?: FieldValues;
}

export interface DeliveryResult {
  customer_id: string;
  ok: boolean;
  error?: string;
  /**
   * For a failure: true when it is temporary (connection refused, timeout, 429, 5xx, SMTP 4xx) and worth
   * trying again later; false or absent when the receiver refused for good (other 4xx, invalid address, SMTP 5xx).
   */
  temporary?: boolean;
  /** The receiver's Retry-After, in ms. */
  retryAfterMs?: number;
  /** The receiver's id of the message (an SMS provider's), kept to match its delivery receipts. */
  providerId?: string;
  /** The receiver refused because the recipient opted out with it (an SMS provider that handled a STOP itself). */
  optedOut?: boolean;
}

/**
 * A delivery channel. `deliver` tries each recipient once and reports it (the outbox schedules retries);
 * it throws only when it cannot tell (then the batch stays owed).
 */
export interface Deliverer {
  channel: Channel;
  /** Recipients per `deliver` call. */
  batchSize: number;
  deliver(campaign: Campaign, recipients: Recipient[]): Promise<DeliveryResult[]>;
  /** When the recipient must not be contacted now (SMS quiet hours): until when; else null. */
  holdUntil?(recipient: Recipient, now: Date): Date | null;
  close?(): Promise<void>;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
