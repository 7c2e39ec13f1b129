import { countOf, formatCount } from '../../core/format.ts';
import { DAYS_PER_MONTH } from '../clv-model.ts';
import type { ClvModelSummary } from '../clv-model.ts';

export const SUMMARY_CONVENTION =
  'Summary convention (lifetimes/BTYD): orders grouped per customer per day; frequency = purchase days after the first; recency = first to last purchase day; T = first purchase to the calibration end; monetary = mean net value of the repeat days.';

/** How the model behind a figure was computed, for the notes of every CLV reply. */
export function modelNotes(model: ClvModelSummary): string[] {
  const notes = [
    `BG/NBD (purchases) + Gamma-Gamma (order value) fitted by maximum likelihood on ${countOf(model.customers, 'customer')} (${countOf(model.repeat_buyers, 'repeat buyer')}), purchases up to ${model.calibration_end}; time unit: ${model.time_unit}, months of ${DAYS_PER_MONTH.toFixed(2)} days.`,
    SUMMARY_CONVENTION,
  ];
  if (model.other_currencies.length > 0) {
    notes.push(
      `Fitted on ${model.currency} orders (the main currency); ${model.other_currencies.join(', ')} orders count in historical value only, reported separately and never summed.`,
    );
  }
  return notes;
}
