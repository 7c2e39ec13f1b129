import { Skip, type Preset } from './preset.ts';

/**
 * A Google Ads report downloaded as CSV (Reports, or Campaigns > Download): a title line and a date
 * range line above the header, one row per campaign and day with `Day`, `Campaign`,
 * `Currency code` and `Cost` (in currency units), and "Total: …" rows at the end.
 */
export const googleAds: Preset = {
  name: 'google-ads',
  kind: 'spend',
  label: 'Google Ads report',
  reads:
    'Day, Campaign, Cost in Currency code, as channel google_ads; the title and date-range lines above the header and the "Total: …" rows are skipped.',
  sources: [],
  assumed:
    'No Google documentation of the downloaded CSV was found in the stored documentation. The layout (a report title line, a date-range line, then Day, Campaign, Currency code, Cost; totals rows last) is taken from public parsers of these downloads. Days are read as YYYY-MM-DD: download the report with that date format, or give date_format=.',
  columns: {
    date: ['Day', 'Date'],
    campaign: ['Campaign', 'Campaign name'],
    amount: ['Cost'],
    currency: ['Currency code', 'Currency'],
  },
  computed: ['channel'],
  required: [['Day', 'Date'], ['Cost']],
  start() {
    return {
      prepare(row) {
        const day = row.get('Day', 'Date');
        if (/^total/i.test(day) || /^total:/i.test(row.get('Campaign', 'Campaign name')) || /^total:/i.test(row.cells[0]?.trim() ?? ''))
          return new Skip('a totals row');
        return { channel: 'google_ads' };
      },
    };
  },
};
