import { countOf } from '../core/format.ts';

/**
 * SMS segments as carriers count them. GSM-7 (the GSM 03.38 basic set; its extension characters take
 * two septets, an escape and the character): 160 septets in one message, 153 per part of a longer one.
 * Anything else is sent as UCS-2: 70 UTF-16 units in one message, 67 per part. A part never splits an
 * escape pair or a surrogate pair (an emoji), so such a character that does not fit moves to the next part.
 */

const GSM_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM_EXTENSION = '^{}\\[~]|€\f';

const BASIC = new Set(GSM_BASIC);
const EXTENSION = new Set(GSM_EXTENSION);

export type SmsEncoding = 'GSM-7' | 'UCS-2';

export interface SegmentCount {
  encoding: SmsEncoding;
  /** Characters (code points: an emoji is one). */
  characters: number;
  /** What the message takes: septets (GSM-7) or UTF-16 units (UCS-2). */
  units: number;
  segments: number;
  /** Room in one message, and in each part of a longer one. */
  singleLimit: number;
  partLimit: number;
}

export const LIMITS: Record<SmsEncoding, { single: number; part: number }> = {
  'GSM-7': { single: 160, part: 153 },
  'UCS-2': { single: 70, part: 67 },
};

/** Whether every character is in the GSM-7 basic set or its extension. */
export function isGsm7(text: string): boolean {
  for (const ch of text) if (!BASIC.has(ch) && !EXTENSION.has(ch)) return false;
  return true;
}

/** How many segments `text` is sent as, and in which encoding. */
export function countSegments(text: string): SegmentCount {
  const encoding: SmsEncoding = isGsm7(text) ? 'GSM-7' : 'UCS-2';
  const { single, part } = LIMITS[encoding];
  // the width of each character in the encoding's units
  const widths = [...text].map((ch) => (encoding === 'GSM-7' ? (EXTENSION.has(ch) ? 2 : 1) : ch.length));
  const units = widths.reduce((a, b) => a + b, 0);
  const base = { encoding, characters: widths.length, units, singleLimit: single, partLimit: part };
  if (units === 0) return { ...base, segments: 0 };
  if (units <= single) return { ...base, segments: 1 };
  let segments = 1;
  let used = 0;
  for (const width of widths) {
    if (used + width > part) {
      segments++;
      used = 0;
    }
    used += width;
  }
  return { ...base, segments };
}

/** `2 segments (GSM-7, 170 characters)` */
export function segmentsText(count: SegmentCount): string {
  return `${countOf(count.segments, 'segment')} (${count.encoding}, ${countOf(count.characters, 'character')})`;
}
