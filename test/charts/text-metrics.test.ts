import { describe, expect, it } from 'vitest';
import { chartFontFiles } from '../../src/charts/fonts.ts';
import { measureText, readFontWidths } from '../../src/charts/text-metrics.ts';

describe('readFontWidths', () => {
  const regular = readFontWidths(chartFontFiles().regular);
  const bold = readFontWidths(chartFontFiles().bold);

  it('reads DejaVu Sans advance widths from the TTF', () => {
    expect(regular.advance('M'.codePointAt(0)!)).toBeCloseTo(1767 / 2048, 3);
    expect(regular.advance('i'.codePointAt(0)!)).toBeCloseTo(569 / 2048, 3);
    expect(measureText(regular, 'ii', 10)).toBeCloseTo(2 * 10 * (569 / 2048), 3);
  });

  it('measures bold wider than regular and covers non-Latin text', () => {
    expect(measureText(bold, 'Revenue', 12)).toBeGreaterThan(measureText(regular, 'Revenue', 12));
    expect(measureText(regular, 'Выручка €', 12)).toBeGreaterThan(0);
  });
});
