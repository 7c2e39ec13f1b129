import { describe, expect, it } from 'vitest';
import { actionFor, featureRole, nameSegments } from '../../src/segmentation/naming.ts';
import type { FeatureSummary } from '../../src/segmentation/profiles.ts';

const summaries: FeatureSummary[] = [
  { name: 'recency_days', mean: 100, sd: 80, min: 0 },
  { name: 'frequency', mean: 4, sd: 3, min: 1 },
  { name: 'monetary', mean: 400, sd: 500, min: 5 },
];

describe('nameSegments', () => {
  it('names RFM-style segments and recommends actions from the rule table', () => {
    const centroids = Float64Array.from([
      15,
      10,
      1500, // recent, frequent, high spend
      250,
      1.2,
      60, // lapsed, one-off, low spend
      10,
      1,
      80, //  recent, one-off, low spend
      240,
      6,
      900, // lapsed, frequent, high spend
      95,
      4.2,
      380, // typical
    ]);
    const named = nameSegments(centroids, summaries);
    expect(named.map((s) => s.name)).toEqual([
      'High spenders, recent, frequent',
      'Lapsed low spenders, one-off',
      'Low spenders, recent, one-off',
      'Lapsed high spenders, frequent',
      'Typical customers',
    ]);
    expect(named.map((s) => s.action)).toEqual([
      'Loyalty rewards and early access to new products',
      'Low-cost reminders only (newsletter), no discounts',
      'Onboarding series and a second-purchase offer',
      'Win-back offer with a personal touch before they churn for good',
      'Regular newsletter; test offers to learn what moves this group',
    ]);
    expect(named[1].levels).toEqual({ recency_days: 'high', frequency: 'low', monetary: 'low' });
  });

  it('uses generic high/low words for other attributes and puts adjectives before "customers"', () => {
    const mall: FeatureSummary[] = [
      { name: 'annual_income', mean: 60, sd: 26, min: 15 },
      { name: 'spending_score', mean: 50, sd: 26, min: 1 },
    ];
    const named = nameSegments(Float64Array.from([88, 17, 26, 79, 55, 49]), mall);
    expect(named.map((s) => s.name)).toEqual([
      'Customers, high annual income, low spending score',
      'Customers, low annual income, high spending score',
      'Typical customers',
    ]);
    const recentOneOff = nameSegments(Float64Array.from([10, 1]), [summaries[0], summaries[1]]);
    expect(recentOneOff[0].name).toBe('Recent one-off customers');
  });

  it('keeps names unique by the feature on which duplicates differ most', () => {
    const named = nameSegments(Float64Array.from([15, 10, 1500, 20, 9, 3000, 18, 11, 2000]), summaries);
    expect(named.map((s) => s.name)).toEqual([
      'High spenders, recent, frequent (lower spend)',
      'High spenders, recent, frequent (higher spend)',
      'High spenders, recent, frequent (2nd on monetary)',
    ]);
    expect(new Set(named.map((s) => s.name)).size).toBe(3);
  });

  it('infers roles from feature names, with overrides', () => {
    expect(featureRole('recency_days')).toBe('recency');
    expect(featureRole('avg_order_value')).toBe('aov');
    expect(featureRole('age')).toBe('other');
    expect(featureRole('age', { age: 'tenure' })).toBe('tenure');
    expect(actionFor({})).toBe('Regular newsletter; test offers to learn what moves this group');
    expect(actionFor({ recency: 'high', frequency: 'high', monetary: 'typical' })).toBe(
      "Reactivation: 'we miss you' message with an incentive",
    );
  });

  it('never calls a segment one-off or high spenders when its own profile says otherwise', () => {
    const base: FeatureSummary[] = [
      { name: 'recency_days', mean: 100, sd: 80, min: 0, median: 80, p75: 150 },
      { name: 'frequency', mean: 4.5, sd: 3, min: 1, median: 3, p75: 6 },
      { name: 'monetary', mean: 400, sd: 500, min: 5, median: 250, p75: 520 },
    ];
    // averages 2.84 orders (low against 4.5) and spends 290: occasional, not one-off; 290 is not in the bottom half
    const [occasional] = nameSegments(Float64Array.from([100, 2.84, 290]), base);
    expect(occasional.name).toBe('Occasional customers');
    // 1.3 orders on average: most have exactly one
    const [oneOff] = nameSegments(Float64Array.from([100, 1.3, 400]), base);
    expect(oneOff.name).toBe('One-off customers');
    // 510 is 27% above the average but below the top quarter (520): not "high spenders"
    const [notTop] = nameSegments(Float64Array.from([100, 4.5, 510]), base);
    expect(notTop.name).toBe('Typical customers');
    const [top] = nameSegments(Float64Array.from([100, 4.5, 900]), base);
    expect(top.name).toBe('High spenders');
    // "frequent" needs two orders on average even where the base buys less
    const sparse: FeatureSummary[] = [{ name: 'frequency', mean: 1.2, sd: 0.4, min: 1, median: 1, p75: 1 }];
    expect(nameSegments(Float64Array.from([1.6]), sparse)[0].name).toBe('Typical customers');
    expect(nameSegments(Float64Array.from([2.4]), sparse)[0].name).toBe('Frequent customers');
  });
});
