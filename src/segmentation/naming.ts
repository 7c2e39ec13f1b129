import type { FeatureSummary } from './profiles.ts';

export type FeatureRole = 'recency' | 'frequency' | 'monetary' | 'tenure' | 'aov' | 'other';
/** A segment's level on a feature against the overall mean ('high' recency = long ago). */
export type Level = 'high' | 'typical' | 'low';

/** Feature names recognised as RFM-style roles; anything else is 'other'. */
export const ROLE_PATTERNS: [Exclude<FeatureRole, 'other'>, RegExp][] = [
  ['recency', /^(recency|recency_days|days_since_last_(purchase|order))$/i],
  ['frequency', /^(frequency|orders|order_count|purchases|purchase_count|num_orders)$/i],
  ['monetary', /^(monetary|monetary_value|spend|total_spend|revenue|total_revenue)$/i],
  ['tenure', /^(tenure|tenure_days|customer_age_days)$/i],
  ['aov', /^(aov|avg_order_value|average_order_value)$/i],
];

interface RoleWords {
  high: string;
  low: string;
  /** Comparatives that tell apart two segments that got the same name. */
  more: string;
  less: string;
}

// prettier-ignore
export const ROLE_WORDS: Record<Exclude<FeatureRole, 'other'>, RoleWords> = {
  recency:   { high: 'lapsed',        low: 'recent',        more: 'less recent',    less: 'more recent' },
  frequency: { high: 'frequent',      low: 'occasional',    more: 'more frequent',  less: 'less frequent' },
  monetary:  { high: 'high spenders', low: 'low spenders',  more: 'higher spend',   less: 'lower spend' },
  tenure:    { high: 'long-standing', low: 'new',           more: 'longer tenure',  less: 'shorter tenure' },
  aov:       { high: 'big baskets',   low: 'small baskets', more: 'bigger baskets', less: 'smaller baskets' },
};

/**
 * The thresholds behind the words, relative to the whole base (the README's "How segments are named"):
 * - a feature is high when the segment's average is at least 25% above the base average AND in the
 *   base's top quarter (at or above its 75th percentile): "High spenders" are the top of monetary;
 * - low when at least 25% below the base average AND at or below the base median;
 * - frequency has absolute words: "one-off" only when the segment averages at most 1.5 orders (then
 *   most of its customers have exactly one: an average of 1.5 leaves at most half with two or more),
 *   else a low frequency is "occasional"; "frequent" needs an average of at least 2 orders.
 */
export const ONE_OFF_MAX_AVERAGE_ORDERS = 1.5;
export const FREQUENT_MIN_AVERAGE_ORDERS = 2;

function levelOf(value: number, summary: FeatureSummary, role: FeatureRole, threshold: number): Level {
  const deviation = featureDeviation(value, summary);
  if (role === 'frequency') {
    if (deviation >= threshold && value >= FREQUENT_MIN_AVERAGE_ORDERS) return 'high';
    if (deviation <= -threshold || value <= ONE_OFF_MAX_AVERAGE_ORDERS) return value < summary.mean ? 'low' : 'typical';
    return 'typical';
  }
  if (deviation >= threshold && (summary.p75 === undefined || value >= summary.p75)) return 'high';
  if (deviation <= -threshold && (summary.median === undefined || value <= summary.median)) return 'low';
  return 'typical';
}

type Condition = Partial<Record<Exclude<FeatureRole, 'other'>, Level[]>>;

/** First matching rule wins; a rule on a role the data lacks does not match. */
// prettier-ignore
export const SEGMENT_ACTION_RULES: { when: Condition; action: string }[] = [
  { when: { monetary: ['high'], recency: ['high'] },                      action: 'Win-back offer with a personal touch before they churn for good' },
  { when: { monetary: ['high'], frequency: ['high'] },                    action: 'Loyalty rewards and early access to new products' },
  { when: { recency: ['low'], frequency: ['low'] },                       action: 'Onboarding series and a second-purchase offer' },
  { when: { recency: ['low'], tenure: ['low'] },                          action: 'Onboarding series and a second-purchase offer' },
  { when: { frequency: ['high'], recency: ['high'] },                     action: "Reactivation: 'we miss you' message with an incentive" },
  { when: { recency: ['high'], monetary: ['low', 'typical'] },            action: 'Low-cost reminders only (newsletter), no discounts' },
  { when: { monetary: ['high'] },                                         action: 'VIP service and premium upsell' },
  { when: { recency: ['low'], frequency: ['high'] },                      action: 'Cross-sell and a referral programme' },
  { when: { recency: ['high'] },                                          action: 'Re-engagement email with a modest incentive' },
  { when: { monetary: ['low'] },                                          action: 'Bundles and free-shipping thresholds to lift order value' },
  { when: {},                                                             action: 'Regular newsletter; test offers to learn what moves this group' },
];

export interface NamingOptions {
  /** Roles by feature name, overriding ROLE_PATTERNS. */
  roles?: Record<string, FeatureRole>;
  /** Relative distance from the overall mean that counts as high/low (default 0.25). */
  threshold?: number;
}

export interface NamedSegment {
  index: number;
  name: string;
  action: string;
  levels: Record<string, Level>;
  /** Signed distance from the overall mean per feature (relative, or in SDs, see featureDeviation). */
  deviations: Record<string, number>;
}

export function featureRole(name: string, roles?: Record<string, FeatureRole>): FeatureRole {
  return roles?.[name] ?? ROLE_PATTERNS.find(([, pattern]) => pattern.test(name))?.[0] ?? 'other';
}

/**
 * How far a segment's value sits from the overall mean: relative (value / mean - 1) for
 * non-negative features with a positive mean, else in standard deviations.
 */
