import { dayOf } from '../core/business-day.ts';
import type {
  ImportStagingCustomersTable,
  ImportStagingEventsTable,
  ImportStagingOrderLinesTable,
  ImportStagingProductsTable,
  ImportStagingRatesTable,
  ImportStagingSpendTable,
} from '../store/schema.ts';
import { describeProblem, type RecordProblem } from './csv.ts';
import type { DateParser } from './dates.ts';
import type { ColumnMapping, ImportKind } from './fields.ts';
import { NOT_E164, normalizePhone } from '../sms/phone.ts';
import { ianaZone } from './time-zones.ts';
import { httpUrl, MAX_CATEGORY_CHARS, MAX_PRODUCT_NAME_CHARS, oneLine, parseActive } from './product-values.ts';
import { hasInvalidText, showInvalidText } from './text.ts';
import {
  centsInRange,
  decimalToCents,
  decimalValue,
  lineCents,
  normalizeEmail,
  OUT_OF_RANGE,
  parseBoolean,
  parseBounded,
  parseDecimal,
  type Decimal,
} from './values.ts';

/** Customer, order and campaign ids, channels and campaign names: longer is not an id but a pasted paragraph. */
export const MAX_ID_CHARS = 256;

export interface Rejection {
  line: number;
  column: string;
  reason: string;
  value: string;
}

/** A validated row is the staging row it becomes, less the import it belongs to. */
export type CustomerRecord = Omit<ImportStagingCustomersTable, 'import_id'> & { attributes: [string, number][] };

export type OrderLineRecord = Omit<ImportStagingOrderLinesTable, 'import_id'>;

export type SpendRecord = Omit<ImportStagingSpendTable, 'import_id'>;

export type EventRecord = Omit<ImportStagingEventsTable, 'import_id'>;

export type RateRecord = Omit<ImportStagingRatesTable, 'import_id'>;

export type ProductRecord = Omit<ImportStagingProductsTable, 'import_id'>;

export type ImportRecord = CustomerRecord | OrderLineRecord | SpendRecord | EventRecord | RateRecord | ProductRecord;

/** ISO 4217 codes this runtime knows (current and historic): a rates file names only these. */
const ISO_CURRENCIES = new Set(Intl.supportedValuesOf('currency'));

export type RowResult<R> = { record: R; rejection?: undefined } | { record?: undefined; rejection: Rejection };

export const EVENT_TYPES = ['delivered', 'opened', 'clicked', 'converted', 'unsubscribed'] as const;
const EVENT_ALIASES: Record<string, (typeof EVENT_TYPES)[number]> = {
  deliver: 'delivered',
  delivery: 'delivered',
  open: 'opened',
  click: 'clicked',
  convert: 'converted',
  conversion: 'converted',
  purchase: 'converted',
  unsubscribe: 'unsubscribed',
  unsub: 'unsubscribed',
};

/** "Google Ads" -> "google_ads": spend channels and acquisition channels meet on the same spelling. */
export function normalizeChannel(text: string): string {
  return text.toLowerCase().replace(/[\s-]+/g, '_');
}

class Reject extends Error {
  constructor(
    readonly column: string,
    readonly reason: string,
    readonly value: string,
  ) {
    super(reason);
  }
}

export interface ValidatorOptions {
  kind: ImportKind;
  mapping: ColumnMapping;
  parseDate: DateParser;
  defaultCurrency: string;
  /** BUSINESS_TZ: a signup or spend time is kept as its business day. */
  timeZone: string;
  /** The `date_format=` given, for rejection reasons. */
  dateFormat?: string;
  /** Customers: the extra columns that hold numbers. */
  numericExtras?: { name: string; index: number }[];
  /** Rates: REPORTING_CURRENCY, the currency every rate is expressed in. */
  reportingCurrency?: string;
}

const dayOrNull = (value: string | null, zone: string) => (value === null ? null : dayOf(value, zone));

