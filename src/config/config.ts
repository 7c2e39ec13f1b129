import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { ROLES } from '../core/roles.ts';
import { canonicalZone, isValidTimeZone } from '../core/time-zone.ts';
import { isE164 } from '../sms/phone.ts';
import { parseQuietHours } from '../sms/quiet-hours.ts';

const list = z
  .string()
  .optional()
  .transform((value) =>
    (value ?? '')
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean),
  );

const optionalText = z
  .string()
  .optional()
  .transform((value) => (value && value.trim() !== '' ? value.trim() : undefined));

/** true/false (also yes/no, 1/0, on/off); empty or unset is `fallback`. */
const flag = (fallback: boolean) =>
  optionalText
    .pipe(z.stringbool({ truthy: ['true', 'yes', '1', 'on'], falsy: ['false', 'no', '0', 'off'] }).optional())
    .transform((v) => v ?? fallback);

const url = (what: string) =>
  optionalText.refine((value) => value === undefined || /^https?:\/\//.test(value), `must be an http(s) URL (${what})`);

/** Every environment variable the bot reads. `.env.example` documents each. */
export const configSchema = z.object({
  DATABASE_URL: z
    .string()
    .default('sqlite:./data/bot.db')
    .refine(
      (v) => /^(sqlite:|postgres(ql)?:\/\/)/.test(v),
      'must start with sqlite: (sqlite:./data/bot.db, sqlite::memory:) or postgres://',
    ),
  OUT_DIR: z.string().default('./out'),
  DEFAULT_CURRENCY: z
    .string()
    .default('USD')
    .refine((v) => /^[A-Z]{3}$/.test(v), 'must be a three-letter ISO currency code such as USD, EUR or GBP'),
  /**
   * Optional: the currency /cac, /roi and the digest add a converted total line in, at the daily rates
   * imported with /import rates (units of it per one unit of each other currency).
   */
  REPORTING_CURRENCY: optionalText.refine(
    (v) => v === undefined || /^[A-Z]{3}$/.test(v),
    'must be a three-letter ISO currency code such as EUR, USD or GBP (or empty for no reporting currency)',
  ),
  DEFAULT_CONSENT: flag(false),
  /** Share of revenue kept as gross margin: CLV, LTV:CAC and payback are on margin when it is below 1. */
  GROSS_MARGIN: z.coerce
    .number()
    .refine((v) => v > 0 && v <= 1, 'must be a share of revenue above 0 and at most 1, e.g. 0.4 for a 40% gross margin')
    .default(1),
  /** The zone that decides which day, week, month and quarter an order, a signup or an event belongs to. */
  BUSINESS_TZ: optionalText
    .refine((v) => v === undefined || isValidTimeZone(v), 'must be an IANA time zone name such as UTC, Europe/Berlin or America/New_York')
    .transform((v) => (v === undefined ? 'UTC' : canonicalZone(v))),
  /**
   * Where logs go instead of standard error. Unset: standard error, except while the console's prompt is
   * interactive, when they go to ./data/growthbot.log and only warnings reach the screen.
   */
  LOG_FILE: optionalText,
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  JOB_NICENESS: z.coerce.number().int().min(0).max(19).default(10),
  WORKERS: z.preprocess(
    (value) => (typeof value === 'string' && value.trim() === '' ? undefined : value),
    z.coerce
      .number()
      .int()
      .min(1)
      .max(64)
      .default(Math.max(1, availableParallelism() - 1)),
  ),
  JOB_QUEUE: z.coerce.number().int().min(0).max(1000).default(20),
  RATE_LIMIT_PER_MIN: z.coerce.number().int().min(0).default(10),
  BOT_ADMINS: list,
  DEFAULT_ROLE: z.enum(ROLES).default('viewer'),
  ROLE_MAP: list.refine(
    (items) => items.every((item) => /^(slack|discord):[^=]+=(viewer|analyst|marketer|approver|admin)$/.test(item)),
    'must be comma-separated platform:group=role pairs, e.g. slack:S0123ABC=marketer,discord:112233=approver',
  ),
  SLACK_BOT_TOKEN: optionalText,
  SLACK_APP_TOKEN: optionalText,
  SLACK_SIGNING_SECRET: optionalText,
  SLACK_API_URL: url('the Slack Web API base, e.g. https://slack.com/api/'),
  SLACK_TEAM_ID: optionalText.refine(
    (v) => v === undefined || /^[TE][A-Z0-9]{2,20}$/.test(v),
    'must be one Slack workspace id (T…) or Enterprise Grid organization id (E…), e.g. T0123ABCD',
  ),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  DISCORD_TOKEN: optionalText,
  DISCORD_APP_ID: optionalText,
  DISCORD_GUILD_ID: optionalText,
  DISCORD_GUILD_IDS: list.refine(
    (items) => items.every((item) => /^\d{15,22}$/.test(item)),
    'must be comma-separated Discord server ids (digits), e.g. 112233445566778899,998877665544332211',
  ),
  DISCORD_API_URL: url('the Discord REST base, e.g. https://discord.com/api'),
  APPROVALS_CHANNEL: optionalText,
  APPROVAL_EXPIRY_HOURS: z.coerce.number().positive().default(72),
  /**
   * Where the bot tells admins about data sources that stop syncing (once per failing spell) and recover:
   * a channel id, optionally with its platform (slack:C0123ABCD, discord:112233445566778899).
   */
  ADMIN_CHANNEL: optionalText.refine(
    (v) => v === undefined || /^((slack|discord|console):)?#?[A-Za-z0-9_-]+$/.test(v),
    'must be a channel id, optionally with its platform, e.g. C0123ABCD, slack:C0123ABCD or discord:112233445566778899',
  ),
  WEBHOOK_URL: url('where webhook campaigns POST their recipients'),
  WEBHOOK_SECRET: optionalText,
  EVENTS_WEBHOOK_SECRET: optionalText,
  SMTP_URL: optionalText.refine((v) => v === undefined || /^smtps?:\/\//.test(v), 'must be an smtp:// or smtps:// URL'),
  SMTP_FROM: optionalText,
  EMAIL_RATE_PER_SECOND: z.coerce.number().positive().default(10),
  DELIVERY_RETRY_HOURS: z.coerce.number().positive().default(24),
  DELIVERY_RETRY_BASE_SECONDS: z.coerce.number().positive().default(30),
  UNSUBSCRIBE_URL: url('the unsubscribe link base put in every email'),
  SMS_API_URL: url('the base of a Twilio-compatible API, e.g. https://api.twilio.com').transform((v) => v ?? 'https://api.twilio.com'),
  SMS_ACCOUNT_SID: optionalText,
  SMS_AUTH_TOKEN: optionalText,
  SMS_FROM: optionalText.refine(
    (v) => v === undefined || isE164(v) || /^MG[0-9a-f]{32}$/i.test(v),
    'must be the sending number in E.164 (+ and country code, e.g. +14155552671) or a Messaging Service SID (MG…)',
  ),
  SMS_STATUS_URL: url('the public address of POST /webhooks/sms, e.g. https://bot.example.com/webhooks/sms'),
  SMS_QUIET_HOURS: z
    .string()
    .default('21-09')
    .refine((v) => parseQuietHours(v) !== undefined, 'must be local hours from-to, e.g. 21-09 or 21:30-08:00, or off'),
  SMS_RATE_PER_SECOND: z.coerce.number().positive().default(10),
  DIGEST_GRACE_HOURS: z.coerce.number().min(0).default(6),
  DIGEST_LEASE_SECONDS: z.coerce.number().positive().default(300),
  IMPORT_DIR: optionalText,
  IMPORT_ALLOW_HTTP: flag(false),
  IMPORT_URL_ALLOW: list.refine(
    (items) => items.every((item) => /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(:\d{1,5})?$/i.test(item)),
    'must be comma-separated hosts or host:port pairs, e.g. files.example.com,127.0.0.1:8080',
  ),
  IMPORT_IDLE_TIMEOUT_S: z.coerce.number().positive().default(30),
  IMPORT_TIMEOUT_S: z.coerce
    .number()
    .positive()
    .default(15 * 60),
  IMPORT_MAX_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(2 * 1024 ** 3),
  IMPORT_MAX_UNZIPPED_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(8 * 1024 ** 3),
  /** Named sources (README: Connect your data); unset: ./sources.yaml when it exists. */
  SOURCES_FILE: optionalText,
  ERASURE_SALT: optionalText,
  SHUTDOWN_GRACE_S: z.coerce.number().min(0).max(3600).default(20),
  HEALTH_PORT: z.preprocess(
    (value) => (typeof value === 'string' && value.trim() === '' ? undefined : value),
    z.coerce.number().int().min(0).max(65535).optional(),
  ),
});

type Issue = { path: string; message: string };

/** Checks across variables, run on the raw environment so they are reported together with the others. */
function crossChecks(env: Record<string, string | undefined>): Issue[] {
  const value = (key: string) => (env[key] && env[key]!.trim() !== '' ? env[key]!.trim() : undefined);
  const bot = value('SLACK_BOT_TOKEN');
  const app = value('SLACK_APP_TOKEN');
  const secret = value('SLACK_SIGNING_SECRET');
  const issues: Issue[] = [];
  if (bot) {
    if (!bot.startsWith('xoxb-'))
      issues.push({ path: 'SLACK_BOT_TOKEN', message: 'must be a bot token starting with xoxb- (OAuth & Permissions page)' });
    if (!app && !secret) {
      issues.push({
        path: 'SLACK_APP_TOKEN',
        message: 'is needed with SLACK_BOT_TOKEN: set SLACK_APP_TOKEN (xapp-…, Socket Mode) or SLACK_SIGNING_SECRET (HTTP mode)',
      });
    }
  }
  if (app && !app.startsWith('xapp-'))
    issues.push({
      path: 'SLACK_APP_TOKEN',
      message: 'must be an app-level token starting with xapp- (Basic Information > App-Level Tokens)',
    });
  if ((app || secret) && !bot)
    issues.push({ path: 'SLACK_BOT_TOKEN', message: 'is missing: set it to the xoxb- bot token, or remove the other SLACK_ variables' });
  if (Boolean(value('DISCORD_TOKEN')) !== Boolean(value('DISCORD_APP_ID'))) {
    issues.push({
      path: value('DISCORD_TOKEN') ? 'DISCORD_APP_ID' : 'DISCORD_TOKEN',
      message: 'DISCORD_TOKEN and DISCORD_APP_ID go together: set both (Developer Portal > your app) or neither',
    });
  }
  return issues;
}

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Reads the environment; every missing or invalid variable is named with what it should be. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const result = configSchema.safeParse(env);
  const issues: Issue[] = [
    ...(result.success ? [] : result.error.issues.map((issue) => ({ path: String(issue.path[0] ?? 'config'), message: issue.message }))),
    ...crossChecks(env),
  ];
  if (issues.length === 0 && result.success) return result.data;
  const lines = issues.map((issue) => `  ${issue.path}: ${issue.message}`);
  throw new ConfigError(
    `The configuration is not valid:\n${lines.join('\n')}\nFix these variables in your environment or .env file (see .env.example).`,
  );
}

export function slackEnabled(config: Config): boolean {
  return Boolean(config.SLACK_BOT_TOKEN);
}

export function discordEnabled(config: Config): boolean {
  return Boolean(config.DISCORD_TOKEN && config.DISCORD_APP_ID);
}
