import { toCents } from '../store/money.ts';

/** A decimal as an integer and a power of ten: 12.345 -> { units: 12345, scale: 3 }. Exact. */
export interface Decimal {
  units: number;
  scale: number;
}

const DECIMAL = /^([+-])?(\d*)(?:\.(\d*))?$/;
const EXPONENT = /^[+-]?(\d+(\.\d*)?|\.\d+)e[+-]?\d+$/i;
/** Longer than any number worth reading (400 digits still say "out of range", not "not a number"). */
const MAX_NUMBER_CHARS = 1000;
const NON_FINITE = /^[+-]?(nan|inf|infinity|∞)$/i;

/** The largest amount, quantity or numeric attribute a file may hold, in currency units: ±10^12. */
export const MAX_AMOUNT = 1e12;
const MAX_CENTS = MAX_AMOUNT * 100;

/**
 * Reads a number exactly when it has at most 15 digits, else as the nearest double, whose
 * units may then be huge or infinite (range checks come after).
 */
function readDecimal(text: string): Decimal | null {
  if (text.length > MAX_NUMBER_CHARS) return null;
  let value = text.replace(/^[$€£¥]|\s/g, '');
  let negative = false;
  if (value.length > 2 && value.startsWith('(') && value.endsWith(')')) {
    negative = true;
    value = value.slice(1, -1);
  }
  if (value.includes(',')) {
    if (!/^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$/.test(value)) return null;
    value = value.replace(/,/g, '');
  }
  const match = DECIMAL.exec(value);
  if (!match || (match[2] === '' && (match[3] ?? '') === '')) {
    if (EXPONENT.test(value)) return fromNumber(Number(value) * (negative ? -1 : 1));
    return null;
  }
  const fraction = match[3] ?? '';
  const digits = `${match[2]}${fraction}`.replace(/^0+(?=\d)/, '');
  if (digits.length > 15) return fromNumber(Number(value) * (negative ? -1 : 1));
  const sign = (match[1] === '-') !== negative ? -1 : 1;
  return { units: sign * Number(digits), scale: fraction.length };
}

function fromNumber(value: number): Decimal {
  return Math.abs(value) < MAX_AMOUNT * 1000 ? { units: toCents(value), scale: 2 } : { units: value, scale: 0 };
}

/** "1,234.50", "$12", "-3.2", "(4.00)" -> Decimal; null when it is not a finite number. */
export function parseDecimal(text: string): Decimal | null {
  const value = readDecimal(text);
  return value && Number.isFinite(value.units) ? value : null;
}

/** A number a row may hold (an amount, a quantity, a numeric attribute), or why not. */
export function parseBounded(text: string): Decimal | { reason: string } {
  const value = readDecimal(text);
  if (value === null) return { reason: NON_FINITE.test(text.trim()) ? 'not a finite number' : 'not a number' };
  if (!Number.isFinite(value.units) || Math.abs(decimalValue(value)) > MAX_AMOUNT) return { reason: OUT_OF_RANGE };
  return value;
}

export const OUT_OF_RANGE = 'number outside ±1,000,000,000,000';

/** Cents within ±10^12 currency units (a product of two bounded numbers may not be). */
export function centsInRange(cents: number): boolean {
  return Number.isFinite(cents) && Math.abs(cents) <= MAX_CENTS;
}

/** Rounds a Decimal to integer cents, half away from zero. */
export function decimalToCents(value: Decimal): number {
  if (value.scale <= 2) return value.units * 10 ** (2 - value.scale);
  const divisor = 10 ** (value.scale - 2);
  const magnitude = Math.abs(value.units);
  let cents = Math.floor(magnitude / divisor);
  if ((magnitude % divisor) * 2 >= divisor) cents++;
  return value.units < 0 ? -cents : cents;
}

/** quantity x unit price in cents, exact while the product fits in 2^53. */
export function lineCents(quantity: Decimal, unitPrice: Decimal): number {
  const units = quantity.units * unitPrice.units;
  if (!Number.isSafeInteger(units)) return toCents((quantity.units / 10 ** quantity.scale) * (unitPrice.units / 10 ** unitPrice.scale));
  return decimalToCents({ units, scale: quantity.scale + unitPrice.scale });
}

export function decimalValue(value: Decimal): number {
  return value.units / 10 ** value.scale;
}

const TRUE_WORDS = new Set(['true', 'yes', 'y', '1', 'on', 'opted in', 'subscribed', 't']);
const FALSE_WORDS = new Set(['false', 'no', 'n', '0', 'off', 'opted out', 'unsubscribed', 'f']);

export function parseBoolean(text: string): boolean | null {
  const word = text.toLowerCase();
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  return null;
}

const EMAIL = /^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$/;

/** The longest address SMTP allows. */
const MAX_EMAIL_CHARS = 254;

export function normalizeEmail(text: string): string | null {
  if (text.length > MAX_EMAIL_CHARS) return null;
  const email = text.toLowerCase();
  return EMAIL.test(email) ? email : null;
}
