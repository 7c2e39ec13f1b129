import type { Kysely, Transaction } from 'kysely';
import { countOf, formatCount } from '../core/format.ts';
import { fittedClvModel, type ProgressFn } from '../metrics/clv-model.ts';
import { aliveProbabilities, expectedPurchasesWithin, historicalValues, median, predictedClvs } from '../metrics/clv-scores.ts';
import { formatMoney } from '../store/money.ts';
import type { Database } from '../store/schema.ts';
import {
  audienceText,
  describeDefinition,
  LIKELY_BUYERS_DAYS,
  storedDefinition,
  TOP_CLV_ANNUAL_DISCOUNT,
  TOP_CLV_HORIZON_MONTHS,
  type AudienceDefinition,
} from './audience-definition.ts';
import type { Campaign } from './repository.ts';

type Db = Kysely<Database> | Transaction<Database>;

/** The figures behind a prediction, kept with it so the card can say how it was drawn. */
export interface AudienceBasis {
  /** The model's currency, and how many customers it values (bought in that currency by as_of). */
  currency: string;
  valued: number;
  /** churn-risk: the median historical value of the valued customers, cents. */
  median_value_cents?: number;
  /** top-clv: the lowest predicted CLV taken, cents. */
  clv_cut_cents?: number;
}

export interface PredictedAudience {
  as_of: string;
  /** Customer ids, sorted. */
  members: string[];
  basis: AudienceBasis;
}

/** Picks the audience from the CLV model fitted at `asOf` (the one /clv and the campaign forecast use). */
export async function predictAudience(
  db: Kysely<Database>,
  definition: AudienceDefinition,
  asOf: string,
  zone: string,
  progress?: ProgressFn,
): Promise<PredictedAudience> {
  const model = await fittedClvModel(db, asOf, zone, { progress });
  const ids = model.summaries.ids;
  const n = model.summaries.length;
  const basis: AudienceBasis = { currency: model.currency, valued: n };
  const picked: number[] = [];
  if (definition.kind === 'churn-risk') {
    const alive = aliveProbabilities(model);
    const value = await historicalValues(db, model, zone);
    const cut = median(value);
    basis.median_value_cents = Math.round(cut);
    for (let i = 0; i < n; i++) if (value[i]! > cut && alive[i]! < definition.p_alive_below) picked.push(i);
  } else if (definition.kind === 'likely-buyers') {
    const expected = expectedPurchasesWithin(model, LIKELY_BUYERS_DAYS);
    for (let i = 0; i < n; i++) if (expected[i]! > definition.purchases_above) picked.push(i);
  } else {
    const clv = predictedClvs(model, TOP_CLV_HORIZON_MONTHS, TOP_CLV_ANNUAL_DISCOUNT);
    const take = n === 0 ? 0 : Math.max(1, Math.ceil(definition.top_pct * n));
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => clv[b]! - clv[a]! || (String(ids[a]) < String(ids[b]) ? -1 : 1));
    picked.push(...order.slice(0, take));
    if (take > 0) basis.clv_cut_cents = Math.round(clv[order[take - 1]!]! * 100);
  }
  return { as_of: model.asOf, members: picked.map((i) => String(ids[i])).sort(), basis };
}

const CHUNK = 500;

/** Keeps `predicted` as the campaign's audience (replacing any earlier one), in the caller's transaction. */
export async function freezePredicted(trx: Transaction<Database>, campaignId: number, predicted: PredictedAudience): Promise<void> {
  await trx.deleteFrom('campaign_predicted_members').where('campaign_id', '=', campaignId).execute();
  for (let i = 0; i < predicted.members.length; i += CHUNK)
    await trx
      .insertInto('campaign_predicted_members')
      .values(predicted.members.slice(i, i + CHUNK).map((customer_id) => ({ campaign_id: campaignId, customer_id })))
      .execute();
  await trx
    .updateTable('campaigns')
    .set({ audience_as_of: predicted.as_of, audience_members: predicted.members.length, audience_basis: JSON.stringify(predicted.basis) })
    .where('id', '=', campaignId)
    .execute();
}

/** Forgets a predicted audience (the campaign targets a segment now). */
export async function clearPredicted(trx: Transaction<Database>, campaignId: number): Promise<void> {
  await trx.deleteFrom('campaign_predicted_members').where('campaign_id', '=', campaignId).execute();
  await trx
    .updateTable('campaigns')
    .set({ audience_as_of: null, audience_members: null, audience_basis: null })
    .where('id', '=', campaignId)
    .execute();
}

/** The frozen members, sorted. */
export async function predictedMembers(db: Db, campaignId: number): Promise<string[]> {
  const rows = await db
    .selectFrom('campaign_predicted_members')
    .select('customer_id')
    .where('campaign_id', '=', campaignId)
    .orderBy('customer_id')
    .execute();
  return rows.map((r) => r.customer_id);
}

/** `predicted churn-risk p_alive_below=50% (as of 2026-12-08)`: how replies name a campaign's predicted audience. */
export function predictedLabel(definition: AudienceDefinition, asOf: string | null): string {
  return `predicted ${audienceText(definition)}${asOf ? ` (as of ${asOf})` : ''}`;
}

/** The card's line: the definition in words, the figures behind it, how many it picked, and the model's as-of day. */
export function describePredicted(c: Campaign): string | null {
  const definition = storedDefinition(c.segment);
  if (!definition) return null;
  const basis = c.audience_basis ? (JSON.parse(c.audience_basis) as AudienceBasis) : null;
  const money = (cents: number | undefined) => (cents === undefined ? undefined : formatMoney(cents, basis?.currency));
  const figures = { median: money(basis?.median_value_cents), cut: money(basis?.clv_cut_cents) };
  const size =
    c.audience_members === null
      ? ''
      : `; ${countOf(Number(c.audience_members), 'customer')}${basis ? ` of the ${formatCount(basis.valued)} the CLV model values` : ''}, CLV model as of ${c.audience_as_of}, before consent and holdout`;
  return `${describeDefinition(definition, figures)}${size}`;
}

/**
 * A predicted audience is drawn again when its campaign is submitted: the approver decides on the model of
 * that day, and that list is what approval compares and launch sends to. A campaign with a segment is as is.
 */
export async function repredict(
  db: Kysely<Database>,
  campaign: Campaign,
  asOf: string,
  zone: string,
  progress?: ProgressFn,
): Promise<Campaign> {
  const definition = storedDefinition(campaign.segment);
  if (!definition) return campaign;
  const predicted = await predictAudience(db, definition, asOf, zone, progress);
  await db.transaction().execute((trx) => freezePredicted(trx, campaign.id, predicted));
  return {
    ...campaign,
    audience_as_of: predicted.as_of,
    audience_members: predicted.members.length,
    audience_basis: JSON.stringify(predicted.basis),
  };
}
