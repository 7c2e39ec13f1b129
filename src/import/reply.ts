import { countOf, formatCount, maskEmail, plural } from '../core/format.ts';
import { reply, type Reply } from '../core/reply.ts';
import type { ImportResult } from './run-import.ts';

const n = formatCount;
const rows = (value: number) => countOf(value, 'row');

/** Starts only where a run of its characters starts: linear time on a 64 KiB cell. */
const EMAIL = /(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;

/** A rejected cell as chat may show it: every email-looking substring masked (the rejections file keeps the raw cell). */
export function maskEmailsIn(text: string): string {
  return text.replace(EMAIL, (email) => maskEmail(email));
}

const shown = (value: string) => {
  const masked = maskEmailsIn(value);
  return masked.length > 40 ? `${masked.slice(0, 39)}…` : masked;
};

const UNIT: Record<ImportResult['kind'], string> = {
  customers: 'customers',
  orders: 'orders',
  spend: 'spend rows',
  events: 'events',
  rates: 'rates',
  products: 'products',
};

/** The `--json` data: the contract's seven keys first, then the extras. */
export function importData(result: ImportResult) {
  const {
    read,
    inserted,
    updated,
    unchanged,
    rejected,
    rejections_file,
    seconds,
    first_rejections: _first,
    consent_source: _source,
    leftovers_removed: _leftovers,
    reporting_currency: _reporting,
    data_through: _through,
    cursor: _cursor,
    skip_reasons: _skipReasons,
    ...extra
  } = result;
  return { read, inserted, updated, unchanged, rejected, rejections_file, seconds, ...extra };
}

/** "12 customers opted out, 0 opted in." */
function consentSentence(optedOut: number, optedIn: number): string {
  return `${countOf(optedOut, 'customer')} opted out, ${n(optedIn)} opted in.`;
}

export function importReply(result: ImportResult): Reply<ReturnType<typeof importData>> {
  const unit = UNIT[result.kind];
  const rate = result.seconds > 0 ? Math.round(result.read / result.seconds) : result.read;
  const timing = `${result.seconds.toFixed(1)} s, ${n(rate)} rows/s`;
  let text: string;
  if (result.unchanged_since) {
    text = `Nothing new: this file is unchanged since the import of ${result.unchanged_since.slice(0, 16).replace('T', ' ')} UTC (${rows(result.unchanged)}), so it was not read again. Add force=true to read it anyway.`;
  } else if (!result.committed) {
    text = `Nothing was imported: strict=true and ${n(result.rejected)} of ${rows(result.read)} ${result.rejected === 1 ? 'was' : 'were'} rejected. Fix them (see the file) or import without strict=true to keep the valid rows.`;
  } else if (result.inserted === 0 && result.updated === 0) {
    text = `Nothing new: ${n(result.unchanged)} ${unit} unchanged (${rows(result.read)} read${result.rejected ? `, ${n(result.rejected)} rejected` : ''}).`;
  } else {
    text = `${rows(result.read)} read: ${n(result.inserted)} ${unit} inserted, ${n(result.updated)} updated, ${n(result.unchanged)} unchanged, ${rows(result.rejected)} rejected.`;
  }
  if (result.suppressed)
    text += ` ${rows(result.suppressed)} of erased customers ${result.suppressed === 1 ? 'was' : 'were'} suppressed: skipped, not stored.`;
  const consent = result.consent_changes;
  if (result.committed && consent) text += ` ${consentSentence(consent.opted_out, consent.opted_in)}`;
  const fields = [
    { label: 'Rows read', value: n(result.read) },
    { label: `Inserted (${unit})`, value: n(result.inserted) },
    { label: 'Updated', value: n(result.updated) },
    { label: 'Unchanged', value: n(result.unchanged) },
    { label: 'Rejected rows', value: n(result.rejected) },
    ...(result.suppressed ? [{ label: 'Suppressed (erased customers)', value: n(result.suppressed) }] : []),
    ...(result.skipped ? [{ label: `Left out (${result.preset} preset)`, value: n(result.skipped) }] : []),
    ...(result.customers_created ? [{ label: 'Customers created', value: n(result.customers_created) }] : []),
    ...(result.line_items
      ? [{ label: 'Order lines', value: `${n(result.line_items.lines)} (${countOf(result.line_items.products, 'product')})` }]
      : []),
    ...(consent ? [{ label: 'Consent changes', value: `${n(consent.opted_out)} opted out, ${n(consent.opted_in)} opted in` }] : []),
    { label: 'Duration', value: timing },
  ];
  const notes: string[] = [];
  if (result.kind === 'orders')
    notes.push(
      'Rows sharing an order id are lines of one order; returns and adjustments (quantity <= 0, a negative amount, ids starting with C) are kept in net revenue, never counted as purchases; a free order (amount 0) is a purchase worth 0.',
    );
  if (result.kind === 'rates' && result.reporting_currency)
    notes.push(
      `A rate is how many ${result.reporting_currency} (REPORTING_CURRENCY) one unit of the row's currency was worth that day; a currency and day imported again takes the new rate. /cac, /roi and the digest convert each day's amounts at that day's rate, or the latest earlier one.`,
    );
  if (result.line_items) {
    const created = result.line_items.products_created;
    const one = created === 1;
    notes.push(
      `Line items kept: one per order and product (rows of the same product in an order are added up); an order imported again gets the lines of this file.${
        created
          ? ` ${countOf(created, 'product')} first seen here ${one ? 'is' : 'are'} named by ${one ? 'its' : 'their'} latest line until /import products names ${one ? 'it' : 'them'}.`
          : ''
      }`,
    );
  }
  if (result.kind === 'products')
    notes.push(
      'Products named in a products file keep that name (the lines of orders no longer rename them); active=no keeps a product out of /recommend.',
    );
  const defaultConsent = (yes: boolean) => `DEFAULT_CONSENT (${yes ? 'yes' : 'no marketing consent'})`;
  if (result.kind === 'orders' && result.customers_created && result.consent_source)
    notes.push(
      `The ${countOf(result.customers_created, 'customer')} created from these orders got ${defaultConsent(result.consent_source.default_consent)}; a customers file with a consent column sets it.`,
    );
  if (result.kind === 'customers' && result.committed && result.consent_source && !result.consent_source.column)
    notes.push(
      `The file has no consent column: stored customers keep their consent; new ones get ${defaultConsent(result.consent_source.default_consent)}.`,
    );
  if (consent?.kept_unsubscribed)
    notes.push(
      `${n(consent.kept_unsubscribed)} ${consent.kept_unsubscribed === 1 ? 'row says' : 'rows say'} yes for customers who unsubscribed since: they stay opted out. A yes counts after an unsubscribe only with a consent_updated_at later than it.`,
    );
  if (consent?.kept_sms_stopped)
    notes.push(
      `${n(consent.kept_sms_stopped)} ${plural(consent.kept_sms_stopped, 'row says', 'rows say')} SMS yes for customers who replied STOP: they stay opted out of SMS until they text START.`,
    );
  if (result.suppressed)
    notes.push(
      'Suppressed rows belong to customers erased with /customer forget: the suppression list (salted hashes of their ids and emails) keeps them from coming back. Remove them from the source too.',
    );
  if (result.leftovers_removed)
    notes.push(`Removed ${rows(result.leftovers_removed)} left in staging by an earlier ${result.kind} import that stopped midway.`);
  const skips = Object.entries(result.skip_reasons ?? {}).sort((a, b) => b[1] - a[1]);
  if (skips.length)
    notes.push(
      `Left out by the ${result.preset} preset (not stored, not rejected): ${skips.map(([reason, count]) => `${n(count)} × ${reason}`).join('; ')}.`,
    );
  const reasons = Object.entries(result.rejection_reasons).sort((a, b) => b[1] - a[1]);
  if (reasons.length) notes.push(`Rejected: ${reasons.map(([reason, count]) => `${n(count)} × ${reason}`).join('; ')}.`);
  const data = importData(result);
  return {
    ...reply(data, {
      title: `/import ${result.kind} · ${result.source}`,
      text,
      fields,
      tables: result.first_rejections.length
        ? [
            {
              title:
                result.rejected > result.first_rejections.length
                  ? `First ${result.first_rejections.length} of ${n(result.rejected)} rejected rows`
                  : 'Rejected rows',
              columns: ['line', 'column', 'reason', 'value'],
              rows: result.first_rejections.map((r) => [r.line, r.column, r.reason, shown(r.value)]),
              numeric: [true, false, false, false],
            },
          ]
        : [],
      files: result.rejections_file
        ? [
            {
              path: result.rejections_file,
              name: result.rejections_file.split(/[\\/]/).pop()!,
              title: result.rejected === 1 ? 'the rejected row' : `all ${n(result.rejected)} rejected rows`,
            },
          ]
        : [],
      notes,
    }),
    ok: result.committed,
  };
}
