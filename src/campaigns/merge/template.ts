import { UserError } from '../../core/errors.ts';
import { findByName, nameKey } from '../../core/names.ts';
import { nearestFew } from '../../core/suggest.ts';
import { FIELD_NAMES } from './fields.ts';

/** A message or subject as parts: text as written, and merge fields with the template's own fallback if any. */
export type TemplatePart = { text: string } | { field: string; fallback: string | null };

const FIELD = /\{\{([^{}]*)\}\}/g;
export const MAX_FALLBACK = 100;

const list = () => FIELD_NAMES.map((name) => `\`{{${name}}}\``).join(', ');
const usage = () => `Merge fields: ${list()}; give a fallback for a missing value after a bar, e.g. \`{{first_name|there}}\`.`;

function refuse(where: string, message: string): UserError {
  return new UserError('bad_merge_field', `${message} (in the ${where}).`, { hint: usage(), context: { field: where } });
}

/** `{{ first_name | there }}` -> { field: 'first_name', fallback: 'there' }; names match forgivingly (`{{First Name}}`). */
function fieldPart(inside: string, where: string): TemplatePart {
  const bar = inside.indexOf('|');
  const typed = (bar < 0 ? inside : inside.slice(0, bar)).trim();
  const fallback = bar < 0 ? null : inside.slice(bar + 1).trim();
  const name = findByName(typed, FIELD_NAMES, (n) => n);
  if (!name) {
    const near = nearestFew(typed, FIELD_NAMES, 1, nameKey);
    throw refuse(
      where,
      typed
        ? `Unknown merge field \`{{${typed}}}\`.${near.length ? ` Did you mean \`{{${near[0]}}}\`?` : ''}`
        : 'An empty merge field `{{}}`',
    );
  }
  if (fallback !== null && (fallback.length > MAX_FALLBACK || /[\r\n]/.test(fallback)))
    throw refuse(where, `The fallback of \`{{${name}}}\` must be one line of at most ${MAX_FALLBACK} characters`);
  return { field: name, fallback: fallback === '' ? null : fallback };
}

/** Splits a template into parts, refusing unknown fields and braces left open; `where` names it in errors. */
export function parseTemplate(template: string, where = 'message'): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let at = 0;
  for (const match of template.matchAll(FIELD)) {
    if (match.index > at) parts.push({ text: template.slice(at, match.index) });
    parts.push(fieldPart(match[1]!, where));
    at = match.index + match[0].length;
  }
  if (at < template.length) parts.push({ text: template.slice(at) });
  const open = parts.find((p) => 'text' in p && p.text.includes('{{'));
  if (open) throw refuse(where, 'A `{{` is not closed by `}}`');
  return parts;
}

/** The fields a set of parts uses. */
export function fieldsOf(...templates: TemplatePart[][]): Set<string> {
  return new Set(templates.flat().flatMap((p) => ('field' in p ? [p.field] : [])));
}

/** Checks a campaign's message and subject at create and edit time (an unknown field names the valid ones). */
export function checkTemplates(content: { message?: string | null; subject?: string | null; channel?: string | null }): void {
  const message = content.message ? parseTemplate(content.message, 'message') : [];
  if (content.subject) parseTemplate(content.subject, 'subject');
  // one text for everyone: its segments and cost are counted once, and a resend after a crash is found by its body
  if (content.channel === 'sms' && fieldsOf(message).size > 0)
    throw new UserError('merge_fields_sms', 'An SMS campaign sends the same text to everyone, so it cannot use merge fields.', {
      hint: 'Remove the `{{…}}` fields from the message, or send it by email (channel=email), where merge fields work.',
      context: { field: 'message' },
    });
}
