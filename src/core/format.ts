const count = new Intl.NumberFormat('en-US');

/** 1234567 -> "1,234,567" */
export function formatCount(value: number): string {
  return count.format(value);
}

/** The noun for a count: plural("day", 1) -> "day", plural("day", 2) -> "days". */
export function plural(value: number, singular: string, pluralForm = `${singular}s`): string {
  return value === 1 ? singular : pluralForm;
}

/** A count with its noun: countOf(1, 'customer') -> "1 customer"; countOf(1234, 'day') -> "1,234 days". */
export function countOf(value: number, singular: string, pluralForm?: string): string {
  return `${formatCount(value)} ${plural(value, singular, pluralForm)}`;
}

/** A ratio as a percentage with one decimal: 0.1234 -> "12.3%". */
export function formatPercent(ratio: number): string {
  return `${(ratio * 100).toFixed(1)}%`;
}

/** A figure that has no value, saying why: "— (no spend)". */
export function noValue(reason: string): string {
  return `— (${reason})`;
}

/**
 * The relative change of an amount or count from a previous value: "▲ 12.4%", "▼ 3.0%", "no change",
 * "new" when it was 0. Never for a ratio (ROI, ROAS, rates): use formatPointChange.
 */
export function formatChange(current: number, previous: number | null | undefined): string {
  if (previous === null || previous === undefined || !Number.isFinite(previous)) return noValue('no previous value');
  if (previous === 0) return current === 0 ? 'no change' : 'new';
  const change = (current - previous) / Math.abs(previous);
  if (Math.abs(change) < 0.0005) return 'no change';
  return `${change > 0 ? '▲' : '▼'} ${Math.abs(change * 100).toFixed(1)}%`;
}

/**
 * The change of a ratio (ROI, ROAS, a conversion rate) in percentage points: ROI −0.24% -> −50.5%
 * is "▼ 50.3 pp", never a relative change of the ratio.
 */
export function formatPointChange(current: number, previous: number): string {
  const points = (current - previous) * 100;
  if (Math.abs(points) < 0.05) return 'no change';
  return `${points > 0 ? '▲' : '▼'} ${Math.abs(points).toFixed(1)} pp`;
}

/** Why a CAC (spend ÷ new customers) has no value, or null when it has one. */
export function cacMissing(spend: number, newCustomers: number): 'no spend' | 'no new customers' | null {
  if (!(spend > 0)) return 'no spend';
  if (!(newCustomers > 0)) return 'no new customers';
  return null;
}

/** A CAC as `money` formats it, or "— (no spend)" / "— (no new customers)": how every reply shows a CAC. */
export function formatCac(figure: { spend: number; new_customers: number; cac: number | null }, money: (cac: number) => string): string {
  const missing = cacMissing(figure.spend, figure.new_customers);
  if (missing) return noValue(missing);
  return figure.cac === null ? noValue('no value') : money(figure.cac);
}

/**
 * The change of a figure that may have no value: the reason when either period lacks one
 * ("— (no spend before)"), else `change` of the two values.
 */
export function formatChangeOf(
  now: { value: number | null; missing: string | null },
  before: { value: number | null; missing: string | null },
  change: (current: number, previous: number) => string,
): string {
  if (now.value === null) return noValue(now.missing ?? 'no value');
  if (before.value === null) return noValue(`${before.missing ?? 'no value'} before`);
  return change(now.value, before.value);
}

/** Masks an email for chat: "jane.doe@example.com" -> "j•••@example.com". */
export function maskEmail(email: string | null | undefined): string {
  if (!email) return '—';
  const at = email.indexOf('@');
  if (at <= 0) return '•••';
  return `${email[0]}•••${email.slice(at)}`;
}
