/** Text a spreadsheet would run as a formula (OWASP CSV injection): =, +, -, @, tab, carriage return first. */
const FORMULA_START = /^[=+\-@\t\r]/;
/** A plain number ("-12", "-3.5", "-7%") is data, not a formula: left as is so it still sorts as a number. */
const PLAIN_NUMBER = /^[+-]?\d+(\.\d+)?%?$/;

/** A cell a spreadsheet would run as a formula gets a leading quote. */
export function neutralizeFormula(value: string): string {
  return FORMULA_START.test(value) && !PLAIN_NUMBER.test(value) ? `'${value}` : value;
}

/** One CSV cell: formulas neutralized, quoted when it holds a quote, comma or line break. */
export function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  const text = neutralizeFormula(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A reply table as a CSV attachment (adapters attach it when a table is too long for a message). */
export function tableCsv(table: { columns: string[]; rows: (string | number)[][] }): string {
  return [table.columns, ...table.rows].map((row) => row.map(csvCell).join(',')).join('\n') + '\n';
}
