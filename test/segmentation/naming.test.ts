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
});
