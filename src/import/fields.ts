import { UserError } from '../core/errors.ts';

export const IMPORT_KINDS = ['customers', 'orders', 'spend', 'events', 'rates', 'products'] as const;
export type ImportKind = (typeof IMPORT_KINDS)[number];

export interface FieldSpec {
  name: string;
  required?: boolean;
}

/** Canonical columns of each kind. Orders need `amount`, or `quantity` with `unit_price` (checked apart). */
export const FIELDS: Record<ImportKind, FieldSpec[]> = {
  customers: [
    { name: 'customer_id', required: true },
    { name: 'email' },
    { name: 'name' },
    { name: 'signup_date' },
    { name: 'country' },
    { name: 'acquisition_channel' },
    { name: 'consent' },
    { name: 'consent_updated_at' },
    { name: 'phone' },
    { name: 'sms_consent' },
    { name: 'time_zone' },
  ],
  orders: [
    { name: 'order_id', required: true },
    { name: 'customer_id', required: true },
    { name: 'order_date', required: true },
    { name: 'amount' },
    { name: 'quantity' },
    { name: 'unit_price' },
    { name: 'currency' },
    { name: 'country' },
    { name: 'product_id' },
    { name: 'product_name' },
  ],
  spend: [
    { name: 'date', required: true },
    { name: 'channel', required: true },
    { name: 'campaign' },
    { name: 'amount', required: true },
    { name: 'currency' },
  ],
  events: [
    { name: 'customer_id', required: true },
    { name: 'campaign_id' },
    { name: 'type', required: true },
    { name: 'occurred_at', required: true },
  ],
  rates: [
    { name: 'date', required: true },
    { name: 'currency', required: true },
    { name: 'rate', required: true },
  ],
  products: [
    { name: 'product_id', required: true },
    { name: 'name' },
    { name: 'category' },
    { name: 'price' },
    { name: 'currency' },
    { name: 'url' },
    { name: 'image_url' },
    { name: 'active' },
  ],
};

/**
 * Header aliases, written as they appear in files; matching ignores case and punctuation
 * ("Customer ID", "customer_id" and "CustomerID" are one header). A kind's own table wins
 * over the shared one, so `date` is the order date in orders and the spend date in spend.
 */
const SHARED_ALIASES: Record<string, string[]> = {
  customer_id: [
    'customer_id',
    'Customer ID',
    'CustomerID',
    'cust_id',
    'Customer',
    'Customer No',
    'Customer Number',
    'Client ID',
    'User ID',
    'Member ID',
    'ID',
  ],
  email: ['email', 'E-mail', 'Email Address', 'Mail'],
  name: ['name', 'Full Name', 'Customer Name'],
  signup_date: [
    'signup_date',
    'Signup',
    'Signed Up',
    'Sign-up Date',
    'Registration Date',
    'Registered At',
    'Join Date',
    'Joined',
    'Created At',
    'First Seen',
  ],
  country: ['country', 'Country Code', 'Nation'],
  acquisition_channel: ['acquisition_channel', 'Channel', 'Acquisition', 'Source', 'UTM Source', 'Acquired Via'],
  consent: ['consent', 'Marketing Consent', 'Opt In', 'Opted In', 'Email Opt-in', 'Subscribed', 'Accepts Marketing'],
  consent_updated_at: ['consent_updated_at', 'Consent Date', 'Consent Updated', 'Consent Changed At', 'Opt In Date', 'Opted In At'],
  currency: ['currency', 'Currency Code', 'CCY'],
  phone: ['phone', 'Mobile', 'Phone Number', 'Mobile Number', 'Mobile Phone', 'Cell', 'Cell Phone', 'Telephone', 'SMS Number'],
  sms_consent: [
    'sms_consent',
    'SMS Opt In',
    'SMS Opted In',
    'Accepts SMS Marketing',
    'SMS Marketing Consent',
    'SMS Subscribed',
    'Text Opt In',
  ],
  time_zone: ['time_zone', 'Timezone', 'TZ', 'IANA Time Zone'],
};

const PRODUCT_ID_ALIASES = ['product_id', 'Product ID', 'SKU', 'StockCode', 'Stock Code', 'Item ID', 'Product Code'];

