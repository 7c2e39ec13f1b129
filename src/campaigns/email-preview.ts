import type { Kysely } from 'kysely';
import type { Config } from '../config/config.ts';
import { UserError } from '../core/errors.ts';
import { formatCount } from '../core/format.ts';
import type { View } from '../core/reply.ts';
import type { Database } from '../store/schema.ts';
import { emailContent } from './delivery/email-content.ts';
import { mergeField } from './merge/fields.ts';
import { personalizer } from './merge/resolve.ts';
import type { TemplatePart } from './merge/template.ts';
import { smsBody } from './delivery/sms.ts';
import { countSegments } from '../sms/segments.ts';
import { smsSizeText } from './views.ts';

export interface DraftContent {
  name: string;
  subject: string | null;
  message: string | null;
  channel: string;
  /** The campaign's target as stored (a segment, `all`, or `audience:…`): `{{segment}}` depends on it. */
  segment: string;
  segmentName: string;
}

/** Someone to fill the merge fields with: the first member of the audience with a name, else a stand-in. */
async function sampleCustomer(db: Kysely<Database>, memberIds: string[]): Promise<{ id: string; name: string | null }> {
  for (let i = 0; i < memberIds.length && i < 500; i += 100) {
    const row = await db
      .selectFrom('customers')
      .select(['customer_id', 'name'])
      .where('customer_id', 'in', memberIds.slice(i, i + 100))
      .where('name', 'is not', null)
      .orderBy('customer_id')
      .executeTakeFirst();
    if (row) return { id: row.customer_id, name: row.name };
  }
  return { id: memberIds[0] ?? 'C-SAMPLE', name: memberIds.length ? null : 'Alex Sample' };
}

async function namedCustomer(db: Kysely<Database>, customerId: string): Promise<{ id: string; name: string | null }> {
  const row = await db.selectFrom('customers').select(['customer_id', 'name']).where('customer_id', '=', customerId).executeTakeFirst();
  if (!row)
    throw new UserError('customer_not_found', `No customer \`${customerId}\`.`, {
      hint: 'Give a customer id as imported, e.g. customer=C1042.',
    });
  return { id: row.customer_id, name: row.name };
}

/** The fallbacks a field shows where the templates use it: each place's own, else the field's default. */
function fallbacksOf(field: string, parts: TemplatePart[]): string {
  const used = parts.flatMap((p) => ('field' in p && p.field === field ? [p.fallback ?? mergeField(field).fallback] : []));
  return [...new Set(used)].map((text) => `“${text}”`).join(' or ');
}

/** The unsubscribe link as the sample customer's email will carry it (the campaign id and token are set when it is sent). */
function sampleLink(config: Config, customerId: string): string {
  if (!config.UNSUBSCRIBE_URL) return '(a personal unsubscribe link, once UNSUBSCRIBE_URL is set)';
  const url = new URL(config.UNSUBSCRIBE_URL);
  url.searchParams.set('campaign', 'NEW');
  url.searchParams.set('customer', customerId);
  url.searchParams.set('token', 'SIGNED-WHEN-SENT');
  return url.toString();
}

/** An SMS campaign's text as every recipient gets it, with its segments. */
function smsPreview(draft: DraftContent, memberIds: string[]): View {
  const body = smsBody(draft);
  return {
    title: `Preview of “${draft.name}”`,
    fields: [
      { label: 'Audience', value: `${formatCount(memberIds.length)} in ${draft.segmentName} before SMS consent and holdout` },
      { label: 'SMS', value: smsSizeText(countSegments(body)) },
    ],
    text: body,
    notes: [
      'Check the text, then Save to create the draft; nothing is sent until it is approved and launched.',
      ...(draft.message?.trim() ? [] : ['The message is empty: an SMS campaign cannot be submitted without one.']),
    ],
    ephemeral: true,
  };
}

/**
 * A campaign's email as one recipient would read it: a sample member of the audience (or `customerId`), its
 * merge fields filled from their data as of `asOf`, and which fields fall back for them.
 */
export async function emailPreview(
  db: Kysely<Database>,
  config: Config,
  draft: DraftContent,
  memberIds: string[],
  options: { asOf: string; customerId?: string; saved?: boolean },
): Promise<View> {
  if (draft.channel === 'sms') return smsPreview(draft, memberIds);
  const sample = options.customerId ? await namedCustomer(db, options.customerId) : await sampleCustomer(db, memberIds);
  const personal = personalizer({ db, segment: draft.segment, asOf: options.asOf, zone: config.BUSINESS_TZ }, draft);
  const values = (await personal.values([{ customer_id: sample.id, name: sample.name }])).get(sample.id)!;
  const content = emailContent(draft, { name: sample.name, fields: values }, sampleLink(config, sample.id));
  const missing = [...personal.fields].filter((f) => values[f] === null || (Array.isArray(values[f]) && values[f].length === 0));
  const notes = [
    options.saved
      ? 'Only you see this preview; the email also has an HTML part with the same content, every value escaped.'
      : 'Check the email, then Save to create the draft; nothing is sent until it is approved and launched.',
    ...(missing.length
      ? [
          `No value for this customer, so the fallback is shown: ${missing.map((f) => `\`{{${f}}}\` → ${fallbacksOf(f, [...personal.message, ...(personal.subject ?? [])])}`).join(', ')}.`,
        ]
      : []),
    ...(draft.message ? [] : ['The message is empty: only the greeting and the unsubscribe link would be sent.']),
    ...(draft.channel === 'email' ? [] : [`The ${draft.channel} channel sends no email; this is the text it carries.`]),
  ];
  return {
    title: `Preview of “${draft.name}”`,
    fields: [
      {
        label: 'To',
        value: `${sample.name ?? 'a customer with no name on file'} (customer ${sample.id}), ${options.customerId ? 'as asked' : `a sample from ${draft.segmentName}`}`,
      },
      { label: 'Audience', value: `${formatCount(memberIds.length)} in ${draft.segmentName} before consent and holdout` },
    ],
    text: `Subject: ${content.subject}\n\n${content.text}`,
    notes,
    ephemeral: true,
  };
}
