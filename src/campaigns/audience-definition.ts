import { UserError } from '../core/errors.ts';

/** Audiences predicted by the CLV model, which a campaign can target instead of a segment. */
export const AUDIENCE_KINDS = ['churn-risk', 'top-clv', 'likely-buyers'] as const;
export type AudienceKind = (typeof AUDIENCE_KINDS)[number];

export type AudienceDefinition =
  { kind: 'churn-risk'; p_alive_below: number } | { kind: 'top-clv'; top_pct: number } | { kind: 'likely-buyers'; purchases_above: number };

/** The thresholds' options, as typed (`p_alive_below=30%`, `purchases_above=0.5`). */
export interface AudienceThresholds {
  p_alive_below?: string | number;
  purchases_above?: number;
}

/** A campaign's `segment` column holds `audience:<definition>` when it targets a predicted audience. */
export const AUDIENCE_PREFIX = 'audience:';
export const DEFAULT_P_ALIVE_BELOW = 0.5;
export const DEFAULT_PURCHASES_ABOVE = 0.5;
/** likely-buyers counts the purchases expected in this many days after the model's as-of day. */
export const LIKELY_BUYERS_DAYS = 30;
/** top-clv ranks by predicted CLV over this horizon (the /clv default), discounted at this annual rate. */
export const TOP_CLV_HORIZON_MONTHS = 12;
export const TOP_CLV_ANNUAL_DISCOUNT = 0.1;

const USAGE = 'audience=churn-risk (with p_alive_below=30%), audience=top-clv:10%, or audience=likely-buyers (with purchases_above=0.5)';

const percentText = (fraction: number) => `${Number((fraction * 100).toFixed(2))}%`;

/** `30%` or `0.3` -> 0.3 (strictly between 0 and 1). */
function parseProbability(value: string | number): number {
  const text = String(value).trim();
  const match = /^(\d+(?:\.\d+)?)\s*(%?)$/.exec(text);
  const fraction = match ? Number(match[1]) / (match[2] ? 100 : 1) : Number.NaN;
  if (!(fraction > 0 && fraction < 1)) {
    throw new UserError('bad_threshold', `p_alive_below must be a probability between 0% and 100%, like 30% or 0.3 (got \`${text}\`).`, {
      hint: 'e.g. audience=churn-risk p_alive_below=30%',
      context: { field: 'p_alive_below' },
    });
  }
  return fraction;
}

function parsePurchases(value: number): number {
  if (!(Number.isFinite(value) && value > 0 && value <= 100)) {
    throw new UserError('bad_threshold', `purchases_above must be a number of expected purchases above 0, like 0.5 (got \`${value}\`).`, {
      hint: 'e.g. audience=likely-buyers purchases_above=0.5',
      context: { field: 'purchases_above' },
    });
  }
  return value;
}

/** `top-clv:10%` -> 0.1 */
function parseTopShare(text: string, raw: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*%?$/.exec(text.trim());
  const pct = match ? Number(match[1]) : Number.NaN;
  if (!(pct > 0 && pct <= 100)) {
    throw new UserError(
      'bad_audience',
      `top-clv needs the share of customers to take, from 0.1% to 100%, like top-clv:10% (got \`${raw}\`).`,
      {
        hint: 'e.g. audience=top-clv:10%',
        context: { field: 'audience' },
      },
    );
  }
  return pct / 100;
}

function misplaced(option: string, kind: string): UserError {
  return new UserError('bad_threshold', `${option} applies to audience=${kind} only.`, {
    hint: `Leave it out, or use it with audience=${kind}.`,
    context: { field: option },
  });
}

/**
 * The audience option and its thresholds -> a definition. `current` is the campaign's definition on an
 * edit: a threshold not given keeps its value (`/campaign edit 3 p_alive_below=20%` changes only that).
 */