const KIND_ALIASES: Record<ImportKind, Record<string, string[]>> = {
  customers: {},
  orders: {
    order_id: ['order_id', 'Order', 'Order No', 'Order Number', 'InvoiceNo', 'Invoice', 'Invoice ID', 'Invoice Number', 'Transaction ID'],
    order_date: ['order_date', 'Date', 'InvoiceDate', 'Invoice Date', 'Purchase Date', 'Transaction Date', 'Ordered At', 'Created At'],
    amount: ['amount', 'Total', 'Order Total', 'Line Total', 'Revenue', 'Sales', 'Value', 'Dollar Value'],
    quantity: ['quantity', 'Qty', 'Units', 'Number Of Items'],
    unit_price: ['unit_price', 'UnitPrice', 'Price', 'Item Price', 'Price Each'],
    product_id: PRODUCT_ID_ALIASES,
    product_name: ['product_name', 'Product Name', 'Description', 'Product', 'Item Name'],
  },
  spend: {
    date: ['date', 'Day', 'Spend Date', 'Month'],
    channel: ['channel', 'Source', 'Platform', 'Network', 'Medium'],
    campaign: ['campaign', 'Campaign Name', 'Campaign ID'],
    amount: ['amount', 'Spend', 'Cost', 'Amount Spent'],
  },
  events: {
    campaign_id: ['campaign_id', 'Campaign'],
    type: ['type', 'Event', 'Event Type', 'Action'],
    occurred_at: ['occurred_at', 'Timestamp', 'Time', 'Date', 'Event Time', 'At', 'Created At'],
  },
  rates: {
    date: ['date', 'Day', 'Rate Date', 'As Of'],
    rate: ['rate', 'Exchange Rate', 'FX Rate', 'Conversion Rate', 'Value'],
  },
  products: {
    product_id: [...PRODUCT_ID_ALIASES, 'ID'],
    name: ['name', 'Product Name', 'Title', 'Description', 'Product'],
    category: ['category', 'Product Type', 'Type', 'Department', 'Collection'],
    price: ['price', 'Unit Price', 'UnitPrice', 'Price Each', 'List Price'],
    url: ['url', 'Link', 'Product URL', 'Page URL'],
    image_url: ['image_url', 'Image', 'Image Link', 'Image Src', 'Picture'],
    active: ['active', 'Status', 'Available', 'Published', 'Enabled'],
  },
};

/** Customer attributes with a name of their own (any other numeric column is kept under its snake_case header). */
const ATTRIBUTE_ALIASES: Record<string, string[]> = {
  age: ['age', 'Age (years)'],
  annual_income: ['annual_income', 'Annual Income', 'Annual Income (k$)', 'Income'],
  spending_score: ['spending_score', 'Spending Score', 'Spending Score (1-100)', 'Score'],
  gender: ['gender', 'Genre', 'Sex'],
};

