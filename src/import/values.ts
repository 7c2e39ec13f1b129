import { toCents } from '../store/money.ts';

/** A decimal as an integer and a power of ten: 12.345 -> { units: 12345, scale: 3 }. Exact. */
export interface Decimal {
  units: number;
  scale: number;
}

const DECIMAL = /^([+-])?(\d*)(?:\.(\d*))?$/;

/** "1,234.50", "$12", "-3.2", "(4.00)" -> Decimal; null when it is not a number. */
export function parseDecimal(text: string): Decimal | null {
  let value = text.replace(/^[$€£¥]|\s/g, '');
  let negative = false;
  if (/^\(.*\)$/.test(value)) {
    negative = true;
    value = value.slice(1, -1);
  }
  if (/,/.test(value)) {
    if (!/^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$/.test(value)) return null;
    value = value.replace(/,/g, '');
  }
  const match = DECIMAL.exec(value);
  if (!match || (match[2] === '' && (match[3] ?? '') === '')) {
    if (/^[+-]?(\d+\.?\d*|\.\d+)e[+-]?\d+$/i.test(value)) return fromNumber(Number(value) * (negative ? -1 : 1));
    return null;
  }
  const fraction = match[3] ?? '';
  const digits = `${match[2]}${fraction}`.replace(/^0+(?=\d)/, '');
  if (digits.length > 15) return fromNumber(Number(value) * (negative ? -1 : 1));
  const sign = (match[1] === '-') !== negative ? -1 : 1;
  return { units: sign * Number(digits), scale: fraction.length };
}

function fromNumber(value: number): Decimal | null {
  return Number.isFinite(value) ? { units: toCents(value), scale: 2 } : null;
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

export function normalizeEmail(text: string): string | null {
  const email = text.toLowerCase();
  return EMAIL.test(email) ? email : null;
}
