import type { Kysely, Selectable, Transaction, Updateable } from 'kysely';
import { recordAudit } from '../core/audit.ts';
import type { Caller } from '../core/context.ts';
import { UserError } from '../core/errors.ts';
import { findByName, unknownNameError } from '../core/names.ts';
import type { CampaignsTable, Database } from '../store/schema.ts';
import { assertTransition, stateLabel, type CampaignState } from './states.ts';

export type Campaign = Selectable<CampaignsTable>;
type Db = Kysely<Database> | Transaction<Database>;

/** Who made a move: a person through a command, or the bot itself (scheduler, expiry, delivery). */
export interface Actor {
  userId: string;
  platform: string;
  channelId?: string;
}

export const SYSTEM_ACTOR: Actor = { userId: 'growthbot', platform: 'scheduler' };

export function actorOf(caller: Caller): Actor {
  return { userId: caller.userId, platform: caller.platform, channelId: caller.channelId };
}

/** Numbers come back as numbers on both stores (bigint columns are parsed in PostgreSQL). */
function normalize(row: Campaign): Campaign {
  return {
    ...row,
    id: Number(row.id),
    seed: Number(row.seed),
    cost_per_send_cents: Number(row.cost_per_send_cents),
    budget_cents: row.budget_cents === null ? null : Number(row.budget_cents),
  };
}

export async function findCampaign(db: Db, idOrName: string | number): Promise<Campaign | undefined> {
  const text = String(idOrName).trim().replace(/^#/, '');
  let row: Campaign | undefined;
  if (/^\d+$/.test(text)) row = await db.selectFrom('campaigns').selectAll().where('id', '=', Number(text)).executeTakeFirst();
  row ??= await db.selectFrom('campaigns').selectAll().where('name', '=', text).executeTakeFirst();
  if (!row) {
    const match = findByName(text, await campaignNames(db), (c) => c.name);
    if (match) row = await db.selectFrom('campaigns').selectAll().where('id', '=', match.id).executeTakeFirst();
  }
  return row ? normalize(row) : undefined;
}

/** Campaign ids and names, newest first. */
async function campaignNames(db: Db): Promise<{ id: number; name: string }[]> {
  const rows = await db.selectFrom('campaigns').select(['id', 'name']).orderBy('id', 'desc').execute();
  return rows.map((r) => ({ id: Number(r.id), name: r.name }));
}

export async function getCampaign(db: Db, idOrName: string | number): Promise<Campaign> {
  const campaign = await findCampaign(db, idOrName);
  if (!campaign) {
    const all = await campaignNames(db);
    throw unknownNameError({
      code: 'campaign_not_found',
      what: 'campaign',
      input: String(idOrName),
      known: all.map((c) => c.name),
      shown: all.slice(0, 10).map((c) => `#${c.id} ${c.name}`),
      knownLabel: all.length > 10 ? 'The latest campaigns' : 'Campaigns',
      hint: 'See /campaign list; ids work too.',
      none: 'There are no campaigns yet: create one with /campaign create.',
    });
  }
  return campaign;
}

export async function listCampaigns(db: Db, state?: string): Promise<Campaign[]> {
  let query = db.selectFrom('campaigns').selectAll().orderBy('id', 'desc');
  if (state) query = query.where('state', '=', state);
  return (await query.execute()).map(normalize);
}

export interface TransitionInput {
  to: CampaignState;
  actor: Actor;
  at: Date;
  reason?: string;
  /** Columns set in the same update (decided_by, launched_at, ...). */
  set?: Updateable<CampaignsTable>;
}

/**
 * Moves a campaign to another state if the table allows it and nobody moved it first
 * (compare-and-set on the state), records the transition and audits it. Returns the updated campaign.
 */
export async function transition(
  db: Kysely<Database>,
  campaign: Campaign,
  input: TransitionInput,
  inTransaction?: (trx: Transaction<Database>) => Promise<void>,
): Promise<Campaign> {
  assertTransition(campaign, input.to);
  const at = input.at.toISOString();
  await db.transaction().execute(async (trx) => {
    const result = await trx
      .updateTable('campaigns')
      .set({ ...input.set, state: input.to, updated_at: at })
      .where('id', '=', campaign.id)
      .where('state', '=', campaign.state)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) {
      const now = await findCampaign(trx, campaign.id);
      throw new UserError(
        'campaign_changed',
        `Campaign #${campaign.id} changed meanwhile: it is now *${stateLabel(now?.state ?? 'gone')}*.`,
        {
          hint: `Look at it again with /campaign show ${campaign.id}.`,
        },
      );
    }
    await trx
      .insertInto('campaign_transitions')
      .values({
        campaign_id: campaign.id,
        from_state: campaign.state,
        to_state: input.to,
        actor: input.actor.userId,
        platform: input.actor.platform,
        at,
        reason: input.reason ?? null,
      })
      .execute();
    if (inTransaction) await inTransaction(trx);
  });
  await recordAudit(db, {
    caller: { platform: input.actor.platform as Caller['platform'], userId: input.actor.userId, channelId: input.actor.channelId },
    command: 'campaign transition',
    options: { campaign_id: campaign.id, from: campaign.state, to: input.to, ...(input.reason ? { reason: input.reason } : {}) },
    outcome: 'ok',
    durationMs: 0,
    at: input.at,
  });
  return getCampaign(db, campaign.id);
}

export async function transitionsOf(db: Db, campaignId: number) {
  return db.selectFrom('campaign_transitions').selectAll().where('campaign_id', '=', campaignId).orderBy('id').execute();
}
