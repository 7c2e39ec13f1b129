import { describe, expect, it } from 'vitest';
import { countOf, plural } from '../../src/core/format.ts';
import { leaksIn } from '../helpers/leaks.ts';

describe('plural rules', () => {
  it('one is singular, everything else plural, with the count formatted', () => {
    expect(countOf(1, 'customer')).toBe('1 customer');
    expect(countOf(0, 'customer')).toBe('0 customers');
    expect(countOf(1234, 'day')).toBe('1,234 days');
    expect(countOf(1, 'person', 'people')).toBe('1 person');
    expect(countOf(2, 'person', 'people')).toBe('2 people');
    expect(plural(1.5, 'week')).toBe('weeks');
  });

  it('the reply scan catches "1 customers" but not "21 customers" or "1.5 days"', () => {
    expect(leaksIn('1 customers stayed', new Set())).toEqual(['a plural after one "1 customers"']);
    expect(leaksIn('21 customers, 1.5 days, 1,001 rows, 1 customer', new Set())).toEqual([]);
  });
});
