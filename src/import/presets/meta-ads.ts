import { PresetReject, Skip, type Preset } from './preset.ts';

/** "Amount spent (USD)": the currency is in the header. */
const AMOUNT_SPENT = /^Amount spent(?: \(([A-Za-z]{3})\))?$/i;

const lastDayOfMonth = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();

/**
 * A Meta (Facebook) Ads Manager report exported as CSV: `Reporting starts` and `Reporting ends`
 * on every row, `Campaign name`, and `Amount spent (XXX)` with the account's currency in the header.
 * Exported with Breakdown > By time > Day, each row also has a `Day` (and starts = ends).
 */
export const metaAds: Preset = {
  name: 'meta-ads',
  kind: 'spend',
  label: 'Meta Ads Manager report',
  reads:
    'Day (else Reporting starts when it equals Reporting ends; a whole calendar month is booked as that month), Campaign name, Amount spent (XXX) with the currency XXX from its header, as channel meta_ads; rows covering other periods are rejected.',
  sources: [],
  assumed:
    'No Meta documentation of the exported CSV was found in the stored documentation. The columns (Reporting starts, Reporting ends, Campaign name, Amount spent (USD), Day with a daily breakdown) are taken from public parsers of these exports.',
  columns: {
    campaign: ['Campaign name', 'Campaign Name', 'Ad set name', 'Ad name'],
    amount: [AMOUNT_SPENT],
  },
  computed: ['date', 'channel', 'currency'],
  required: [[AMOUNT_SPENT], ['Reporting starts', 'Day']],
  start(header) {
    const amountHeader = header.headers[header.index([AMOUNT_SPENT])]!.trim();
    const headerCurrency = AMOUNT_SPENT.exec(amountHeader)?.[1]?.toUpperCase() ?? '';
    return {
      prepare(row) {
        const day = row.get('Day');
        const starts = row.get('Reporting starts');
        const ends = row.get('Reporting ends');
        let date = day || starts;
        if (!day && ends && ends !== starts) {
          const s = /^(\d{4})-(\d{2})-01$/.exec(starts);
          const e = /^(\d{4})-(\d{2})-(\d{2})$/.exec(ends);
          if (!s || !e || s[1] !== e[1] || s[2] !== e[2] || Number(e[3]) !== lastDayOfMonth(Number(e[1]), Number(e[2])))
            throw new PresetReject(
              'Reporting starts',
              'spend over several days: export with Breakdown > By time > Day (or one calendar month per row)',
              `${starts} – ${ends}`,
            );
          date = `${s[1]}-${s[2]}`;
        }
        return { date, channel: 'meta_ads', currency: headerCurrency || row.get('Currency') };
      },
    };
  },
};
