import { readFileSync } from 'node:fs';
import { datasetPath, hasDataset } from '../../helpers/datasets.ts';
import { SummaryBuilder } from '../../../src/metrics/clv/summary.ts';
import type { CustomerSummaries } from '../../../src/metrics/clv/summary.ts';

export const CDNOW_SAMPLE = 'cdnow/CDNOW_sample.txt';
export const CDNOW_SUMMARY = 'cdnow/cdnow_customers_summary.csv';
export const CDNOW_SUMMARY_WITH_TRANSACTIONS = 'cdnow/cdnow_customers_summary_with_transactions.csv';

export function hasCdnow(): boolean {
  return [CDNOW_SAMPLE, CDNOW_SUMMARY, CDNOW_SUMMARY_WITH_TRANSACTIONS].every((file) => hasDataset(file));
}

function readCsv(relative: string): number[][] {
  return readFileSync(datasetPath(relative), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => line.split(',').map(Number));
}

/** `cdnow_customers_summary.csv`: ID, frequency, recency, T (weeks, 2 dp). */
export function loadCdnowSummary(): { id: Float64Array; x: Float64Array; tx: Float64Array; T: Float64Array } {
  const rows = readCsv(CDNOW_SUMMARY);
  const column = (k: number) => Float64Array.from(rows, (row) => row[k]);
  return { id: column(0), x: column(1), tx: column(2), T: column(3) };
}

/** `cdnow_customers_summary_with_transactions.csv`: ID, x, t_x, T, zbar. */
export function loadCdnowSummaryWithTransactions(): {
  id: Float64Array;
  x: Float64Array;
  tx: Float64Array;
  T: Float64Array;
  zbar: Float64Array;
} {
  const rows = readCsv(CDNOW_SUMMARY_WITH_TRANSACTIONS);
  const column = (k: number) => Float64Array.from(rows, (row) => row[k]);
  return { id: column(0), x: column(1), tx: column(2), T: column(3), zbar: column(4) };
}

/**
 * Summaries from the raw `CDNOW_sample.txt` rows (master_id sample_id YYYYMMDD cds dollars, sorted by customer
 * and date), keyed by sample_id (the ID of the published summary files), calibration to 1997-09-30 in weeks,
 * holdout counted to 1998-06-30.
 */
export function summarizeCdnowSample(): CustomerSummaries {
  const builder = new SummaryBuilder({ asOf: '1997-09-30', daysPerUnit: 7, holdoutEnd: '1998-06-30' });
  for (const line of readFileSync(datasetPath(CDNOW_SAMPLE), 'utf8').split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 5) continue;
    const [, sampleId, ymd, , dollars] = fields;
    builder.add(Number(sampleId), `${ymd.slice(0, 4)}-${ymd.slice(4, 6)}-${ymd.slice(6, 8)}`, Number(dollars));
  }
  return builder.finish();
}

export function expectRelativelyClose(actual: number, expected: number, relativeTolerance: number): void {
  const error = Math.abs(actual - expected) / Math.abs(expected);
  if (!(error <= relativeTolerance)) {
    throw new Error(`expected ${actual} within ${relativeTolerance * 100}% of ${expected} (off by ${(error * 100).toPrecision(3)}%)`);
  }
}
