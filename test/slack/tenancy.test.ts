import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blockActionPayload, postBlockAction, postSlashCommand, signSlackRequest, slashCommandFields } from '../fakes/slack.ts';
import { waitFor } from '../fakes/wait-for.ts';
import { blockTexts, responseBodies, SIGNING_SECRET, startHarness, type SlackHarness } from './helpers/slack-harness.ts';

const OTHER_TEAM = 'T0OTHER99';
const ORG = 'E0FAKEORG';
let seq = 0;

async function auditRows(h: SlackHarness) {
  await h.adapter.idle();
  return h.store.db.selectFrom('audit_log').select(['user_id', 'command', 'outcome', 'detail']).orderBy('id').execute();
}

/** A signed slash command over HTTP; the ack and the response URL id its answers would go to. */
async function slash(h: SlackHarness, command: string, fields: Record<string, string> = {}) {
  const id = `t${++seq}`;
  const ack = await postSlashCommand(h.baseUrl, SIGNING_SECRET, { command, response_url: h.fake.responseUrl(id), ...fields });
  return { ack, id };
}

/** The block_actions payload of a click in another workspace. */
function otherTeamClick(value: string, responseUrl: string): Record<string, unknown> {
  const payload = blockActionPayload({ actionId: 'growthbot:0', value, responseUrl });
  return {
    ...payload,
    team: { id: OTHER_TEAM, domain: 'other' },
    user: { ...(payload.user as Record<string, unknown>), team_id: OTHER_TEAM },
  };
}

describe('Slack tenancy, HTTP mode: the workspace the token belongs to (auth.test) only', () => {
  let h: SlackHarness;
  beforeAll(async () => {
    h = await startHarness({ mode: 'http', env: { BOT_ADMINS: 'U0MARKETER', ROLE_MAP: 'slack:S0GROWTH=analyst' } });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('answers its own workspace', async () => {
    const { ack, id } = await slash(h, '/help');
    expect(ack.body).toBe('');
    await h.fake.waitFor(() => responseBodies(h.fake, id).length > 0);
    expect((await auditRows(h)).at(-1)).toMatchObject({ command: 'help', outcome: 'ok' });
  });

  it('refuses a slash command from another workspace in the ack, audited, with no Slack call and no answer after', async () => {
    const calls = h.fake.calls.length;
    const { ack, id } = await slash(h, '/audit', { team_id: OTHER_TEAM, team_domain: 'other' });
    expect(ack.status).toBe(200);
    const body = ack.body as { response_type: string; text: string; blocks: unknown };
    expect(body.response_type).toBe('ephemeral');
    expect(body.text).toContain(`This Slack workspace (${OTHER_TEAM}) is not allowed to use this bot`);
    expect(blockTexts(body.blocks)).toContain('SLACK_TEAM_ID');
    const rows = await auditRows(h);
    expect(rows.at(-1)).toMatchObject({
      user_id: 'U0MARKETER',
      command: 'audit list',
      outcome: 'denied',
      detail: expect.stringContaining(OTHER_TEAM),
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    // no user-group lookup, no file listing, no post: the other workspace learns nothing but the refusal
    expect(h.fake.calls.slice(calls).map((c) => c.method)).toEqual([]);
    expect(responseBodies(h.fake, id)).toEqual([]);
  });

  it('refuses a button clicked in another workspace, audited', async () => {
    const click = await postBlockAction(h.baseUrl, SIGNING_SECRET, otherTeamClick('/campaign list', h.fake.responseUrl('other-click')));
    expect(click.status).toBe(200);
    const [answer] = await h.fake.waitFor(() => responseBodies(h.fake, 'other-click').length > 0 && responseBodies(h.fake, 'other-click'));
    expect(answer!.response_type).toBe('ephemeral');
    expect(blockTexts(answer!.blocks)).toContain(`This Slack workspace (${OTHER_TEAM}) is not allowed`);
    expect(blockTexts(answer!.blocks)).not.toMatch(/No campaigns/i);
    expect((await auditRows(h)).at(-1)).toMatchObject({ command: 'campaign list', outcome: 'denied' });
  });

  it('drops an event from another workspace, audited', async () => {
    const body = JSON.stringify({
      type: 'event_callback',
      team_id: OTHER_TEAM,
      api_app_id: 'A0FAKEAPP',
      event: { type: 'app_mention', user: 'U0STRANGER', text: '<@U0FAKEBOT> hi', channel: 'C0OTHER', ts: '1700000000.000100' },
      event_id: 'Ev0001',
      event_time: 1_700_000_000,
      authorizations: [{ team_id: OTHER_TEAM, enterprise_id: null, user_id: 'U0FAKEBOT', is_bot: true }],
    });
    const res = await fetch(`${h.baseUrl}/slack/events`, {
      method: 'POST',
      headers: { ...signSlackRequest(SIGNING_SECRET, body), 'content-type': 'application/json' },
      body,
    });
    expect(res.status).toBe(200);
    await waitFor(async () => (await auditRows(h)).some((r) => r.command === 'event app_mention'));
    expect((await auditRows(h)).at(-1)).toMatchObject({ user_id: 'U0STRANGER', command: 'event app_mention', outcome: 'denied' });
  });
});

describe('Slack tenancy on Enterprise Grid, Socket Mode', () => {
  let h: SlackHarness;
  beforeAll(async () => {
    h = await startHarness({ mode: 'socket', fake: { enterpriseId: ORG } });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('answers another workspace of the token’s organization, and refuses one outside it in the ack', async () => {
    const inOrg = await h.sendEnvelope(
      'slash_commands',
      slashCommandFields({ command: '/help', team_id: 'T0SISTER1', enterprise_id: ORG, response_url: h.fake.responseUrl('org1') }),
    );
    expect(inOrg).toEqual({});
    await h.fake.waitFor(() => responseBodies(h.fake, 'org1').length > 0);

    const outside = (await h.sendEnvelope(
      'slash_commands',
      slashCommandFields({ command: '/help', team_id: OTHER_TEAM, enterprise_id: 'E0ELSEWHERE', response_url: h.fake.responseUrl('org2') }),
    )) as { response_type: string; text: string };
    expect(outside.response_type).toBe('ephemeral');
    expect(outside.text).toContain(`(${OTHER_TEAM}) is not allowed`);
    expect((await auditRows(h)).at(-1)).toMatchObject({ command: 'help', outcome: 'denied' });
  });
});

describe('Slack tenancy with SLACK_TEAM_ID', () => {
  let h: SlackHarness;
  beforeAll(async () => {
    h = await startHarness({ mode: 'http', env: { SLACK_TEAM_ID: 'T0PINNED1' } });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('answers the pinned workspace only', async () => {
    const pinned = await slash(h, '/help', { team_id: 'T0PINNED1' });
    expect(pinned.ack.body).toBe('');
    const tokenTeam = await slash(h, '/help');
    expect((tokenTeam.ack.body as { text: string }).text).toContain('(T0FAKE001) is not allowed');
  });
});
