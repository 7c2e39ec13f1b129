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

let eventSeq = 0;

/** An Events API `event_callback` body around one event, with defaults for the rest. */
export function eventCallback(event: Record<string, unknown>, fields: Record<string, unknown> = {}): Record<string, unknown> {
  const teamId = (fields.team_id as string | undefined) ?? 'T0FAKE001';
  return {
    token: 'fake-verification-token',
    team_id: teamId,
    api_app_id: 'A0FAKEAPP',
    event: { event_ts: '1700000000.000100', ...event },
    type: 'event_callback',
    event_id: `Ev${String(++eventSeq).padStart(8, '0')}`,
    event_time: 1_700_000_000,
    authorizations: [{ team_id: teamId, enterprise_id: null, user_id: 'U0FAKEBOT', is_bot: true, is_enterprise_install: false }],
    ...fields,
  };
}

/** The `app_home_opened` event Slack sends when a user opens the app's Home tab (or `tab: 'messages'`). */
export function appHomeOpenedEvent(userId: string, tab: 'home' | 'messages' = 'home'): Record<string, unknown> {
  return { type: 'app_home_opened', user: userId, channel: `D${userId}`, tab };
}

/** POST a signed Events API request (JSON, as Slack sends events), e.g. `eventCallback(appHomeOpenedEvent('U1'))`. */
export async function postEvent(
  baseUrl: string,
  secret: string,
  body: Record<string, unknown>,
  options: SignedPostOptions = {},
): Promise<SlackHttpResult> {
  const text = JSON.stringify(body);
  const headers = signSlackRequest(secret, text, options.timestamp);
  if (options.signature !== undefined) headers['x-slack-signature'] = options.signature;
  const res = await fetch(eventsUrl(baseUrl), { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: text });
  return { status: res.status, body: await res.text() };
}

/** A `block_actions` payload for a button clicked in the app's Home tab: a view container, no channel, no response URL. */
export function homeBlockActionPayload(short: { actionId: string; value: string; userId: string }): Record<string, unknown> {
  const payload = blockActionPayload({ actionId: short.actionId, value: short.value, userId: short.userId });
  const { channel: _channel, message: _message, ...rest } = payload;
  return {
    ...rest,
    container: { type: 'view', view_id: 'V0FAKEHOME' },
    view: { id: 'V0FAKEHOME', type: 'home', team_id: 'T0FAKE001', blocks: [], private_metadata: '', callback_id: '' },
  };
}

/** A modal as the bot sent it (views.open's or a response_action's `view`). */
export interface SentModal {
  callback_id?: string;
  private_metadata?: string;
  title?: { text: string };
  blocks: { type: string; block_id?: string; element?: Record<string, unknown> }[];
}

/** The state Slack keeps for one input element: what the user chose or typed, else the element's initial value. */
function elementState(element: Record<string, unknown>, given: string | undefined): Record<string, unknown> {
  const type = String(element.type);
  switch (type) {
    case 'static_select': {
      const options = (element.options ?? []) as { value: string }[];
      const chosen = given === undefined ? element.initial_option : options.find((o) => o.value === given);
      return { type, selected_option: chosen ?? null };
    }
    case 'datepicker':
      return { type, selected_date: given ?? element.initial_date ?? null };
    case 'users_select':
      return { type, selected_user: given ?? element.initial_user ?? null };
    case 'conversations_select':
      return { type, selected_conversation: given ?? element.initial_conversation ?? null };
    default:
      return { type, value: given ?? element.initial_value ?? null };
  }
}

/**
 * A `view_submission` of `view` with `values` entered by block id (a select's value, a date
 * YYYY-MM-DD, text); fields not given keep their initial value, as in Slack. `''` clears a field.
 */
export function viewSubmissionPayload(
  view: SentModal,
  values: Record<string, string> = {},
  short: { userId?: string; viewId?: string; teamId?: string } = {},
): Record<string, unknown> {
  const state: Record<string, Record<string, unknown>> = {};
  for (const block of view.blocks) {
    if (block.type !== 'input' || !block.block_id || !block.element) continue;
    const actionId = String(block.element.action_id);
    const given = values[block.block_id];
    const entry = elementState(block.element, given === '' ? undefined : given);
    if (given === '') for (const key of Object.keys(entry)) if (key !== 'type') entry[key] = null;
    state[block.block_id] = { [actionId]: entry };
  }
  const teamId = short.teamId ?? 'T0FAKE001';
  return {
    type: 'view_submission',
    team: { id: teamId, domain: 'fake' },
    user: { id: short.userId ?? 'U0MARKETER', username: 'marketer', name: 'marketer', team_id: teamId },
    api_app_id: 'A0FAKEAPP',
    token: 'fake-verification-token',
    trigger_id: '1000.3000.fake',
    view: {
      ...view,
      id: short.viewId ?? 'V0FAKE001',
      team_id: teamId,
      type: 'modal',
      state: { values: state },
      hash: '1700000000.fakehash',
      root_view_id: short.viewId ?? 'V0FAKE001',
      app_id: 'A0FAKEAPP',
      bot_id: 'B0FAKEBOT',
    },
    response_urls: [],
  };
}

/** POST a signed view_submission (the answer's body is the bot's `response_action`, if any). */
export function postViewSubmission(
  baseUrl: string,
  secret: string,
  view: SentModal,
  values: Record<string, string> = {},
  short: { userId?: string; viewId?: string; teamId?: string } = {},
  options: SignedPostOptions = {},
): Promise<SlackHttpResult> {
  return postBlockAction(baseUrl, secret, viewSubmissionPayload(view, values, short), options);
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
  const { status, body } = await postEvent(baseUrl, secret, eventCallback(event, envelope), options);
  let parsed: unknown = body;
  try {
    parsed = body ? JSON.parse(String(body)) : '';
  } catch {
    // not JSON
  }
  return { status, body: parsed };
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

/**
 * A `view_submission` payload for a button's form (adapters/slack/ask-modal.ts): the modal as opened
 * (`view` from the app's `views.open` call) with the answers typed into its inputs, by block id.
 * POST it with `postBlockAction` (the same signed `payload=` form).
 */
export function askModalSubmissionPayload(short: {
  view: { callback_id?: string; private_metadata?: string };
  answers: Record<string, string>;
  userId?: string;
}): Record<string, unknown> {
  const values = Object.fromEntries(
    Object.entries(short.answers).map(([blockId, value]) => [blockId, { value: { type: 'plain_text_input', value } }]),
  );
  return {
    type: 'view_submission',
    team: { id: 'T0FAKE001', domain: 'fake' },
    user: { id: short.userId ?? 'U0MARKETER', username: 'marketer', name: 'marketer', team_id: 'T0FAKE001' },
    api_app_id: 'A0FAKEAPP',
    token: 'fake-verification-token',
    trigger_id: '1000.3000.fake',
    view: {
      id: 'V0FAKEVIEW',
      team_id: 'T0FAKE001',
      type: 'modal',
      callback_id: short.view.callback_id ?? '',
      private_metadata: short.view.private_metadata ?? '',
      state: { values },
      hash: '1700000000.fakehash',
      app_id: 'A0FAKEAPP',
      bot_id: 'B0FAKEBOT',
    },
    response_urls: [],
    is_enterprise_install: false,
  };
}
