import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BOT_EVENTS, BOT_SCOPES, buildManifest } from '../../adapters/slack/manifest.ts';
import { loadRegistry } from '../../commands/index.ts';

// The manifest asks for exactly the scopes the code uses: each Web API method the Slack adapter calls
// maps to its scope here; a method missing from the table fails the test until its scope is added.

const SLACK_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../adapters/slack');

/** Web API methods and the bot scope each needs (null: none), from Slack's method reference. */
const METHOD_SCOPES: Record<string, string | null> = {
  'chat.postMessage': 'chat:write',
  'chat.update': 'chat:write',
  'chat.postEphemeral': 'chat:write',
  'conversations.open': 'im:write',
  'files.uploadV2': 'files:write',
  'files.list': 'files:read',
  'files.info': 'files:read',
  'usergroups.list': 'usergroups:read',
  'views.publish': null,
  'views.open': null,
  'views.update': null,
  'auth.test': null,
};

/**
 * Scopes no single method call names: slash commands; posting where the app was not invited
 * (digests, approval requests in public channels); downloading a shared file's url_private with the
 * bot token (adapters/slack/shared-files.ts).
 */
const OTHER_SCOPES = ['commands', 'chat:write.public', 'files:read'];

/** Each event the adapter handles, as the manifest subscribes to it, with the scopes the subscription needs. */
const EVENT_SUBSCRIPTIONS: Record<string, { events: string[]; scopes: string[] }> = {
  app_home_opened: { events: ['app_home_opened'], scopes: [] },
  // CSV drops (file-drops.ts): messages in public and private channels and in direct messages
  message: { events: ['message.channels', 'message.groups', 'message.im'], scopes: ['channels:history', 'groups:history', 'im:history'] },
};

function slackSources(): string {
  return readdirSync(SLACK_DIR)
    .filter((file) => file.endsWith('.ts'))
    .map((file) => readFileSync(path.join(SLACK_DIR, file), 'utf8'))
    .join('\n');
}

describe('Slack app manifest: scopes and events', () => {
  const source = slackSources();
  const handledEvents = [...new Set([...source.matchAll(/\bapp\.event\(\s*'([a-z_]+)'/g)].map((m) => m[1]!))].sort();
  const methods = [...new Set([...source.matchAll(/\bclient\.([a-z]+)\.([a-zA-Z0-9]+)\(/g)].map((m) => `${m[1]}.${m[2]}`))].sort();

  it('finds the Web API methods the adapter calls, each with a known scope', () => {
    expect(methods).toEqual(expect.arrayContaining(['chat.postMessage', 'conversations.open', 'files.uploadV2', 'views.publish']));
    for (const method of methods) expect(METHOD_SCOPES, `add the scope ${method} needs to METHOD_SCOPES`).toHaveProperty([method]);
    expect(source).toContain('url_private');
  });

  it('asks for exactly the scopes those methods need, none more', () => {
    const eventScopes = handledEvents.flatMap((event) => EVENT_SUBSCRIPTIONS[event]?.scopes ?? []);
    const needed = new Set([
      ...OTHER_SCOPES,
      ...eventScopes,
      ...methods.map((m) => METHOD_SCOPES[m]).filter((s): s is string => Boolean(s)),
    ]);
    expect([...BOT_SCOPES].sort()).toEqual([...needed].sort());
    expect(BOT_SCOPES as readonly string[]).not.toContain('users:read');
  });

  it('subscribes to exactly the events the adapter handles, and enables the Home and Messages tabs', async () => {
    expect(handledEvents).toEqual(['app_home_opened', 'message']);
    for (const event of handledEvents) expect(EVENT_SUBSCRIPTIONS, `add the subscription of ${event}`).toHaveProperty([event]);
    const handled = handledEvents.flatMap((event) => EVENT_SUBSCRIPTIONS[event]!.events).sort();
    const manifest = buildManifest(await loadRegistry()) as {
      features: { app_home: Record<string, boolean> };
      settings: { event_subscriptions: { bot_events: string[] } };
      oauth_config: { scopes: { bot: string[] } };
    };
    expect(manifest.settings.event_subscriptions.bot_events.sort()).toEqual(handled);
    expect([...BOT_EVENTS].sort()).toEqual(handled);
    expect(manifest.features.app_home).toEqual({
      home_tab_enabled: true,
      messages_tab_enabled: true,
      messages_tab_read_only_enabled: false,
    });
    expect(manifest.oauth_config.scopes.bot).toEqual([...BOT_SCOPES]);
  });
});
