import { SegmentationInputError } from './errors.ts';

export type Score = 1 | 2 | 3 | 4 | 5;

/** The RFM groups, best first (the order segments are listed in), each with its recommended action. */
export const RFM_GROUPS = {
  Champions: 'Reward them: loyalty perks, early access to new products, ask for reviews and referrals',
  'Loyal customers': 'Upsell higher-value products and enrol them in the loyalty programme',
  'Potential loyalists': 'Membership or loyalty offer and personalised recommendations',
  'New customers': 'Onboarding series and a second-purchase offer',
  Promising: 'Build the habit: useful content and a modest offer on a second purchase',
  'Need attention': 'Limited-time offer based on their past purchases',
  'About to sleep': 'Reminder of popular products with a small discount before they lapse',
  "Can't lose them": 'Win them back: personal outreach and a strong win-back offer',
  'At risk': 'Personalised reactivation email with a time-limited offer',
  Hibernating: 'Low-cost reminders only: newsletter and relevant best-sellers, no deep discounts',
  Lost: 'Leave out of paid campaigns; at most one low-cost win-back attempt',
} as const;

export type RfmGroup = keyof typeof RFM_GROUPS;

export const RFM_GROUP_ORDER = Object.keys(RFM_GROUPS) as RfmGroup[];

/**
 * The common R x F segment map: rows R score (5 = most recent), columns F score. As the widely used
 * RFM segmentation table (Champions R5 F4-5, Loyal customers R3-4 F4-5, Potential loyalists R4-5 F2-3,
 * New customers R5 F1, Promising R4 F1, Need attention R3 F3, About to sleep R3 F1-2, At risk R1-2
 * F3-4, Can't lose them R1-2 F5, Hibernating R1-2 F1-2), with Lost split off as its corner R1 F1-2.
 */
// prettier-ignore
export const RFM_GRID: Record<Score, readonly [RfmGroup, RfmGroup, RfmGroup, RfmGroup, RfmGroup]> = {
  //     F = 1             F = 2                  F = 3                  F = 4              F = 5
  5: ['New customers',  'Potential loyalists', 'Potential loyalists', 'Champions',       'Champions'],
  4: ['Promising',      'Potential loyalists', 'Potential loyalists', 'Loyal customers', 'Loyal customers'],
  3: ['About to sleep', 'About to sleep',      'Need attention',      'Loyal customers', 'Loyal customers'],
  2: ['Hibernating',    'Hibernating',         'At risk',             'At risk',         "Can't lose them"],
  1: ['Lost',           'Lost',                'At risk',             'At risk',         "Can't lose them"],
};

/**
 * A customer with a single order is named from a column no higher than this, so never Champions,
 * Loyal customers or Can't lose them (groups that mean repeat buying), whatever the column score.
 */
export const ONE_ORDER_MAX_COLUMN: Score = 3;

/** The column used when neither F nor M tells customers apart (column 1 instead when everyone bought once). */
const NEUTRAL_COLUMN: Score = 3;
/** The row used when R does not tell customers apart (everyone last bought the same day). */
const NEUTRAL_ROW: Score = 3;

export interface RfmInput {
  /** Days since the last purchase (smaller = more recent). */
  recencyDays: ArrayLike<number>;
  /** Number of purchases. */
  frequency: ArrayLike<number>;
  /** Money spent. */
  monetary: ArrayLike<number>;
}

export type RfmDimension = 'recency' | 'frequency' | 'monetary';

export interface DimensionScoring {
  /** False when every customer has the same value: then nobody is scored on it (score 0). */
  informative: boolean;
  /** The 20/40/60/80% quantiles of the values (linear interpolation); a value's score is 1 + the cut points below it. */
  cuts: number[];
  /** The one value every customer has, when not informative. */
  value?: number;
}

