import { describe, expect, it } from 'vitest';
import { toVegaLite } from '../../src/charts/to-vega-lite.ts';

type Json = Record<string, any>;

describe('toVegaLite', () => {
  it('applies the house font, white background and fixed width', () => {
    const spec = toVegaLite({ kind: 'histogram', title: 'CLV', xTitle: 'CLV', values: [1, 2, 3] }) as Json;
    expect(spec.config.font).toBe('DejaVu Sans');
    expect(spec.config.background).toBe('white');
    expect(spec.width).toBe(600);
    expect(spec.autosize).toEqual({ type: 'fit-x', contains: 'padding' });
  });

  it('turns bar charts horizontal for many or long labels and keeps the given order', () => {
    const short = toVegaLite({
      kind: 'bar',
      title: 't',
      xTitle: 'x',
      yTitle: 'y',
      bars: [
        { label: 'A', value: 1 },
        { label: 'B', value: 2 },
      ],
    }) as Json;
    expect(short.layer[0].encoding.x.field).toBe('label');
    expect(short.layer[0].encoding.x.sort).toEqual(['A', 'B']);
    const long = toVegaLite({
      kind: 'bar',
      title: 't',
      xTitle: 'x',
      yTitle: 'y',
      bars: [{ label: 'A very long customer name', value: 1 }],
    }) as Json;
    expect(long.layer[0].encoding.y.field).toBe('label');
    const sorted = toVegaLite({
      kind: 'bar',
      title: 't',
      xTitle: 'x',
      yTitle: 'y',
      sort: 'descending',
      bars: [{ label: 'A', value: 1 }],
    }) as Json;
    expect(sorted.layer[0].encoding.x.sort).toBe('-y');
  });

  it('merges a raw spec config over the house config and overrides the title', () => {
    const spec = toVegaLite({
      kind: 'vega-lite',
      title: 'Mine',
      spec: { data: { values: [] }, mark: 'point', config: { axis: { labelFontSize: 20 } } },
    }) as Json;
    expect(spec.config.axis.labelFontSize).toBe(20);
    expect(spec.config.axis.titleFontSize).toBe(13);
    expect(spec.config.font).toBe('DejaVu Sans');
    expect(spec.title).toEqual({ text: 'Mine' });
  });
});
