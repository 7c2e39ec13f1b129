import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/core/errors.ts';
import { tokenize } from '../../src/core/tokenize.ts';

describe('tokenize', () => {
  it('splits positional values, key=value and flags', () => {
    expect(tokenize('import orders data.csv strict=true --verbose')).toEqual([
      { kind: 'positional', value: 'import' },
      { kind: 'positional', value: 'orders' },
      { kind: 'positional', value: 'data.csv' },
      { kind: 'named', key: 'strict', value: 'true' },
      { kind: 'named', key: 'verbose', value: true },
    ]);
  });

  it('keeps quoted values with spaces together, straight or curly', () => {
    expect(tokenize('campaign create name="Spring sale" message=“Hi there” subject=\'Big news\'')).toEqual([
      { kind: 'positional', value: 'campaign' },
      { kind: 'positional', value: 'create' },
      { kind: 'named', key: 'name', value: 'Spring sale' },
      { kind: 'named', key: 'message', value: 'Hi there' },
      { kind: 'named', key: 'subject', value: 'Big news' },
    ]);
    expect(tokenize('"a quoted positional"')).toEqual([{ kind: 'positional', value: 'a quoted positional' }]);
  });

  it('normalizes option names and accepts --key=value', () => {
    expect(tokenize('--As-Of=2026-01-01 date_format=DD/MM/YYYY')).toEqual([
      { kind: 'named', key: 'as_of', value: '2026-01-01' },
      { kind: 'named', key: 'date_format', value: 'DD/MM/YYYY' },
    ]);
  });

  it('keeps = inside values and empty values', () => {
    expect(tokenize('map=Customer ID:customer_id')).toEqual([
      { kind: 'named', key: 'map', value: 'Customer' },
      { kind: 'positional', value: 'ID:customer_id' },
    ]);
    expect(tokenize('map="Customer ID:customer_id,Invoice=Date:order_date" x=')).toEqual([
      { kind: 'named', key: 'map', value: 'Customer ID:customer_id,Invoice=Date:order_date' },
      { kind: 'named', key: 'x', value: '' },
    ]);
  });

  it('rejects an unclosed quote with a fix', () => {
    expect(() => tokenize('name="Spring sale')).toThrow(UserError);
    expect(() => tokenize('name="Spring sale')).toThrow(/never closed/);
  });
});