export function featureDeviation(value: number, summary: FeatureSummary): number {
  if (summary.min >= 0 && summary.mean > 0) return value / summary.mean - 1;
  return summary.sd > 0 ? (value - summary.mean) / summary.sd : 0;
}

/**
 * Names k-means segments from their centroids in ORIGINAL units (row-major k x dims, in
 * `summaries` order), e.g. "High spenders, recent, frequent" or "Lapsed low spenders",
 * unique within the result, each with a recommended action.
 */
export function nameSegments(centroids: Float64Array, summaries: FeatureSummary[], options: NamingOptions = {}): NamedSegment[] {
  const dims = summaries.length;
  const k = centroids.length / dims;
  const threshold = options.threshold ?? 0.25;
  const roles = summaries.map((s) => featureRole(s.name, options.roles));
  const frequencies: (number | undefined)[] = [];
  const segments = Array.from({ length: k }, (_, index): NamedSegment => {
    const levels: Record<string, Level> = {};
    const deviations: Record<string, number> = {};
    const byRole: Partial<Record<FeatureRole, Level>> = {};
    summaries.forEach((summary, d) => {
      const value = centroids[index * dims + d];
      const deviation = featureDeviation(value, summary);
      const level = levelOf(value, summary, roles[d], threshold);
      levels[summary.name] = level;
      if (roles[d] === 'frequency') frequencies[index] = value;
      deviations[summary.name] = deviation;
      if (roles[d] !== 'other' && byRole[roles[d]] === undefined) byRole[roles[d]] = level;
    });
    return { index, name: baseName(summaries, roles, levels, frequencies[index]), action: actionFor(byRole), levels, deviations };
  });
  disambiguate(segments, summaries, roles);
  return segments;
}

export function actionFor(levels: Partial<Record<FeatureRole, Level>>): string {
  const rule = SEGMENT_ACTION_RULES.find(({ when }) =>
    Object.entries(when).every(([role, allowed]) => {
      const level = levels[role as FeatureRole];
      return level !== undefined && allowed.includes(level);
    }),
  );
  return rule!.action;
}

function baseName(summaries: FeatureSummary[], roles: FeatureRole[], levels: Record<string, Level>, frequency?: number): string {
  const level = (role: FeatureRole) => {
    const d = roles.indexOf(role);
    return d < 0 ? 'typical' : levels[summaries[d].name];
  };
  const word = (role: Exclude<FeatureRole, 'other'>) => {
    const l = level(role);
    if (role === 'frequency' && l === 'low' && frequency !== undefined && frequency <= ONE_OFF_MAX_AVERAGE_ORDERS) return 'one-off';
    return l === 'typical' ? undefined : ROLE_WORDS[role][l];
  };
  const noun = word('monetary') ?? 'customers';
  const prefixes: string[] = [];
  const traits: string[] = [];
  if (level('recency') === 'high') prefixes.push(ROLE_WORDS.recency.high);
  const adjectives = [level('recency') === 'low' ? ROLE_WORDS.recency.low : undefined, word('frequency'), word('tenure')];
  for (const adjective of adjectives) if (adjective) (noun === 'customers' ? prefixes : traits).push(adjective);
  const aov = word('aov');
  if (aov) traits.push(aov);
  summaries.forEach((summary, d) => {
    const l = levels[summary.name];
    if (roles[d] === 'other' && l !== 'typical') traits.push(`${l} ${humanize(summary.name)}`);
  });
  if (noun === 'customers' && prefixes.length === 0 && traits.length === 0) return 'Typical customers';
  const head = capitalize([...prefixes, noun].join(' '));
  return traits.length > 0 ? `${head}, ${traits.join(', ')}` : head;
}

/** Segments sharing a name are told apart by the feature on which they differ most. */
function disambiguate(segments: NamedSegment[], summaries: FeatureSummary[], roles: FeatureRole[]): void {
  const groups = new Map<string, NamedSegment[]>();
  for (const segment of segments) groups.set(segment.name, [...(groups.get(segment.name) ?? []), segment]);
  for (const group of groups.values()) {
    if (group.length < 2) continue;
    let widest = 0;
    let spread = -Infinity;
    summaries.forEach((summary, d) => {
      const values = group.map((s) => s.deviations[summary.name]);
      const range = Math.max(...values) - Math.min(...values);
      if (range > spread) {
        spread = range;
        widest = d;
      }
    });
    const feature = summaries[widest].name;
    const role = roles[widest];
    const more = role === 'other' ? `higher ${humanize(feature)}` : ROLE_WORDS[role].more;
    const less = role === 'other' ? `lower ${humanize(feature)}` : ROLE_WORDS[role].less;
    const ordered = [...group].sort((a, b) => a.deviations[feature] - b.deviations[feature] || a.index - b.index);
    ordered.forEach((segment, position) => {
      const tag = position === 0 ? less : position === ordered.length - 1 ? more : `${ordinal(position + 1)} on ${humanize(feature)}`;
      segment.name = `${segment.name} (${tag})`;
    });
  }
  const seen = new Map<string, number>();
  for (const segment of segments) {
    const count = (seen.get(segment.name) ?? 0) + 1;
    seen.set(segment.name, count);
    if (count > 1) segment.name = `${segment.name} #${count}`;
  }
}

function humanize(name: string): string {
  return name.replace(/[_-]+/g, ' ').replace(/\s+/g, ' ').trim().toLowerCase();
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function ordinal(n: number): string {
  const suffix =
    n % 10 === 1 && n % 100 !== 11 ? 'st' : n % 10 === 2 && n % 100 !== 12 ? 'nd' : n % 10 === 3 && n % 100 !== 13 ? 'rd' : 'th';
  return `${n}${suffix}`;
}