export function parseAudience(
  audience: string | undefined,
  thresholds: AudienceThresholds,
  current?: AudienceDefinition | null,
): AudienceDefinition {
  const text = (audience ?? '').trim();
  const key = text.toLowerCase().replace(/[\s_]+/g, '-');
  let kind: AudienceKind;
  let share: string | undefined;
  if (!text) {
    if (!current) {
      const option = thresholds.p_alive_below !== undefined ? 'p_alive_below' : 'purchases_above';
      throw new UserError('bad_threshold', `${option} is a threshold of a predicted audience: name the audience too.`, {
        hint: USAGE,
        context: { field: option },
      });
    }
    kind = current.kind;
  } else if (key === 'churn-risk' || key === 'likely-buyers') kind = key;
  else if (key.startsWith('top-clv')) {
    kind = 'top-clv';
    share = key.slice('top-clv'.length).replace(/^:/, '');
  } else {
    throw new UserError('bad_audience', `No predicted audience \`${text}\`.`, { hint: `Use ${USAGE}.`, context: { field: 'audience' } });
  }
  if (kind !== 'churn-risk' && thresholds.p_alive_below !== undefined) throw misplaced('p_alive_below', 'churn-risk');
  if (kind !== 'likely-buyers' && thresholds.purchases_above !== undefined) throw misplaced('purchases_above', 'likely-buyers');
  if (kind === 'churn-risk') {
    const kept = current?.kind === 'churn-risk' ? current.p_alive_below : DEFAULT_P_ALIVE_BELOW;
    return { kind, p_alive_below: thresholds.p_alive_below === undefined ? kept : parseProbability(thresholds.p_alive_below) };
  }
  if (kind === 'likely-buyers') {
    const kept = current?.kind === 'likely-buyers' ? current.purchases_above : DEFAULT_PURCHASES_ABOVE;
    return { kind, purchases_above: thresholds.purchases_above === undefined ? kept : parsePurchases(thresholds.purchases_above) };
  }
  if (share === undefined) return current as AudienceDefinition;
  return { kind, top_pct: parseTopShare(share, text) };
}

/** How a definition is stored (and typed): `audience:churn-risk p_alive_below=30%`. */
export function storedAudience(definition: AudienceDefinition): string {
  return `${AUDIENCE_PREFIX}${audienceText(definition)}`;
}

/** The definition as typed: `churn-risk p_alive_below=30%`, `top-clv:10%`, `likely-buyers purchases_above=0.5`. */
export function audienceText(definition: AudienceDefinition): string {
  if (definition.kind === 'churn-risk') return `churn-risk p_alive_below=${percentText(definition.p_alive_below)}`;
  if (definition.kind === 'top-clv') return `top-clv:${percentText(definition.top_pct)}`;
  return `likely-buyers purchases_above=${definition.purchases_above}`;
}

/** The definition a campaign's `segment` column holds, or null when it names a segment. */
export function storedDefinition(segment: string): AudienceDefinition | null {
  if (!segment.startsWith(AUDIENCE_PREFIX)) return null;
  const text = segment.slice(AUDIENCE_PREFIX.length);
  const churn = /^churn-risk p_alive_below=([\d.]+)%$/.exec(text);
  if (churn) return { kind: 'churn-risk', p_alive_below: Number(churn[1]) / 100 };
  const top = /^top-clv:([\d.]+)%$/.exec(text);
  if (top) return { kind: 'top-clv', top_pct: Number(top[1]) / 100 };
  const buyers = /^likely-buyers purchases_above=([\d.]+)$/.exec(text);
  if (buyers) return { kind: 'likely-buyers', purchases_above: Number(buyers[1]) };
  throw new Error(`unreadable stored audience: ${segment}`);
}

/** What the definition selects, in words; with a prediction's figures (the median value, the CLV cut) when given. */
export function describeDefinition(definition: AudienceDefinition, figures: { median?: string; cut?: string } = {}): string {
  if (definition.kind === 'churn-risk')
    return `churn risk: customers whose historical value is above the median${figures.median ? ` (${figures.median})` : ''} and whose probability of still being active, P(alive), is below ${percentText(definition.p_alive_below)}`;
  if (definition.kind === 'top-clv')
    return `top CLV: the ${percentText(definition.top_pct)} of customers with the highest predicted ${TOP_CLV_HORIZON_MONTHS}-month CLV${figures.cut ? ` (${figures.cut} or more)` : ''}`;
  return `likely buyers: customers expected to make more than ${definition.purchases_above} purchases in the next ${LIKELY_BUYERS_DAYS} days`;
}
