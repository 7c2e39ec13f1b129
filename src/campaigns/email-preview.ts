import type { Kysely } from 'kysely';
import type { Config } from '../config/config.ts';
import { formatCount } from '../core/format.ts';
import type { View } from '../core/reply.ts';
import type { Database } from '../store/schema.ts';
import { emailContent } from './delivery/email.ts';
import { smsBody } from './delivery/sms.ts';
import { countSegments } from '../sms/segments.ts';
import { smsSizeText } from './views.ts';

export interface DraftContent {
  name: string;
  subject: string | null;
  message: string | null;
  channel: string;
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

/** A campaign's email (or SMS) as one sample recipient would read it, before the draft is saved. */
export async function emailPreview(db: Kysely<Database>, config: Config, draft: DraftContent, memberIds: string[]): Promise<View> {
  if (draft.channel === 'sms') return smsPreview(draft, memberIds);
  const sample = await sampleCustomer(db, memberIds);
  const content = emailContent(
    { name: draft.name, subject: draft.subject, message: draft.message },
    sample.name,
    sampleLink(config, sample.id),
  );
  const notes = [
    'Check the email, then Save to create the draft; nothing is sent until it is approved and launched.',
    ...(draft.message ? [] : ['The message is empty: only the greeting and the unsubscribe link would be sent.']),
    ...(draft.channel === 'email' ? [] : [`The ${draft.channel} channel sends no email; this is the text it carries.`]),
  ];
  return {
    title: `Preview of “${draft.name}”`,
    fields: [
      {
        label: 'To',
        value: `${sample.name ?? 'a customer with no name on file'} (customer ${sample.id}), a sample from ${draft.segmentName}`,
      },
      { label: 'Audience', value: `${formatCount(memberIds.length)} in ${draft.segmentName} before consent and holdout` },
    ],
    text: `Subject: ${content.subject}\n\n${content.text}`,
    notes,
    ephemeral: true,
  };
}
