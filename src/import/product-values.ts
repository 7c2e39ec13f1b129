import { parseBoolean } from './values.ts';

/** Product names and categories from files are shown in chat: one line, at most this long. */
export const MAX_PRODUCT_NAME_CHARS = 200;
export const MAX_CATEGORY_CHARS = 100;
export const MAX_URL_CHARS = 2048;

/** Text as one line (runs of whitespace and control characters become one space), cut to `max` with an ellipsis. */
export function oneLine(text: string, max: number): string | null {
  const line = text.replace(/[\s\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').trim();
  if (line === '') return null;
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

const ACTIVE_WORDS = new Set(['active', 'available', 'published', 'enabled', 'in stock', 'live']);
const INACTIVE_WORDS = new Set(['inactive', 'archived', 'draft', 'disabled', 'discontinued', 'unavailable', 'out of stock', 'hidden']);

/** Whether a product may be recommended: yes/no words, or a status such as active, archived, draft. */
export function parseActive(text: string): boolean | null {
  const word = text.trim().toLowerCase();
  if (ACTIVE_WORDS.has(word)) return true;
  if (INACTIVE_WORDS.has(word)) return false;
  return parseBoolean(word);
}

/** An absolute http(s) URL, or null when the text is not one. */
export function httpUrl(text: string): string | null {
  if (text.length > MAX_URL_CHARS || /\s/.test(text)) return null;
  try {
    const url = new URL(text);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : null;
  } catch {
    return null;
  }
}
