import { describe, expect, it } from 'vitest';
import { dateParser } from '../../src/import/dates.ts';
import { mapColumns, parseMapOption } from '../../src/import/fields.ts';
import { neutralizeFormula } from '../../src/import/rejections.ts';
import { decimalToCents, lineCents, parseBounded, parseDecimal, type Decimal } from '../../src/import/values.ts';

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

  it('bounds amounts to ±10^12 and refuses non-finite numbers, with the reason', () => {
    const outside = { reason: 'number outside ±1,000,000,000,000' };
    for (const text of ['1e308', '-1e13', '1000000000000.01', '9'.repeat(400), '(2e12)']) expect(parseBounded(text), text).toEqual(outside);
    for (const text of ['NaN', 'Infinity', '-inf', '∞']) expect(parseBounded(text), text).toEqual({ reason: 'not a finite number' });
    expect(decimalToCents(parseBounded('-1,000,000,000,000.00') as Decimal)).toBe(-100_000_000_000_000);
    expect(decimalToCents(parseBounded('1e12') as Decimal)).toBe(100_000_000_000_000);
    expect(parseDecimal('1e309')).toBeNull();
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

  it('reads date_format= tokens without backtracking; refuses a token twice and an overlong format', () => {
    expect(dateParser('YYYYMD')('2026111')).toBe('2026-11-01');
    expect(dateParser('YYYYMD')('202611')).toBe('2026-01-01');
    expect(dateParser('D/M/YYYY H:mm')('5/3/2026 7:05')).toBe('2026-03-05T07:05:00.000Z');
    expect(dateParser('DD.MM.YYYY')('01x02x2026')).toBeNull();
    expect(dateParser('DD/MM/YYYY')('01/02/1899')).toEqual({ reason: 'date before 1900 or after 2100' });
    expect(() => dateParser('YYYYMDMD')).toThrow(/gives the month twice/);
    expect(() => dateParser(`YYYY-MM-DD${' '.repeat(60)}`)).toThrow(/70 characters long; a date format has at most 64/);
  });

  it('bounds years to 1900–2100 and offsets to ±14:00', () => {
    const parse = dateParser();
    expect(parse('1900-01-01')).toBe('1900-01-01');
    expect(parse('2100-12-31')).toBe('2100-12-31');
    expect(parse('1899-12-31')).toEqual({ reason: 'date before 1900 or after 2100' });
    expect(parse('2101-01-01')).toEqual({ reason: 'date before 1900 or after 2100' });
    expect(parse('2026-01-01T00:00:00+14:00')).toBe('2025-12-31T10:00:00.000Z');
    expect(parse('2026-01-01T00:00:00+15:00')).toEqual({ reason: 'time-zone offset outside ±14:00' });
    expect(parse('2026-01-01T00:00:00-14:01')).toEqual({ reason: 'time-zone offset outside ±14:00' });
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