/** "Annual_Income(k$)" -> "annualincomek" */
export function normalizeHeader(header: string): string {
  return header.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** "Annual Income (k$)" -> "annual_income_k" */
export function snakeCase(header: string): string {
  return header
    .trim()
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

function aliasLookup(kind: ImportKind): Map<string, string> {
  const lookup = new Map<string, string>();
  const fields = new Set(FIELDS[kind].map((f) => f.name));
  const add = (table: Record<string, string[]>, only?: Set<string>) => {
    for (const [field, aliases] of Object.entries(table)) {
      if (only && !only.has(field)) continue;
      for (const alias of aliases) if (!lookup.has(normalizeHeader(alias))) lookup.set(normalizeHeader(alias), field);
    }
  };
  add(KIND_ALIASES[kind]);
  add(SHARED_ALIASES, fields);
  if (kind === 'customers') add(ATTRIBUTE_ALIASES);
  return lookup;
}

export interface ColumnMapping {
  /** Canonical field -> column index. */
  fields: Map<string, number>;
  /** Customers: other columns that may hold numeric attributes, by attribute name. */
  extras: { name: string; index: number; header: string }[];
  headers: string[];
}

/** Parses `map=Customer Ref:customer_id,Total:amount`. */
export function parseMapOption(map: string | undefined): Map<string, string> {
  const result = new Map<string, string>();
  if (!map) return result;
  for (const pair of map.split(',')) {
    if (pair.trim() === '') continue;
    const at = pair.lastIndexOf(':');
    if (at <= 0 || at === pair.length - 1) {
      throw new UserError('invalid_map', `\`map=\` entry \`${pair.trim()}\` is not Column:field.`, {
        hint: 'Example: map="Customer Ref:customer_id,Total:amount".',
      });
    }
    result.set(
      normalizeHeader(pair.slice(0, at)),
      pair
        .slice(at + 1)
        .trim()
        .toLowerCase(),
    );
  }
  return result;
}

/** Matches a header row to canonical fields; throws a UserError naming missing required columns. */
export function mapColumns(
  kind: ImportKind,
  headers: string[],
  map: Map<string, string>,
  options: { aliases?: boolean } = {},
): ColumnMapping {
  const known = new Set(FIELDS[kind].map((f) => f.name));
  const firstByKey = new Map<string, string>();
  for (const header of headers) {
    const key = normalizeHeader(header);
    if (key === '') continue;
    const first = firstByKey.get(key);
    if (first !== undefined) {
      const shown = (h: string) => `\`${h.length > 60 ? `${h.slice(0, 59)}…` : h}\``;
      throw new UserError(
        'duplicate_column',
        first === header
          ? `The file has two columns named ${shown(header)}; nothing was written.`
          : `The file has two columns named ${shown(first)} and ${shown(header)} (the same name, ignoring case and punctuation); nothing was written.`,
        { hint: 'Rename or remove one of them in the file and import again.', context: { column: header } },
      );
    }
    firstByKey.set(key, header);
  }
  for (const [column, field] of map) {
    if (!known.has(field) && !(kind === 'customers' && /^[a-z][a-z0-9_]*$/.test(field))) {
      throw new UserError('invalid_map', `\`map=\` names \`${field}\`, which is not a ${kind} field.`, {
        hint: `Fields: ${[...known].join(', ')}.`,
      });
    }
    if (!firstByKey.has(column)) {
      throw new UserError('invalid_map', `\`map=\` names a column that is not in the file (${column}).`, {
        hint: `Columns found: ${headers.join(', ')}.`,
      });
    }
  }
  // A preset names every column it reads: header aliases would pick other columns of the export (Stripe's `id` as a customer).
  const lookup = options.aliases === false ? new Map<string, string>() : aliasLookup(kind);
  const fields = new Map<string, number>();
  const extras: ColumnMapping['extras'] = [];
  headers.forEach((header, index) => {
    const key = normalizeHeader(header);
    const field = map.get(key) ?? lookup.get(key);
    if (field && known.has(field)) {
      if (!fields.has(field)) fields.set(field, index);
    } else if (kind === 'customers' && key !== '') {
      const name = field ?? snakeCase(header);
      if (!extras.some((e) => e.name === name)) extras.push({ name, index, header });
    }
  });
  if (kind === 'customers') refuseOtherKind(headers, map);
  const missing = FIELDS[kind].filter((f) => f.required && !fields.has(f.name)).map((f) => f.name);
  if (kind === 'orders' && !fields.has('amount') && !(fields.has('quantity') && fields.has('unit_price'))) {
    missing.push(fields.has('quantity') ? 'unit_price' : fields.has('unit_price') ? 'quantity' : 'amount (or quantity and unit_price)');
  }
  if (missing.length) {
    const example = `${headers[0] ?? 'Column'}:${missing[0]!.split(' ')[0]}`;
    throw new UserError(
      'missing_columns',
      `The file has no ${missing.map((m) => `\`${m}\``).join(', ')} column${missing.length > 1 ? 's' : ''} for ${kind}.`,
      {
        hint: `Columns found: ${headers.map((h) => `\`${h}\``).join(', ') || '(none)'}. If one of them holds it, say so with map=, e.g. map="${example}".`,
        context: { missing, found: headers },
      },
    );
  }
  return { fields, extras, headers };
}

/**
 * Columns that only another kind of file has: a file with an order id, or a quantity, unit price or
 * an amount with an order date, is an orders file; a file with an event type and time is an events file.
 */
const OTHER_KIND_SIGNS: { kind: ImportKind; columns: string[]; match: (found: Set<string>) => boolean }[] = [
  {
    kind: 'orders',
    columns: ['order_id', 'order_date', 'amount', 'quantity', 'unit_price'],
    match: (f) => f.has('order_id') || f.has('quantity') || f.has('unit_price') || (f.has('amount') && f.has('order_date')),
  },
  { kind: 'events', columns: ['type', 'occurred_at'], match: (f) => f.has('type') && f.has('occurred_at') },
];

/**
 * A customers file must not be another kind imported by mistake: it would add every row as a
 * customer. Columns named in `map=` are what map= says, not signs of another kind.
 */
function refuseOtherKind(headers: string[], map: Map<string, string>): void {
  const own = aliasLookup('customers');
  for (const sign of OTHER_KIND_SIGNS) {
    const other = aliasLookup(sign.kind);
    const columns = new Map<string, string>();
    for (const header of headers) {
      const key = normalizeHeader(header);
      const field = other.get(key);
      if (map.has(key) || own.has(key) || !field || !sign.columns.includes(field)) continue;
      if (!columns.has(field)) columns.set(field, header);
    }
    if (!sign.match(new Set(columns.keys()))) continue;
    const named = [...columns.values()];
    throw new UserError(
      'wrong_kind',
      `This looks like an ${sign.kind} file, not a customers file: it has ${named.map((h) => `\`${h}\``).join(', ')} column${named.length > 1 ? 's' : ''}. Nothing was imported.`,
      {
        hint: `Import it with /import ${sign.kind}. If it really is a customers file, name ${named.length > 1 ? 'each of those columns' : 'that column'} as a customer field with map=, e.g. map="${named[0]}:last_${snakeCase(named[0]!)}".`,
        context: { kind: sign.kind, columns: named },
      },
    );
  }
}