/** Builds the validator of one row (an array of raw cells) for a kind. */
export function rowValidator(options: ValidatorOptions): (cells: string[], line: number) => RowResult<ImportRecord> {
  const { mapping, parseDate, defaultCurrency, timeZone } = options;
  const index = (field: string) => mapping.fields.get(field) ?? -1;
  const cell = (cells: string[], i: number) => (i < 0 ? '' : (cells[i] ?? '').trim());
  const text = (cells: string[], field: string): string | null => {
    const value = cell(cells, index(field));
    return value === '' ? null : value;
  };
  const required = (cells: string[], field: string): string => {
    const value = cell(cells, index(field));
    if (value === '') throw new Reject(field, `missing ${field}`, '');
    return value;
  };
  const id = (cells: string[], field: string, isRequired: boolean): string | null => {
    const value = isRequired ? required(cells, field) : text(cells, field);
    if (value !== null && value.length > MAX_ID_CHARS) throw new Reject(field, `longer than ${MAX_ID_CHARS} characters`, value);
    return value;
  };
  const checkDate = (field: string, value: string, parsed: ReturnType<DateParser>): string => {
    if (parsed === null) throw new Reject(field, `invalid date (expected ${options.dateFormat ?? 'YYYY-MM-DD'})`, value);
    if (typeof parsed !== 'string') throw new Reject(field, parsed.reason, value);
    return parsed;
  };
  const date = (cells: string[], field: string, isRequired: boolean): string | null => {
    const value = isRequired ? required(cells, field) : text(cells, field);
    if (value === null) return null;
    return checkDate(field, value, parseDate(value));
  };
  const decimal = (cells: string[], field: string): Decimal => {
    const value = required(cells, field);
    const parsed = parseBounded(value);
    if ('reason' in parsed) throw new Reject(field, parsed.reason, value);
    return parsed;
  };
  const currency = (cells: string[]): string => {
    const value = text(cells, 'currency');
    if (value === null) return defaultCurrency;
    const code = value.toUpperCase();
    if (!/^[A-Z]{3}$/.test(code)) throw new Reject('currency', 'not a three-letter currency code', value);
    return code;
  };

  const validators: Record<ImportKind, (cells: string[], line: number) => ImportRecord> = {
    customers: (cells) => {
      const email = text(cells, 'email');
      const normalized = email === null ? null : normalizeEmail(email);
      if (email !== null && normalized === null) throw new Reject('email', 'not an email address', email);
      const consentText = text(cells, 'consent');
      const consent = consentText === null ? null : parseBoolean(consentText);
      if (consentText !== null && consent === null) throw new Reject('consent', 'not true or false', consentText);
      const phoneText = text(cells, 'phone');
      const phone = phoneText === null ? null : normalizePhone(phoneText);
      if (phoneText !== null && phone === null) throw new Reject('phone', NOT_E164, phoneText);
      const smsText = text(cells, 'sms_consent');
      const smsConsent = smsText === null ? null : parseBoolean(smsText);
      if (smsText !== null && smsConsent === null) throw new Reject('sms_consent', 'not true or false', smsText);
      const zoneText = text(cells, 'time_zone');
      const zone = zoneText === null ? null : ianaZone(zoneText);
      if (zoneText !== null && zone === null)
        throw new Reject('time_zone', 'not an IANA time zone name, e.g. Europe/Berlin or America/New_York', zoneText);
      const channel = text(cells, 'acquisition_channel');
      const attributes: [string, number][] = [];
      for (const extra of options.numericExtras ?? []) {
        const value = cell(cells, extra.index);
        if (value === '') continue;
        const parsed = parseBounded(value);
        if ('reason' in parsed) throw new Reject(extra.name, parsed.reason, value);
        attributes.push([extra.name, decimalValue(parsed)]);
      }
      return {
        customer_id: id(cells, 'customer_id', true)!,
        email: normalized,
        name: text(cells, 'name'),
        signup_date: dayOrNull(date(cells, 'signup_date', false), timeZone),
        country: text(cells, 'country'),
        acquisition_channel: channel === null ? null : normalizeChannel(channel),
        consent: consent === null ? null : consent ? 1 : 0,
        consent_updated_at: date(cells, 'consent_updated_at', false),
        phone,
        time_zone: zone,
        sms_consent: smsConsent === null ? null : smsConsent ? 1 : 0,
        attributes,
      };
    },
    orders: (cells, line) => {
      const order_id = id(cells, 'order_id', true)!;
      const customer_id = id(cells, 'customer_id', true)!;
      const order_date = date(cells, 'order_date', true)!;
      let cents: number;
      let quantityPositive = true;
      if (index('amount') >= 0 && (cell(cells, index('amount')) !== '' || index('quantity') < 0 || index('unit_price') < 0)) {
        cents = decimalToCents(decimal(cells, 'amount'));
        if (index('quantity') >= 0 && cell(cells, index('quantity')) !== '') quantityPositive = decimal(cells, 'quantity').units > 0;
      } else {
        const quantity = decimal(cells, 'quantity');
        cents = lineCents(quantity, decimal(cells, 'unit_price'));
        quantityPositive = quantity.units > 0;
        if (!centsInRange(cents))
          throw new Reject('unit_price', `quantity × unit_price: ${OUT_OF_RANGE}`, cell(cells, index('unit_price')));
      }
      const returned = order_id.startsWith('C');
      const sale = quantityPositive && cents > 0 && !returned;
      // a purchase whatever its value: a free order is a purchase worth 0 (as in the CDNOW data)
      const purchase = quantityPositive && cents >= 0 && !returned;
      return {
        order_id,
        line,
        customer_id,
        order_date,
        gross_cents: sale ? cents : 0,
        net_cents: cents,
        currency: currency(cells),
        country: text(cells, 'country'),
        purchase: purchase ? 1 : 0,
      };
    },
    spend: (cells) => {
      const raw = required(cells, 'date');
      const monthly = /^\d{4}-\d{2}$/.test(raw);
      const day = checkDate('date', raw, monthly ? (parseDate(`${raw}-01`) ?? parseDate(raw)) : parseDate(raw));
      return {
        date: dayOf(day, timeZone),
        channel: normalizeChannel(id(cells, 'channel', true)!),
        campaign: id(cells, 'campaign', false) ?? '',
        amount_cents: decimalToCents(decimal(cells, 'amount')),
        currency: currency(cells),
        booked: monthly ? 'month' : 'day',
      };
    },
    events: (cells) => {
      const customer_id = id(cells, 'customer_id', true)!;
      const rawType = required(cells, 'type');
      const lower = rawType.toLowerCase();
      const type = (EVENT_TYPES as readonly string[]).includes(lower) ? lower : EVENT_ALIASES[lower];
      if (!type) throw new Reject('type', `not an event type (${EVENT_TYPES.join(', ')})`, rawType);
      return { customer_id, campaign_id: id(cells, 'campaign_id', false) ?? '', type, occurred_at: date(cells, 'occurred_at', true)! };
    },
    rates: (cells) => {
      const reporting = options.reportingCurrency ?? defaultCurrency;
      const day = date(cells, 'date', true)!.slice(0, 10);
      const rawCurrency = required(cells, 'currency');
      const code = rawCurrency.toUpperCase();
      if (!/^[A-Z]{3}$/.test(code)) throw new Reject('currency', 'not a three-letter currency code', rawCurrency);
      if (!ISO_CURRENCIES.has(code)) throw new Reject('currency', 'not a known ISO 4217 currency code', rawCurrency);
      const rawRate = required(cells, 'rate');
      const parsed = parseBounded(rawRate);
      if ('reason' in parsed) throw new Reject('rate', parsed.reason, rawRate);
      const rate = decimalValue(parsed);
      if (!(rate > 0)) throw new Reject('rate', `rate must be above 0 (${reporting} per 1 ${code})`, rawRate);
      if (code === reporting && rate !== 1) throw new Reject('rate', `${code} is REPORTING_CURRENCY itself: its rate is always 1`, rawRate);
      return { date: day, currency: code, rate, reporting_currency: reporting };
    },
    products: (cells) => {
      const url = (field: string) => {
        const value = text(cells, field);
        if (value === null) return null;
        const parsed = httpUrl(value);
        if (parsed === null) throw new Reject(field, 'not an http(s) URL', value);
        return parsed;
      };
      const activeText = text(cells, 'active');
      const active = activeText === null ? null : parseActive(activeText);
      if (activeText !== null && active === null) throw new Reject('active', 'not true or false (or active, archived, draft)', activeText);
      const price = text(cells, 'price') === null ? null : decimalToCents(decimal(cells, 'price'));
      if (price !== null && price < 0) throw new Reject('price', 'a price is 0 or more', cell(cells, index('price')));
      const name = text(cells, 'name');
      const category = text(cells, 'category');
      return {
        product_id: id(cells, 'product_id', true)!,
        name: name === null ? null : oneLine(name, MAX_PRODUCT_NAME_CHARS),
        category: category === null ? null : oneLine(category, MAX_CATEGORY_CHARS),
        price_cents: price,
        currency: price === null ? null : currency(cells),
        url: url('url'),
        image_url: url('image_url'),
        active: active === null ? null : active ? 1 : 0,
      };
    },
  };
  const validate = validators[options.kind];
  return (cells, line) => {
    try {
      return { record: validate(cells, line) };
    } catch (error) {
      if (error instanceof Reject) return { rejection: { line, column: error.column, reason: error.reason, value: error.value } };
      throw error;
    }
  };
}

