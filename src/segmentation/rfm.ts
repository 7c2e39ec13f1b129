import { SegmentationInputError } from './errors.ts';

export type RfmGroup = 'Champions' | 'Loyal' | 'Potential loyalists' | 'New' | 'At risk' | "Can't lose them" | 'Hibernating' | 'Lost';

export type Score = 1 | 2 | 3 | 4 | 5;

/**
 * R score (rows, 5 = most recent) x FM score (columns 1..5), adapted from the widely used
 * R x F segment map (Champions 5x4-5, Loyal 3-4x4-5, Can't lose 1-2x5, At risk 1-2x3-4,
 * Hibernating low R low FM), its ten groups folded into eight: "Promising" -> New,
 * "Need attention" -> At risk, "About to sleep" -> Hibernating, and 1x1-2 -> Lost.
 */
// prettier-ignore
export const RFM_GRID: Record<Score, readonly [RfmGroup, RfmGroup, RfmGroup, RfmGroup, RfmGroup]> = {
  //     FM = 1          FM = 2                 FM = 3                 FM = 4       FM = 5
  5: ['New',         'Potential loyalists', 'Potential loyalists', 'Champions', 'Champions'],
  4: ['New',         'Potential loyalists', 'Potential loyalists', 'Loyal',     'Loyal'],
  3: ['Hibernating', 'Hibernating',         'At risk',             'Loyal',     'Loyal'],
  2: ['Hibernating', 'Hibernating',         'At risk',             'At risk',   "Can't lose them"],
  1: ['Lost',        'Lost',                'At risk',             'At risk',   "Can't lose them"],
};

export const RFM_GROUP_ACTIONS: Record<RfmGroup, string> = {
  Champions: 'Reward them: loyalty perks, early access to new products, ask for reviews and referrals',
  Loyal: 'Upsell higher-value products and enrol them in the loyalty programme',
  'Potential loyalists': 'Membership or loyalty offer and personalised recommendations',
  New: 'Onboarding series and a second-purchase offer',
  'At risk': 'Personalised reactivation email with a time-limited offer',
  "Can't lose them": 'Win them back: personal outreach and a strong win-back offer',
  Hibernating: 'Low-cost reminders only: newsletter and relevant best-sellers, no deep discounts',
  Lost: 'Leave out of paid campaigns; at most one low-cost win-back attempt',
};

export interface RfmInput {
  /** Days since the last purchase (smaller = more recent). */
  recencyDays: ArrayLike<number>;
  /** Number of purchases. */
  frequency: ArrayLike<number>;
  /** Money spent. */
  monetary: ArrayLike<number>;
}

export interface RfmResult {
  r: Uint8Array;
  f: Uint8Array;
  m: Uint8Array;
  /** round-half-up of (F + M) / 2. */
  fm: Uint8Array;
  groups: RfmGroup[];
}

/**
 * Quintile scores 1..5 (5 = largest values) by rank, like pandas
 * `qcut(x.rank(method='first'), 5, labels=[1..5])`: values are ranked ascending with ties
 * broken by input order, so the five scores hold equal shares of customers (within one)
 * and equal values can straddle a boundary. Rank r of n gets ceil(5 (r - 1) / (n - 1)),
 * at least 1; a lone customer scores 3.
 */
export function quintileScores(values: ArrayLike<number>): Uint8Array {
  const n = values.length;
  const scores = new Uint8Array(n);
  if (n === 1) {
    scores[0] = 3;
    return scores;
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a] - values[b] || a - b);
  order.forEach((row, position) => {
    scores[row] = Math.max(1, Math.ceil((5 * position) / (n - 1)));
  });
  return scores;
}

export function fmScore(f: number, m: number): Score {
  return Math.floor((f + m + 1) / 2) as Score;
}

export function rfmGroup(r: number, fm: number): RfmGroup {
  const row = RFM_GRID[r as Score];
  if (!row || !(fm >= 1 && fm <= 5)) throw new RangeError(`RFM scores must be 1..5, got R=${r} FM=${fm}`);
  return row[fm - 1];
}

/** Scores every customer 1..5 on R (recent = 5), F and M and names their RFM group. */
export function rfm(input: RfmInput): RfmResult {
  const n = input.recencyDays.length;
  if (input.frequency.length !== n || input.monetary.length !== n) {
    throw new RangeError('recency, frequency and monetary must have one value per customer');
  }
  if (n === 0) throw new SegmentationInputError('too_few_rows', 'no customers to score', { rows: 0 });
  for (const [feature, values] of Object.entries(input) as [string, ArrayLike<number>][]) {
    for (let i = 0; i < n; i++) {
      if (!Number.isFinite(values[i])) {
        throw new SegmentationInputError('non_finite_value', `${feature} has a missing or non-numeric value at row ${i + 1}`, {
          feature,
          row: i,
        });
      }
    }
  }
  const r = quintileScores(input.recencyDays).map((score) => 6 - score);
  const f = quintileScores(input.frequency);
  const m = quintileScores(input.monetary);
  const fm = f.map((score, i) => fmScore(score, m[i]));
  const groups = Array.from(r, (score, i) => rfmGroup(score, fm[i]));
  return { r, f, m, fm, groups };
}
