const count = new Intl.NumberFormat('en-US');

/** 1234567 -> "1,234,567" */
export function formatCount(value: number): string {
  return count.format(value);
}

/** A ratio as a percentage with one decimal: 0.1234 -> "12.3%". */
export function formatPercent(ratio: number): string {
  return `${(ratio * 100).toFixed(1)}%`;
}

/** The change from a previous value: "▲ 12.4%", "▼ 3.0%", "no change", "new" when there was none. */
export function formatChange(current: number, previous: number | null | undefined): string {
  if (previous === null || previous === undefined || !Number.isFinite(previous)) return '—';
  if (previous === 0) return current === 0 ? 'no change' : 'new';
  const change = (current - previous) / Math.abs(previous);
  if (Math.abs(change) < 0.0005) return 'no change';
  return `${change > 0 ? '▲' : '▼'} ${Math.abs(change * 100).toFixed(1)}%`;
}

/** Masks an email for chat: "jane.doe@example.com" -> "j•••@example.com". */
export function maskEmail(email: string | null | undefined): string {
  if (!email) return '—';
  const at = email.indexOf('@');
  if (at <= 0) return '•••';
  return `${email[0]}•••${email.slice(at)}`;
}
