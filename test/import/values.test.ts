import { describe, expect, it } from 'vitest';
import { dateParser } from '../../src/import/dates.ts';
import { mapColumns, parseMapOption } from '../../src/import/fields.ts';
import { neutralizeFormula } from '../../src/import/rejections.ts';
import { decimalToCents, lineCents, parseDecimal } from '../../src/import/values.ts';

describe('amounts', () => {
  it('parses decimals exactly into cents', () => {
    expect(decimalToCents(parseDecimal('1,234.50')!)).toBe(123450);
    expect(decimalToCents(parseDecimal('-3.2')!)).toBe(-320);
    expect(decimalToCents(parseDecimal('$12')!)).toBe(1200);
    expect(decimalToCents(parseDecimal('(4.00)')!)).toBe(-400);
    expect(decimalToCents(parseDecimal('0.125')!)).toBe(13);
    expect(decimalToCents(parseDecimal('-0.125')!)).toBe(-13);
    expect(decimalToCents(parseDecimal('1e2')!)).toBe(10000);
    expect(parseDecimal('abc')).toBeNull();
    expect(parseDecimal('1,2')).toBeNull();
    expect(parseDecimal('')).toBeNull();
  });

  it('multiplies quantity by unit price without float drift', () => {
    expect(lineCents(parseDecimal('3')!, parseDecimal('0.1')!)).toBe(30);
    expect(lineCents(parseDecimal('12')!, parseDecimal('1.65')!)).toBe(1980);
    expect(lineCents(parseDecimal('-2')!, parseDecimal('2.55')!)).toBe(-510);
    expect(lineCents(parseDecimal('1')!, parseDecimal('0.001')!)).toBe(0);
  });
});

describe('dates', () => {
  it('reads ISO dates and timestamps by default', () => {
    const parse = dateParser();
    expect(parse('2026-02-28')).toBe('2026-02-28');
    expect(parse('2010-12-01 08:26:00')).toBe('2010-12-01T08:26:00.000Z');
    expect(parse('2010-12-01T08:26:00+01:00')).toBe('2010-12-01T07:26:00.000Z');
    expect(parse('2010-12-01T08:26Z')).toBe('2010-12-01T08:26:00.000Z');
    expect(parse('2026-02-30')).toBeNull();
    expect(parse('01/02/2026')).toBeNull();
  });

  it('reads date_format= tokens', () => {
    expect(dateParser('DD/MM/YYYY')('01/02/2026')).toBe('2026-02-01');
    expect(dateParser('MM/DD/YYYY HH:mm')('12/31/2025 23:59')).toBe('2025-12-31T23:59:00.000Z');
    expect(dateParser('YYYYMMDD')('19970101')).toBe('1997-01-01');
    expect(dateParser('D.M.YYYY')('5.3.2026')).toBe('2026-03-05');
    expect(dateParser('DD/MM/YYYY')('2026-02-01')).toBeNull();
    expect(() => dateParser('DD/MM')).toThrow(/needs a year/);
  });
});

describe('headers', () => {
  it('matches aliases ignoring case and punctuation', () => {
    const { fields } = mapColumns('orders', ['InvoiceNo', 'Customer ID', 'InvoiceDate', 'Quantity', 'UnitPrice'], new Map());
    expect(Object.fromEntries(fields)).toEqual({ order_id: 0, customer_id: 1, order_date: 2, quantity: 3, unit_price: 4 });
    const customers = mapColumns('customers', ['cust_id', 'Annual Income (k$)', 'Spending_Score(1-100)', 'Loyalty Points'], new Map());
    expect(customers.extras.map((e) => e.name)).toEqual(['annual_income', 'spending_score', 'loyalty_points']);
  });

  it('names the missing columns, lists those found and suggests map=', () => {
    expect(() => mapColumns('orders', ['Ref', 'Client', 'When'], new Map())).toThrow(
      /no `order_id`, `customer_id`, `order_date`, `amount \(or quantity and unit_price\)` columns/,
    );
    try {
      mapColumns('spend', ['Day', 'Cost'], new Map());
    } catch (error) {
      expect((error as Error & { hint: string }).hint).toMatch(/Columns found: `Day`, `Cost`.*map=/);
    }
    expect(() => mapColumns('orders', ['Ref'], parseMapOption('Nope:order_id'))).toThrow(/not in the file/);
    expect(() => mapColumns('orders', ['Ref'], parseMapOption('Ref:invoice'))).toThrow(/not a orders field|not a/);
  });

  it('neutralizes spreadsheet formulas', () => {
    expect(neutralizeFormula('=1+2')).toBe("'=1+2");
    expect(neutralizeFormula('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(neutralizeFormula('-A1+1')).toBe("'-A1+1");
    expect(neutralizeFormula('-5')).toBe('-5');
    expect(neutralizeFormula('plain')).toBe('plain');
  });
});
