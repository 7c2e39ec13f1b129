import { mergeField } from './fields.ts';
import type { RecommendedProduct } from './recommended-products.ts';
import type { TemplatePart } from './template.ts';

/** A customer's value of a field as resolved (untrusted: customers' data): text, a list, or null when missing. */
export type FieldValue = string | RecommendedProduct[] | null;
export type FieldValues = Record<string, FieldValue>;

export const MAX_SUBJECT = 200;
const MAX_URL = 2000;
const MAX_ITEMS = 5;

// control characters, line and paragraph separators, and bidirectional overrides (they reorder what is shown)
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** One line of at most `max` characters (cut with "…"), control characters and runs of spaces folded; null when empty. */
export function cleanText(value: string | null | undefined, max: number): string | null {
  if (typeof value !== 'string') return null;
  const text = value.replace(UNSAFE, ' ').replace(/\s+/g, ' ').trim();
  if (!text) return null;
  const chars = Array.from(text);
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : text;
}

/** An http(s) link as a URL parser writes it, or null (javascript:, data:, relative, too long). */
export function safeUrl(value: unknown): string | null {
  if (typeof value !== 'string' || value.length > MAX_URL) return null;
  try {
    const url = new URL(value.trim());
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : null;
  } catch {
    return null;
  }
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

type Item = { name: string; url: string | null };
type Clean = { text: string } | { items: Item[] };

/** A field's value made safe and bounded, or its fallback (the template's own, else the field's default). */
function valueOf(part: { field: string; fallback: string | null }, values: FieldValues): Clean {
  const field = mergeField(part.field);
  const raw = values[part.field];
  if (field.kind === 'list' && Array.isArray(raw)) {
    const items = raw
      .slice(0, MAX_ITEMS)
      .map((p) => ({ name: cleanText(p?.name, field.maxLength), url: safeUrl(p?.url) }))
      .filter((p): p is Item => p.name !== null);
    if (items.length) return { items };
  } else if (field.kind === 'text') {
    const text = cleanText(raw as string | null, field.maxLength);
    if (text) return { text };
  }
  return { text: cleanText(part.fallback, 200) ?? field.fallback };
}

/** The plain-text part: values as they are, a list as lines `- name: link` of their own. */
export function renderText(parts: TemplatePart[], values: FieldValues): string {
  let out = '';
  parts.forEach((part, i) => {
    if ('text' in part) {
      out += part.text;
      return;
    }
    const value = valueOf(part, values);
    if ('text' in value) {
      out += value.text;
      return;
    }
    const next = parts[i + 1];
    const lines = value.items.map((p) => `- ${p.name}${p.url ? `: ${p.url}` : ''}`).join('\n');
    out += `${out === '' || out.endsWith('\n') ? '' : '\n'}${lines}${next && !('text' in next && next.text.startsWith('\n')) ? '\n' : ''}`;
  });
  return out;
}

/** The HTML part's body: the template's text and every value escaped, line breaks kept, a list as linked items. */
export function renderHtml(parts: TemplatePart[], values: FieldValues): string {
  return parts
    .map((part) => {
      if ('text' in part) return escapeHtml(part.text).replace(/\r?\n/g, '<br>\n');
      const value = valueOf(part, values);
      if ('text' in value) return escapeHtml(value.text);
      const items = value.items.map(
        (p) => `<li>${p.url ? `<a href="${escapeHtml(p.url)}">${escapeHtml(p.name)}</a>` : escapeHtml(p.name)}</li>`,
      );
      return `\n<ul>\n${items.join('\n')}\n</ul>\n`;
    })
    .join('');
}

/** A subject: one line (nothing a header could be split on), a list as its names, at most MAX_SUBJECT characters. */
export function renderSubject(parts: TemplatePart[], values: FieldValues): string {
  const text = parts
    .map((part) => {
      if ('text' in part) return part.text;
      const value = valueOf(part, values);
      return 'text' in value ? value.text : value.items.map((p) => p.name).join(', ');
    })
    .join('');
  return cleanText(text, MAX_SUBJECT) ?? '';
}

/**
 * Each field the parts use, as a webhook carries it: text (the template's fallback, else the default, when
 * missing), a list as `{ name, url }` items (empty when none).
 */
export function renderedFields(
  parts: TemplatePart[],
  values: FieldValues,
): Record<string, string | { name: string; url: string | null }[]> {
  const out: Record<string, string | { name: string; url: string | null }[]> = {};
  for (const part of parts) {
    if (!('field' in part) || part.field in out) continue;
    const value = valueOf(part, values);
    out[part.field] = 'items' in value ? value.items : mergeField(part.field).kind === 'list' ? [] : value.text;
  }
  return out;
}
