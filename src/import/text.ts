import { isUtf8 } from 'node:buffer';
import { TextDecoder } from 'node:util';

/** What `encoding=` accepts; a UTF-8 or UTF-16 byte order mark overrides it. */
export const ENCODING_OPTIONS = ['utf-8', 'latin1', 'windows-1252', 'utf-16'] as const;
export type EncodingOption = (typeof ENCODING_OPTIONS)[number];

/** How the bytes are decoded. latin1 is read as windows-1252, its superset, as browsers do. */
export type Encoding = 'utf-8' | 'windows-1252' | 'utf-16le' | 'utf-16be';

export const ENCODING_NAMES: Record<Encoding, string> = {
  'utf-8': 'UTF-8',
  'windows-1252': 'windows-1252',
  'utf-16le': 'UTF-16',
  'utf-16be': 'UTF-16',
};

/**
 * Stands for a byte that is not valid in the encoding. Decoding valid text never yields a lone
 * surrogate, so a cell holding one came from bad bytes; so did a NUL (no store keeps it as text).
 */
const INVALID_MARK = '\uDFFF';
const INVALID_TEXT = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]|\0/;
const INVALID_TEXT_ALL = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]|\0/g;

export function hasInvalidText(text: string): boolean {
  return INVALID_TEXT.test(text);
}

/** A cell with bad bytes as chat and the rejections file may show it: each one as U+FFFD. */
export function showInvalidText(text: string): string {
  return text.replace(INVALID_TEXT_ALL, '\uFFFD');
}

/** The encoding a byte order mark announces, if any. */
export function encodingFromBom(head: Buffer): Encoding | null {
  if (head.length >= 3 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return 'utf-8';
  if (head.length >= 2 && head[0] === 0xff && head[1] === 0xfe) return 'utf-16le';
  if (head.length >= 2 && head[0] === 0xfe && head[1] === 0xff) return 'utf-16be';
  return null;
}

export function resolveEncoding(option: EncodingOption | undefined, head: Buffer): Encoding {
  const bom = encodingFromBom(head);
  if (bom) return bom;
  if (option === 'utf-16') return 'utf-16le';
  if (option === 'latin1' || option === 'windows-1252') return 'windows-1252';
  return 'utf-8';
}

/** Bytes of a UTF-8 sequence starting with `lead`, 0 when `lead` cannot start one. */
function utf8Length(lead: number): number {
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}

/** Length of the valid UTF-8 sequence at `i` (its bytes all present), or 0. */
function validSequence(bytes: Buffer, i: number): number {
  const lead = bytes[i]!;
  const length = utf8Length(lead);
  if (length === 0 || i + length > bytes.length) return 0;
  const second = bytes[i + 1]!;
  const low = lead === 0xe0 ? 0xa0 : lead === 0xf0 ? 0x90 : 0x80;
  const high = lead === 0xed ? 0x9f : lead === 0xf4 ? 0x8f : 0xbf;
  if (second < low || second > high) return 0;
  for (let k = 2; k < length; k++) if ((bytes[i + k]! & 0xc0) !== 0x80) return 0;
  return length;
}

/** Decodes UTF-8, each invalid byte becoming INVALID_MARK (the slow path, for chunks that are not valid). */
function decodeMarked(bytes: Buffer): string {
  let text = '';
  let start = 0;
  let i = 0;
  while (i < bytes.length) {
    if (bytes[i]! < 0x80) {
      i++;
      continue;
    }
    const length = validSequence(bytes, i);
    if (length) {
      i += length;
      continue;
    }
    text += bytes.toString('utf8', start, i) + INVALID_MARK;
    i++;
    start = i;
  }
  return text + bytes.toString('utf8', start);
}

/** Where a chunk's trailing incomplete UTF-8 sequence starts (the chunk's length when there is none). */
function completeUpTo(bytes: Buffer): number {
  for (let k = 1; k <= 3 && k <= bytes.length; k++) {
    const byte = bytes[bytes.length - k]!;
    if (byte < 0x80) return bytes.length;
    if (byte >= 0xc0) return utf8Length(byte) > k ? bytes.length - k : bytes.length;
  }
  return bytes.length;
}

/**
 * Decodes a byte stream chunk by chunk. Bytes that are not valid text become a mark that
 * hasInvalidText finds; `suspect` turns true at the first chunk holding one (or a NUL), so
 * clean files never pay for the check.
 */
export class ChunkDecoder {
  suspect = false;
  #carry: Buffer = Buffer.alloc(0);
  readonly #latin: TextDecoder | null;

  constructor(readonly encoding: Encoding) {
    this.#latin = encoding === 'windows-1252' ? new TextDecoder('windows-1252') : null;
  }

  write(chunk: Buffer): string {
    if (this.#latin) return this.#check(this.#latin.decode(chunk, { stream: true }));
    const bytes = this.#carry.length ? Buffer.concat([this.#carry, chunk]) : chunk;
    if (this.encoding === 'utf-8') {
      const end = completeUpTo(bytes);
      this.#carry = Buffer.from(bytes.subarray(end));
      const body = bytes.subarray(0, end);
      if (isUtf8(body)) return this.#check(body.toString('utf8'));
      this.suspect = true;
      return decodeMarked(body);
    }
    let end = bytes.length - (bytes.length % 2);
    // A high surrogate at the end waits for its pair in the next chunk.
    if (end >= 2) {
      const last = this.encoding === 'utf-16le' ? bytes.readUInt16LE(end - 2) : bytes.readUInt16BE(end - 2);
      if (last >= 0xd800 && last <= 0xdbff) end -= 2;
    }
    this.#carry = Buffer.from(bytes.subarray(end));
    return this.#check(this.#utf16(bytes.subarray(0, end)));
  }

  /** What is left at the end: an incomplete sequence is invalid text. */
  end(): string {
    if (this.#latin) return this.#check(this.#latin.decode());
    const rest = this.#carry;
    this.#carry = Buffer.alloc(0);
    if (rest.length === 0) return '';
    this.suspect = true;
    if (this.encoding === 'utf-8') return decodeMarked(rest);
    const whole = rest.subarray(0, rest.length - (rest.length % 2));
    return this.#utf16(whole) + (rest.length % 2 ? INVALID_MARK : '');
  }

  /** Node keeps lone surrogates of UTF-16 input as they are: hasInvalidText finds them. */
  #utf16(bytes: Buffer): string {
    if (this.encoding === 'utf-16le') return bytes.toString('utf16le');
    return Buffer.from(bytes).swap16().toString('utf16le');
  }

  #check(text: string): string {
    if (!this.suspect && (text.includes('\0') || (this.encoding !== 'utf-8' && hasInvalidText(text)))) this.suspect = true;
    return text;
  }
}
