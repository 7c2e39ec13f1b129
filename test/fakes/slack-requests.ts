import { createHmac } from 'node:crypto';

/** Slack's request signature headers for `body` at `ts` (seconds; default now). */
export function signSlackRequest(
  secret: string,
  body: string,
  ts: number = Math.floor(Date.now() / 1000),
): { 'x-slack-signature': string; 'x-slack-request-timestamp': string } {
  const signature = 'v0=' + createHmac('sha256', secret).update(`v0:${ts}:${body}`).digest('hex');
  return { 'x-slack-signature': signature, 'x-slack-request-timestamp': String(ts) };
}

export interface SignedPostOptions {
  /** Request timestamp in seconds (default now); an old one exercises replay protection. */
  timestamp?: number;
  /** Send this signature instead of the correct one. */
  signature?: string;
}

export interface SlackHttpResult {
  status: number;
  /** Parsed JSON, or the raw text ('' for an empty body). */
  body: unknown;
}

function eventsUrl(baseUrl: string): string {
  const url = new URL(baseUrl);
  if (url.pathname === '/' || url.pathname === '') url.pathname = '/slack/events';
  return url.toString();
}

async function postSignedForm(baseUrl: string, secret: string, body: string, options: SignedPostOptions): Promise<SlackHttpResult> {
  const headers = signSlackRequest(secret, body, options.timestamp);
  if (options.signature !== undefined) headers['x-slack-signature'] = options.signature;
  // A string body keeps the content type exact: Bolt answers 400 to `...; charset=UTF-8`.
  const res = await fetch(eventsUrl(baseUrl), {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : '';
  } catch {
    // not JSON
  }
  return { status: res.status, body: parsed };
}

/** The fields Slack sends for a slash command, with defaults for everything not given. */
export function slashCommandFields(fields: Record<string, string> = {}): Record<string, string> {
  return {
    token: 'fake-verification-token',
    team_id: 'T0FAKE001',
    team_domain: 'fake',
    channel_id: 'C0FAKE001',
    channel_name: 'marketing',
    user_id: 'U0MARKETER',
    user_name: 'marketer',
    command: '/growth',
    text: '',
    api_app_id: 'A0FAKEAPP',
    is_enterprise_install: 'false',
    trigger_id: '1000.2000.fake',
    ...fields,
  };
}

/**
 * POST a signed slash command to a Bolt HTTP receiver. `baseUrl` is the server origin
 * (`/slack/events` is appended) or a full endpoint URL. Pass `response_url` in `fields`
 * (e.g. `fake.responseUrl('r1')`) for `respond()` to work.
 */
export function postSlashCommand(
  baseUrl: string,
  secret: string,
  fields: Record<string, string> = {},
  options: SignedPostOptions = {},
): Promise<SlackHttpResult> {
  return postSignedForm(baseUrl, secret, new URLSearchParams(slashCommandFields(fields)).toString(), options);
}

/** A `block_actions` payload for one button click, with defaults for the rest. */
export function blockActionPayload(short: {
  actionId: string;
  value?: string;
  blockId?: string;
  userId?: string;
  channelId?: string;
  responseUrl?: string;
  messageTs?: string;
}): Record<string, unknown> {
  const messageTs = short.messageTs ?? '1700000000.000100';
  return {
    type: 'block_actions',
    team: { id: 'T0FAKE001', domain: 'fake' },
    user: { id: short.userId ?? 'U0MARKETER', username: 'marketer', name: 'marketer', team_id: 'T0FAKE001' },
    api_app_id: 'A0FAKEAPP',
    token: 'fake-verification-token',
    container: { type: 'message', message_ts: messageTs, channel_id: short.channelId ?? 'C0FAKE001', is_ephemeral: false },
    trigger_id: '1000.2000.fake',
    channel: { id: short.channelId ?? 'C0FAKE001', name: 'marketing' },
    message: { type: 'message', ts: messageTs, text: '', user: 'U0FAKEBOT', blocks: [] },
    ...(short.responseUrl ? { response_url: short.responseUrl } : {}),
    actions: [
      {
        type: 'button',
        action_id: short.actionId,
        block_id: short.blockId ?? 'actions',
        text: { type: 'plain_text', text: short.actionId },
        value: short.value ?? '',
        action_ts: '1700000001.000200',
      },
    ],
  };
}

/** POST a signed interactivity payload (`payload=<json>`), e.g. from `blockActionPayload(...)`. */
export function postBlockAction(
  baseUrl: string,
  secret: string,
  payload: Record<string, unknown>,
  options: SignedPostOptions = {},
): Promise<SlackHttpResult> {
  return postSignedForm(baseUrl, secret, new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), options);
}

/**
 * POST a signed Events API callback (JSON, as Slack sends events in HTTP mode) wrapping `event`, e.g. a
 * `message` of subtype `file_share`. Bolt acknowledges events itself before its listeners run.
 */
export async function postSlackEvent(
  baseUrl: string,
  secret: string,
  event: Record<string, unknown>,
  envelope: Record<string, unknown> = {},
  options: SignedPostOptions = {},
): Promise<SlackHttpResult> {
  const body = JSON.stringify({
    token: 'fake-verification-token',
    team_id: 'T0FAKE001',
    api_app_id: 'A0FAKEAPP',
    type: 'event_callback',
    event_id: `Ev${Math.random().toString(36).slice(2, 12).toUpperCase()}`,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [{ team_id: 'T0FAKE001', user_id: 'U0FAKEBOT', is_bot: true, is_enterprise_install: false }],
    event,
    ...envelope,
  });
  const headers = signSlackRequest(secret, body, options.timestamp);
  if (options.signature !== undefined) headers['x-slack-signature'] = options.signature;
  const res = await fetch(eventsUrl(baseUrl), { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : '';
  } catch {
    // not JSON
  }
  return { status: res.status, body: parsed };
}

/** A `message` event of subtype `file_share`, as Slack sends it when someone shares files with a message. */
export function fileShareEvent(short: {
  files: Record<string, unknown>[];
  user?: string;
  channel?: string;
  channelType?: 'channel' | 'group' | 'im';
  text?: string;
  ts?: string;
  threadTs?: string;
}): Record<string, unknown> {
  const ts = short.ts ?? `${Math.floor(Date.now() / 1000)}.${String(Math.floor(Math.random() * 1e6)).padStart(6, '0')}`;
  return {
    type: 'message',
    subtype: 'file_share',
    text: short.text ?? '',
    user: short.user ?? 'U0MARKETER',
    channel: short.channel ?? 'C0FAKE001',
    channel_type: short.channelType ?? 'channel',
    ts,
    event_ts: ts,
    upload: false,
    display_as_bot: false,
    files: short.files,
    ...(short.threadTs ? { thread_ts: short.threadTs } : {}),
  };
}
