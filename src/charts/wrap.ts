import { chartFontFiles } from './fonts.ts';
import { measureText, readFontWidths, type FontWidths } from './text-metrics.ts';

let widths: { regular: FontWidths; bold: FontWidths } | undefined;

function fontWidths(bold: boolean): FontWidths {
  widths ??= { regular: readFontWidths(chartFontFiles().regular), bold: readFontWidths(chartFontFiles().bold) };
  return bold ? widths.bold : widths.regular;
}

/** Width of `text` in vega units as drawn in DejaVu Sans. */
export function textWidth(text: string, fontSize: number, bold = false): number {
  return measureText(fontWidths(bold), text, fontSize);
}

/**
 * Lines of `text` no wider than `maxWidth` (vega units), broken between words; a line break in the
 * text is kept. A single word wider than `maxWidth` gets a line of its own: a label is never cut.
 */
export function wrapLines(text: string, maxWidth: number, fontSize: number, bold = false): string[] {
  const lines: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    for (const word of paragraph.split(/\s+/).filter(Boolean)) {
      const candidate = line ? `${line} ${word}` : word;
      if (line && textWidth(candidate, fontSize, bold) > maxWidth) {
        lines.push(line);
        line = word;
      } else line = candidate;
    }
    lines.push(line);
  }
  return lines;
}

/** `text` wrapped into lines joined by "\n", for an axis whose labelExpr splits on it. */
export function wrapLabel(text: string, maxWidth: number, fontSize = 12): string {
  return wrapLines(text, maxWidth, fontSize).join('\n');
}

/** Width of the widest line of a wrapped label. */
export function labelWidth(label: string, fontSize = 12): number {
  return Math.max(0, ...label.split('\n').map((line) => textWidth(line, fontSize)));
}
