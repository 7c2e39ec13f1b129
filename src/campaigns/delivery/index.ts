import type { Logger } from 'pino';
import type { Config } from '../../config/config.ts';
import { UserError } from '../../core/errors.ts';
import type { Channel, Deliverer } from './deliverer.ts';
import { emailDeliverer, type EmailOptions } from './email.ts';
import { logDeliverer } from './log.ts';
import { smsDeliverer, type SmsOptions } from './sms.ts';
import { parseQuietHours } from '../../sms/quiet-hours.ts';
import { webhookDeliverer, type WebhookOptions } from './webhook.ts';

export { CHANNELS, type Channel, type Deliverer, type DeliveryResult, type Recipient } from './deliverer.ts';

/** Environment variables a channel needs that are not set. */
export function missingChannelConfig(config: Config, channel: string): string[] {
  const need: Record<string, (keyof Config)[]> = {
    webhook: ['WEBHOOK_URL', 'WEBHOOK_SECRET'],
    email: ['SMTP_URL', 'SMTP_FROM', 'UNSUBSCRIBE_URL'],
    sms: ['SMS_ACCOUNT_SID', 'SMS_AUTH_TOKEN', 'SMS_FROM', 'SMS_STATUS_URL'],
    log: [],
  };
  const missing = (need[channel] ?? []).filter((key) => !config[key]);
  if (channel === 'email' && !config.EVENTS_WEBHOOK_SECRET && !config.WEBHOOK_SECRET) missing.push('EVENTS_WEBHOOK_SECRET');
  return missing;
}

export function assertChannelReady(config: Config, channel: string): void {
  const missing = missingChannelConfig(config, channel);
  if (missing.length) {
    throw new UserError(
      'channel_not_configured',
      `The ${channel} channel is not configured: ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not set.`,
      {
        hint: 'Set them in the environment or .env (see .env.example) and restart, or use channel=log for a dry run.',
      },
    );
  }
}

/** Test and tuning knobs: smaller backoff, batch sizes. */
export interface DelivererOverrides {
  webhook?: Partial<WebhookOptions>;
  email?: Partial<EmailOptions>;
  sms?: Partial<SmsOptions>;
}

export function createDeliverer(config: Config, channel: Channel, logger?: Logger, overrides: DelivererOverrides = {}): Deliverer {
  assertChannelReady(config, channel);
  if (channel === 'webhook') return webhookDeliverer({ url: config.WEBHOOK_URL!, secret: config.WEBHOOK_SECRET!, ...overrides.webhook });
  if (channel === 'email') {
    return emailDeliverer({
      smtpUrl: config.SMTP_URL!,
      from: config.SMTP_FROM!,
      unsubscribeUrl: config.UNSUBSCRIBE_URL!,
      linkSecret: (config.EVENTS_WEBHOOK_SECRET ?? config.WEBHOOK_SECRET)!,
      ratePerSecond: config.EMAIL_RATE_PER_SECOND,
      ...overrides.email,
    });
  }
  if (channel === 'sms') {
    return smsDeliverer({
      apiUrl: config.SMS_API_URL,
      accountSid: config.SMS_ACCOUNT_SID!,
      authToken: config.SMS_AUTH_TOKEN!,
      from: config.SMS_FROM!,
      statusUrl: config.SMS_STATUS_URL!,
      ratePerSecond: config.SMS_RATE_PER_SECOND,
      quietHours: parseQuietHours(config.SMS_QUIET_HOURS) ?? null,
      businessZone: config.BUSINESS_TZ,
      ...overrides.sms,
    });
  }
  return logDeliverer(logger);
}
