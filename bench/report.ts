/** One line of the benchmark report: a measured figure next to its same-run baseline. */
export interface BenchRow {
  name: string;
  value: number;
  unit: string;
  baseline?: { name: string; value: number };
  /** value / baseline.value */
  ratio?: number;
  target?: string;
  pass?: boolean;
  notes?: string;
}

export function formatRow(row: BenchRow): string {
  const base = row.baseline ? `  baseline ${row.baseline.name}: ${fmt(row.baseline.value)} ${row.unit}` : '';
  const ratio = row.ratio !== undefined ? `  ratio ${row.ratio.toFixed(2)}` : '';
  const target = row.target ? `  target ${row.target} ${row.pass === undefined ? '' : row.pass ? 'PASS' : 'MISS'}` : '';
  return `${row.name}: ${fmt(row.value)} ${row.unit}${base}${ratio}${target}${row.notes ? `  (${row.notes})` : ''}`;
}

function fmt(n: number): string {
  return Math.abs(n) >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(3);
}

export function peakRssMiB(): number {
  return process.resourceUsage().maxRSS / 1024;
}
