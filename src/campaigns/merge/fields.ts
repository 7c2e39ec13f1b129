/**
 * The merge fields a campaign's message and subject may use. Each has a documented default fallback, used
 * when a customer has no value and the template gives none (`{{first_name|friend}}` gives its own): a
 * message never shows an empty or "undefined" value.
 */
export interface MergeField {
  name: string;
  /** 'list': several items (a list in the email, names in a subject, an array in a webhook). */
  kind: 'text' | 'list';
  /** The longest value kept (characters; a list: per item name), longer values are cut with "…". */
  maxLength: number;
  fallback: string;
  description: string;
}

/** How many products `{{recommended_products}}` shows. */
export const RECOMMENDED_COUNT = 3;
/** clv_band: the top share of valued customers called high, and the next share called medium (the rest: low). */
export const CLV_BANDS = { high: 0.2, medium: 0.3 } as const;

export const MERGE_FIELDS: readonly MergeField[] = [
  {
    name: 'first_name',
    kind: 'text',
    maxLength: 40,
    fallback: 'there',
    description: "the first word of the customer's name",
  },
  {
    name: 'recommended_products',
    kind: 'list',
    maxLength: 100,
    fallback: 'our latest products',
    description: `up to ${RECOMMENDED_COUNT} products recommended to the customer, with links`,
  },
  {
    name: 'segment',
    kind: 'text',
    maxLength: 60,
    fallback: 'valued customers',
    description: "the campaign's segment; for a predicted audience or all customers, the customer's segment in the latest /segment run",
  },
  {
    name: 'clv_band',
    kind: 'text',
    maxLength: 20,
    fallback: 'valued',
    description: `high (the top ${CLV_BANDS.high * 100}% by predicted 12-month CLV), medium (the next ${CLV_BANDS.medium * 100}%) or low, from the CLV model as of the day it is sent`,
  },
];

export const FIELD_NAMES: readonly string[] = MERGE_FIELDS.map((f) => f.name);

export function mergeField(name: string): MergeField {
  const field = MERGE_FIELDS.find((f) => f.name === name);
  if (!field) throw new Error(`unknown merge field ${name}`);
  return field;
}
