import { isValidIsoDate } from '../core/dates.ts';
import { UserError } from '../core/errors.ts';
import { toCents } from '../store/money.ts';

/** `10%`, `10` or 10 -> 10 (percent of the audience held out, 0..50). */
export function parseHoldout(value: string | number): number {
  const text = String(value).trim();
  const match = /^(\d+(?:\.\d+)?)\s*%?$/.exec(text);
  const pct = match ? Number(match[1]) : Number.NaN;
  if (!(pct >= 0 && pct <= 50)) {
    throw new UserError('bad_holdout', `holdout must be a percentage from 0% to 50% (got \`${text}\`).`, { hint: 'e.g. holdout=10%' });
  }
  return pct;
}

/** `7d`, `2w`, `7` -> days (1..365). */
export function parseWindow(value: string | number): number {
  const text = String(value).trim().toLowerCase();
  const match = /^(\d+)\s*(d|w)?$/.exec(text);
  const days = match ? Number(match[1]) * (match[2] === 'w' ? 7 : 1) : Number.NaN;
  if (!(Number.isInteger(days) && days >= 1 && days <= 365)) {
    throw new UserError('bad_window', `window must be a number of days from 1 to 365, like 7d or 2w (got \`${text}\`).`, {
      hint: 'e.g. window=7d',
    });
  }
  return days;
}

/** An amount in currency units (`500`, `0.05`) -> cents. */
export function parseAmount(name: string, value: number | string): number {
  const amount = typeof value === 'number' ? value : Number(String(value).replace(/[$€£,\s]/g, ''));
  if (!(Number.isFinite(amount) && amount >= 0)) {
    throw new UserError(
      'bad_amount',
      `${name} must be an amount of at least 0 in your currency, e.g. ${name}=500 or ${name}=0.05 (got \`${value}\`).`,
    );
  }
  return toCents(amount);
}

/** `2026-12-01` (midnight UTC) or `2026-12-01T09:00` / a full ISO timestamp -> ISO timestamp. */
export function parseStart(value: string): string {
  const text = value.trim();
  if (isValidIsoDate(text)) return `${text}T00:00:00.000Z`;
  const withZone = /(Z|[+-]\d{2}:?\d{2})$/.test(text) ? text : `${text}Z`;
  const ms = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(text) ? Date.parse(withZone) : Number.NaN;
  if (Number.isNaN(ms)) {
    throw new UserError('bad_start', `start must be a date or a UTC time: 2026-12-01 or 2026-12-01T09:00 (got \`${text}\`).`);
  }
  return new Date(ms).toISOString();
}
