import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandPayloads } from '../../adapters/discord/commands.ts';
import type { DiscordMessage } from '../../adapters/discord/render.ts';
import { loadRegistry } from '../../commands/index.ts';
import { expectOk, ids, seedCustomers, seedSegment } from '../campaigns/fixtures.ts';
import { run } from '../helpers/bot.ts';
import { expectWithinLimits } from './helpers/limits-check.ts';
import { answersTo, GROWTH_CHANNEL, startHarness, type Harness } from './helpers/harness.ts';

// /home on Discord: registered from its definition like every command, answered only to the caller,
// its buttons carrying the typed commands they run.

const EPHEMERAL = 64;
const ADMIN = '1100000000000000077';

let h: Harness;
let segmentId: number;

beforeAll(async () => {
  h = await startHarness({}, { BOT_ADMINS: ADMIN }, await loadRegistry());
  const members = ids('c', 6);
  await seedCustomers(
    h.store.db,
    members.map((id) => ({ id })),
  );
  segmentId = await seedSegment(h.store.db, 'loyal', members);
  const admin = { platform: 'discord' as const, userId: ADMIN, channelId: GROWTH_CHANNEL, workspaceId: h.fake.guilds[0]!.id };
  expectOk(await run(h.bot, `/digest schedule cron="0 9 * * MON" tz=Europe/Berlin`, admin));
});

afterAll(async () => {
  await h?.close();
});

describe('Discord /home', () => {
  it('is registered from its definition like every command, with no options', () => {
    const home = commandPayloads(h.bot.registry).find((c) => c.name === 'home');
    expect(home).toMatchObject({ name: 'home', description: expect.stringContaining('approvals waiting for you') });
    expect(home!.options ?? []).toEqual([]);
  });

  it('answers the caller alone: what they own, the latest segment run, buttons to the typed commands', async () => {
    const interaction = h.fake.sendInteraction({ type: 'command', name: 'home' });
    const answers = await h.fake.waitFor(() => {
      const all = answersTo(h.fake, interaction);
      return all.some((a) => (a.body.components as unknown[] | undefined)?.length) && all;
    });
    for (const answer of answers) expect(answer.body.flags).toBe(EPHEMERAL);
    const answer = answers[0]!;
    expect(answer.body.flags).toBe(EPHEMERAL);
    for (const message of answers) {
      const body = message.body as unknown as DiscordMessage;
      expectWithinLimits({ ...body, content: body.content ?? '', embeds: body.embeds ?? [], components: body.components ?? [], files: [] });
    }
    const text = JSON.stringify(answer.body);
    expect(text).toContain('Your growthbot home');
    expect(text).toContain('loyal-run');
    expect(text).toContain('needs the approver role');
    const customIds = answers.flatMap((a) =>
      (a.body.components as { components: { custom_id: string }[] }[]).flatMap((row) => row.components.map((b) => b.custom_id)),
    );
    expect(customIds).toEqual(expect.arrayContaining([`cmd:/segment show ${segmentId}`, 'cmd:/campaign list', 'cmd:/digest list']));
  });

  it('shows the admin the digest they own with its next run', async () => {
    const interaction = h.fake.sendInteraction({ type: 'command', name: 'home', user: { id: ADMIN, username: 'admin' } as never });
    const answers = await h.fake.waitFor(() => {
      const all = answersTo(h.fake, interaction);
      return all.some((a) => (a.body.components as unknown[] | undefined)?.length) && all;
    });
    const text = JSON.stringify(answers);
    expect(text).toContain('Your digests');
    expect(text).toMatch(/\d{4}-\d\d-\d\d 09:00 CES?T \(Europe\/Berlin\)/);
    expect(text).toContain('cmd:/digest runs 1');
  });
});
