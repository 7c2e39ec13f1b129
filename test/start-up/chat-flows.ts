/**
 * The end-to-end commands every start-up test runs through a platform: `/import customers` of a
 * shared CSV, then `/customer show` of an imported customer. The spawned bot does the work; these
 * drive the fakes and return what the platform received.
 */
import type { Kysely } from 'kysely';
import { expect } from 'vitest';
import type { Database } from '../../src/store/schema.ts';
import type { FakeDiscord } from '../fakes/discord.ts';
import { postSlashCommand, slashCommandFields, type FakeSlack } from '../fakes/slack.ts';

/** Three customers whose ids start with `prefix` (each platform imports its own). */
export function customersCsv(prefix: string): string {
  return [
    'customer_id,email,name,signup_date,country,acquisition_channel,consent',
    `${prefix}1,ada@example.com,Ada Lovelace,2024-01-05,GB,organic,true`,
    `${prefix}2,grace@example.com,Grace Hopper,2024-02-11,US,referral,true`,
    `${prefix}3,,Katherine Johnson,2024-03-20,US,google_ads,false`,
    '',
  ].join('\n');
}

/** How long an import through a platform may take on a loaded machine (a worker thread starts, the store commits). */
const ANSWER_TIMEOUT_MS = 45_000;

/** Slack and Discord user ids of the marketer who runs the commands (made an admin with BOT_ADMINS). */
export const SLACK_USER = 'U0MARKETER';
export const DISCORD_USER = '1100000000000000009';
export const SLACK_CHANNEL = 'C0STARTUP';

/** Every message the bot sent to Slack about one command (its ack, response URL bodies, channel posts and updates), as JSON. */
function slackMessages(fake: FakeSlack, responseId: string, ack: unknown): string[] {
  return [
    JSON.stringify(ack ?? ''),
    ...fake.responsesTo(responseId).map((body) => JSON.stringify(body)),
    ...fake.callsTo('chat.postMessage').map((call) => JSON.stringify(call.params)),
    ...fake.callsTo('chat.update').map((call) => JSON.stringify(call.params)),
  ];
}

export type SlackSend = (fields: Record<string, string>) => Promise<unknown>;

/** Slash commands over Socket Mode: an envelope, resolved with the ack's payload. */
export function socketSend(fake: FakeSlack): SlackSend {
  return (fields) => fake.sendEnvelope('slash_commands', slashCommandFields(fields), 5_000);
}

/** Slash commands over HTTP: a signed POST to the bot's /slack/events, resolved with the answer's body. */
export function httpSend(baseUrl: string, signingSecret: string): SlackSend {
  return async (fields) => {
    const result = await postSlashCommand(baseUrl, signingSecret, fields);
    expect(result.status).toBe(200);
    return result.body;
  };
}

/**
 * Shares a CSV in the channel, runs `/import customers` (no source: the bot takes the file the user
 * shared), then `/customer show SL-2`, and checks both answers and the store.
 */
export async function slackImportAndShow(fake: FakeSlack, send: SlackSend, store: Kysely<Database>, tag: string): Promise<void> {
  const file = fake.addFile({ name: `customers-${tag}.csv`, content: customersCsv('SL-'), channels: [SLACK_CHANNEL], user: SLACK_USER });
  const importId = `${tag}-import`;
  const importAck = await send({
    command: '/import',
    text: 'customers',
    channel_id: SLACK_CHANNEL,
    user_id: SLACK_USER,
    response_url: fake.responseUrl(importId),
  });
  const result = await fake.waitFor(
    () => slackMessages(fake, importId, importAck).find((m) => m.includes(`/import customers · ${file.name}`)),
    ANSWER_TIMEOUT_MS,
  );
  expect(result).toContain('3 rows read: 3 customers inserted, 0 updated, 0 unchanged, 0 rows rejected.');
  expect(fake.downloads).toContainEqual({ fileId: file.id, authorized: true });
  expect(await customerIds(store, 'SL-')).toEqual(['SL-1', 'SL-2', 'SL-3']);

  const showId = `${tag}-show`;
  const showAck = await send({
    command: '/customer',
    text: 'show SL-2',
    channel_id: SLACK_CHANNEL,
    user_id: SLACK_USER,
    response_url: fake.responseUrl(showId),
  });
  const shown = await fake.waitFor(() => slackMessages(fake, showId, showAck).find((m) => m.includes('Customer SL-2')), ANSWER_TIMEOUT_MS);
  expect(shown).toContain('Grace Hopper');
  expect(shown).toContain('referral');
}

/** The ids of the stored customers whose id starts with `prefix`. */
export async function customerIds(store: Kysely<Database>, prefix: string): Promise<string[]> {
  const rows = await store
    .selectFrom('customers')
    .select('customer_id')
    .where('customer_id', 'like', `${prefix}%`)
    .orderBy('customer_id')
    .execute();
  return rows.map((row) => row.customer_id);
}

/** Every message body the bot sent for one interaction: the callback's data, edits and follow-ups, as JSON. */
function discordMessages(fake: FakeDiscord, interaction: Record<string, unknown>): string[] {
  return [
    ...fake.callbacksFor(interaction.id as string).map((callback) => JSON.stringify({ type: callback.type, ...callback.data })),
    ...fake.webhookMessagesFor(interaction.token as string).map((message) => JSON.stringify({ kind: message.kind, ...message.body })),
  ];
}

/**
 * Runs `/import customers` with the CSV as the `file` attachment option (served by the fake, as
 * Discord's CDN does), then `/customer show DC-2`, and checks both answers and the store.
 */
export async function discordImportAndShow(fake: FakeDiscord, store: Kysely<Database>, tag: string): Promise<void> {
  const file = fake.hostAttachment(`customers-${tag}.csv`, customersCsv('DC-'));
  const imported = fake.sendInteraction({ type: 'command', name: 'import', subcommand: 'customers', attachments: { file } });
  const result = await fake.waitFor(
    () => discordMessages(fake, imported).find((m) => m.includes(`/import customers · ${file.filename}`)),
    ANSWER_TIMEOUT_MS,
  );
  expect(result).toContain('3 rows read: 3 customers inserted, 0 updated, 0 unchanged, 0 rows rejected.');
  expect(fake.callbacksFor(imported.id as string)[0]!.type).toBe(5); // deferred: the import runs in the background
  expect(await customerIds(store, 'DC-')).toEqual(['DC-1', 'DC-2', 'DC-3']);

  const show = fake.sendInteraction({ type: 'command', name: 'customer', subcommand: 'show', options: { id: 'DC-2' } });
  const shown = await fake.waitFor(() => discordMessages(fake, show).find((m) => m.includes('Customer DC-2')), ANSWER_TIMEOUT_MS);
  expect(shown).toContain('Grace Hopper');
  expect(shown).toContain('referral');
}
