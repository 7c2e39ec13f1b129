/**
 * E.164 phone numbers: `+`, a country code (not starting with 0) and the subscriber number, 8 to 15
 * digits in all. Spaces, dots, dashes and brackets as people write them are dropped, and the `00`
 * international prefix is read as `+`; a number without its country code is refused (it cannot be dialled
 * from abroad, and guessing the country would text a stranger).
 */
const E164 = /^\+[1-9]\d{7,14}$/;

/** The longest cell read as a phone number (formatting included). */
const MAX_PHONE_CHARS = 40;

export function isE164(text: string): boolean {
  return E164.test(text);
}

/** `+1 (415) 555-2671` and `0044 20 7946 0958` -> E.164; null when it is not a full international number. */
export function normalizePhone(text: string): string | null {
  if (text.length > MAX_PHONE_CHARS) return null;
  const compact = text.trim().replace(/[\s.\-()/\u00a0]/g, '');
  const international = compact.startsWith('00') ? `+${compact.slice(2)}` : compact;
  return E164.test(international) ? international : null;
}

/** The reason a cell is refused, for the rejections file. */
export const NOT_E164 = 'not an international phone number: write it in E.164, + and the country code, e.g. +14155552671';

/** `+1415…71`: enough to tell numbers apart in a log or an audit entry, not enough to text them. */
export function maskPhone(phone: string): string {
  return phone.length <= 6 ? '+…' : `${phone.slice(0, 5)}…${phone.slice(-2)}`;
}
