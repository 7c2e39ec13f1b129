import { readFileSync } from 'node:fs';
import { cleanText, escapeHtml, renderHtml, renderSubject, renderText, type FieldValues } from '../merge/render.ts';
import { parseTemplate, type TemplatePart } from '../merge/template.ts';

export interface EmailContent {
  subject: string;
  text: string;
  html: string;
}

let page: string | undefined;

/** The HTML part's page (email.html beside this file): `{{subject}}`, `{{body}}` and `{{unsubscribe}}` are filled in. */
function htmlPage(): string {
  page ??= readFileSync(new URL('./email.html', import.meta.url), 'utf8');
  return page;
}

/**
 * A template as parts; one that does not parse (written before merge fields were checked) is sent as it
 * was written, braces and all, rather than not at all.
 */
function partsOf(template: string, where: string): TemplatePart[] {
  try {
    return parseTemplate(template, where);
  } catch {
    return [{ text: template }];
  }
}

/**
 * What one recipient receives: the subject, a text part and an HTML part, with their merge fields filled
 * in (values escaped in the HTML, fallbacks where a value is missing) and their unsubscribe link. A
 * message without merge fields opens with "Hi <name>," as before merge fields existed.
 */
export function emailContent(
  campaign: { subject: string | null; name: string; message: string | null },
  recipient: { name: string | null | undefined; fields?: FieldValues },
  link: string,
): EmailContent {
  const values = recipient.fields ?? {};
  const message = partsOf(campaign.message ?? '', 'message');
  const subject = renderSubject(partsOf(campaign.subject ?? campaign.name, 'subject'), values) || cleanText(campaign.name, 200)!;
  const name = message.some((p) => 'field' in p) ? null : cleanText(recipient.name, 80);
  const text = `${name ? `Hi ${name},\n\n` : ''}${renderText(message, values)}\n\n--\nUnsubscribe: ${link}\n`;
  const body = `${name ? `Hi ${escapeHtml(name)},<br>\n<br>\n` : ''}${renderHtml(message, values)}`;
  const slots: Record<string, string> = { subject: escapeHtml(subject), body, unsubscribe: escapeHtml(link) };
  // one pass over the page: a value that looks like a slot is not filled in again
  const html = htmlPage().replace(/\{\{(subject|body|unsubscribe)\}\}/g, (_, slot: string) => slots[slot]!);
  return { subject, text, html };
}
