import { readFileSync } from 'node:fs';
import { chartFontFiles } from './fonts.ts';

/** Advance widths of a TrueType font, in em, read from its cmap (format 4) and hmtx tables. */
export interface FontWidths {
  advance(codePoint: number): number;
}

export function readFontWidths(path: string): FontWidths {
  const buf = readFileSync(path);
  const tables = new Map<string, number>();
  const numTables = buf.readUInt16BE(4);
  for (let i = 0; i < numTables; i++) {
    const rec = 12 + i * 16;
    tables.set(buf.toString('latin1', rec, rec + 4), buf.readUInt32BE(rec + 8));
  }
  const table = (tag: string): number => {
    const offset = tables.get(tag);
    if (offset === undefined) throw new Error(`${path}: no ${tag} table`);
    return offset;
  };
  const unitsPerEm = buf.readUInt16BE(table('head') + 18);
  const numberOfHMetrics = buf.readUInt16BE(table('hhea') + 34);
  const hmtx = table('hmtx');
  const glyphAdvance = (glyph: number): number => buf.readUInt16BE(hmtx + 4 * Math.min(glyph, numberOfHMetrics - 1)) / unitsPerEm;

  const cmap = table('cmap');
  let sub = -1;
  for (let i = 0, n = buf.readUInt16BE(cmap + 2); i < n; i++) {
    const rec = cmap + 4 + i * 8;
    const platform = buf.readUInt16BE(rec);
    const encoding = buf.readUInt16BE(rec + 2);
    const offset = cmap + buf.readUInt32BE(rec + 4);
    if (((platform === 3 && encoding === 1) || platform === 0) && buf.readUInt16BE(offset) === 4) sub = offset;
  }
  if (sub < 0) throw new Error(`${path}: no format 4 cmap`);

  const widths = new Map<number, number>();
  const segCount = buf.readUInt16BE(sub + 6) / 2;
  const ends = sub + 14;
  const starts = ends + segCount * 2 + 2;
  const deltas = starts + segCount * 2;
  const rangeOffsets = deltas + segCount * 2;
  for (let s = 0; s < segCount; s++) {
    const end = buf.readUInt16BE(ends + 2 * s);
    const start = buf.readUInt16BE(starts + 2 * s);
    const delta = buf.readInt16BE(deltas + 2 * s);
    const rangeOffsetAt = rangeOffsets + 2 * s;
    const rangeOffset = buf.readUInt16BE(rangeOffsetAt);
    for (let c = start; c <= end && c !== 0xffff; c++) {
      let glyph: number;
      if (rangeOffset === 0) glyph = (c + delta) & 0xffff;
      else {
        glyph = buf.readUInt16BE(rangeOffsetAt + rangeOffset + 2 * (c - start));
        if (glyph !== 0) glyph = (glyph + delta) & 0xffff;
      }
      if (glyph !== 0) widths.set(c, glyphAdvance(glyph));
    }
  }
  const fallback = glyphAdvance(0);
  return { advance: (codePoint) => widths.get(codePoint) ?? fallback };
}

export function measureText(widths: FontWidths, text: string, fontSize: number): number {
  let em = 0;
  for (const ch of text) em += widths.advance(ch.codePointAt(0)!);
  return em * fontSize;
}

interface TextItem {
  fontSize?: number;
  limit?: number;
  fontWeight?: string | number;
}

/** vega's process-wide `textMetrics` object (vega is handed in, so this module never loads it). */
export interface VegaTextMetrics {
  width: (item: TextItem, text: string) => number;
}

let installed = false;

/**
 * Vega has no canvas under Node and estimates every glyph at 0.8 em, which pads axes and
 * truncates labels far too early. Measure with DejaVu Sans, the font resvg draws with.
 * This replaces vega's process-wide text measurer (as vl-convert does).
 */
export function installDejaVuTextMetrics(metrics: VegaTextMetrics): void {
  if (installed) return;
  const files = chartFontFiles();
  const regular = readFontWidths(files.regular);
  const bold = readFontWidths(files.bold);
  metrics.width = (item, text) => {
    const size = item.fontSize != null ? +item.fontSize || 0 : 11;
    const weight = item.fontWeight;
    const isBold = weight === 'bold' || weight === 'bolder' || (typeof weight === 'number' && weight >= 600) || Number(weight) >= 600;
    const value = text == null ? '' : String(text).trim();
    const width = measureText(isBold ? bold : regular, value, size);
    // Vega's own measurers report the width after truncation to `limit`; its truncation
    // search calls back in here, so clamp rather than truncate.
    const limit = Number(item.limit) || 0;
    return limit > 0 ? Math.min(width, limit) : width;
  };
  installed = true;
}