/** Column names for rejections: the header's, or the column's number past the header. */
function columnName(headers: string[], index: number): string {
  return headers[index] || `column ${index + 1}`;
}

/** A row the CSV parser cut short at a limit, rejected alone. */
export function limitRejection(problem: RecordProblem, line: number, headers: string[]): Rejection {
  const reason = describeProblem(problem);
  if (problem.limit === 'field') return { line, column: columnName(headers, problem.column), reason, value: `${problem.sample}…` };
  if (problem.limit === 'columns') return { line, column: '', reason, value: `${problem.count.toLocaleString('en-US')} columns` };
  return { line, column: '', reason, value: `${problem.sample}…` };
}

/** The first cell holding bytes that are not valid text in the file's encoding (or a NUL), as a rejection. */
export function invalidTextRejection(cells: string[], line: number, headers: string[], encodingName: string): Rejection | null {
  const index = cells.findIndex(hasInvalidText);
  if (index < 0) return null;
  return {
    line,
    column: columnName(headers, index),
    reason: `not valid ${encodingName} text (another encoding? see encoding=)`,
    value: showInvalidText(cells[index]!),
  };
}

/** Customers: of the extra columns, those whose non-empty values in the sample are all numbers. */
export function numericExtras(mapping: ColumnMapping, sample: string[][]): { name: string; index: number }[] {
  return mapping.extras.filter((extra) => {
    let seen = 0;
    for (const cells of sample) {
      const value = (cells[extra.index] ?? '').trim();
      if (value === '') continue;
      if (parseDecimal(value) === null) return false;
      seen++;
    }
    return seen > 0;
  });
}