export interface RfmResult {
  /** 1..5, 5 = most recent; 0 when recency is not informative. */
  r: Uint8Array;
  /** 1..5; 0 when frequency is not informative. */
  f: Uint8Array;
  /** 1..5; 0 when monetary is not informative. */
  m: Uint8Array;
  groups: RfmGroup[];
  dimensions: Record<RfmDimension, DimensionScoring>;
  /** The map's column: F, or M when F is not informative, or null when neither is (named by R alone). */
  column: 'frequency' | 'monetary' | null;
}

/** The k-th quintile (k/5-quantile) of ascending `sorted` by linear interpolation (numpy's default, R type 7), in exact integer steps. */
function quintile(sorted: Float64Array, k: number): number {
  const steps = (sorted.length - 1) * k;
  const lo = Math.floor(steps / 5);
  const rest = steps % 5;
  return rest === 0 ? sorted[lo] : sorted[lo] + (rest / 5) * (sorted[lo + 1] - sorted[lo]);
}

/**
 * Quintile scores 1..5 (5 = largest values) by cut points on the values, like pandas
 * `qcut(x, 5)` on the values themselves: the cut points are the 20/40/60/80% quantiles and a
 * value scores 1 + the number of cut points strictly below it. Equal values always get the same
 * score, so a score can hold more than a fifth of the customers and heavily tied data (most
 * customers with one order) uses fewer than five scores. O(n log n) for the sort, one copy.
 */
export function quintileScores(values: ArrayLike<number>): { scores: Uint8Array } & DimensionScoring {
  const n = values.length;
  const sorted = Float64Array.from(values).sort();
  const cuts = n === 0 ? [] : [1, 2, 3, 4].map((k) => quintile(sorted, k));
  const scores = new Uint8Array(n);
  if (n === 0 || sorted[0] === sorted[n - 1]) return { scores, cuts, informative: false, value: sorted[0] };
  const [c1, c2, c3, c4] = cuts;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    scores[i] = 1 + +(v > c1) + +(v > c2) + +(v > c3) + +(v > c4);
  }
  return { scores, cuts, informative: true };
}

/** The group of a row (R) and column score; `orders` applies the one-order rule. */
export function rfmGroup(r: number, column: number, orders = Infinity): RfmGroup {
  const row = RFM_GRID[r as Score];
  if (!row || !(column >= 1 && column <= 5)) throw new RangeError(`RFM scores must be 1..5, got R=${r} column=${column}`);
  return row[(orders <= 1 ? Math.min(column, ONE_ORDER_MAX_COLUMN) : column) - 1];
}

/**
 * Scores every customer 1..5 on R (recent = 5), F and M and names their group from the R x F map.
 * A dimension on which every customer has the same value is not scored; the map's column is then
 * M, and with neither F nor M informative the names come from R alone.
 */
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
  const { scores: days, ...recency } = quintileScores(input.recencyDays);
  const r = days.map((score) => (score === 0 ? 0 : 6 - score));
  const { scores: f, ...frequency } = quintileScores(input.frequency);
  const { scores: m, ...monetary } = quintileScores(input.monetary);
  if (!recency.informative && !frequency.informative && !monetary.informative) {
    throw new SegmentationInputError('no_spread', 'every customer has the same recency, frequency and monetary value', {
      rows: n,
      recency: recency.value,
      frequency: frequency.value,
      monetary: monetary.value,
    });
  }
  const column = frequency.informative ? 'frequency' : monetary.informative ? 'monetary' : null;
  const columnScores = column === 'frequency' ? f : column === 'monetary' ? m : null;
  const everyoneOnce = !frequency.informative && frequency.value === 1;
  const groups = Array.from({ length: n }, (_, i) =>
    rfmGroup(
      recency.informative ? r[i] : NEUTRAL_ROW,
      columnScores ? columnScores[i] : everyoneOnce ? 1 : NEUTRAL_COLUMN,
      input.frequency[i],
    ),
  );
  return { r, f, m, groups, dimensions: { recency, frequency, monetary }, column };
}
