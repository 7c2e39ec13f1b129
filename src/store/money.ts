/** Parses a decimal amount ("1,234.5", "-3.20", "1e2") into integer cents, rounding half away from zero. */
export function toCents(value: number): number {
  return Math.sign(value) * Math.round(Math.abs(value) * 100 + 1e-9);
}

export function fromCents(cents: number): number {
  return cents / 100;
}

const formatters = new Map<string, (cents: number) => string>();

/** `$1,234.50`, `€12.00`; an unknown currency code falls back to `1,234.50 XYZ`. */
export function formatMoney(cents: number, currency = 'USD', fractionDigits = 2): string {
  const key = `${currency}:${fractionDigits}`;
  let format = formatters.get(key);
  if (!format) {
    const digits = { minimumFractionDigits: fractionDigits, maximumFractionDigits: fractionDigits };
    try {
      const intl = new Intl.NumberFormat('en-US', { style: 'currency', currency, ...digits });
      format = (c) => intl.format(c / 100);
    } catch {
      const intl = new Intl.NumberFormat('en-US', digits);
      format = (c) => `${intl.format(c / 100)} ${currency}`;
    }
    formatters.set(key, format);
  }
  return format(cents);
}
