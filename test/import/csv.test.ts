import { describe, expect, it } from 'vitest';
import { CSV_LIMITS, CsvParser } from '../../src/import/csv.ts';
import { ChunkDecoder, hasInvalidText, showInvalidText } from '../../src/import/text.ts';

function parseAll(text: string, chunkSize = text.length, delimiter = ','): [number, string[]][] {
  const out: [number, string[]][] = [];
  const parser = new CsvParser(delimiter, (cells, line) => out.push([line, cells]));
  for (let i = 0; i < text.length; i += chunkSize) parser.push(text.slice(i, i + chunkSize));
  parser.end();
  return out;
}

const SAMPLE = '\uFEFFid,name,note\r\n1,"Smith, Ann","said ""hi"""\r\n\r\n2,Bob,"two\nlines"\n3,5" disk,x\n4,,\n"5"';
const EXPECTED: [number, string[]][] = [
  [1, ['id', 'name', 'note']],
  [2, ['1', 'Smith, Ann', 'said "hi"']],
  [4, ['2', 'Bob', 'two\nlines']],
  [6, ['3', '5" disk', 'x']],
  [7, ['4', '', '']],
  [8, ['5']],
];

describe('CsvParser', () => {
  it('handles quotes, escaped quotes, CRLF, empty lines, a BOM and reports the line each record starts on', () => {
    expect(parseAll(SAMPLE)).toEqual(EXPECTED);
  });

  it('gives the same records whatever the chunk boundaries', () => {
    for (let size = 1; size <= 8; size++) expect(parseAll(SAMPLE, size)).toEqual(EXPECTED);
  });

  it('reads other delimiters', () => {
    expect(parseAll('a;b\n"1;2";3\n', undefined, ';')).toEqual([
      [1, ['a', 'b']],
      [2, ['1;2', '3']],
    ]);
  });

  it('names the line of a quote that is never closed', () => {
    expect(() => parseAll('a,b\n1,"open\n2,3\n')).toThrow(/quote opened on line 2 is never closed/);
  });
});

describe('CsvParser limits', () => {
  function records(text: string, chunkSize: number) {
    const out: { line: number; cells: string[]; problem: unknown }[] = [];
    const parser = new CsvParser(',', (cells, line, problem) => out.push({ line, cells, problem }));
    for (let i = 0; i < text.length; i += chunkSize) parser.push(text.slice(i, i + chunkSize));
    parser.end();
    return out;
  }
  const long = 'v'.repeat(CSV_LIMITS.fieldChars + 1);
  const text = `a,b\n1,"${long}"\n2,${long}\n3,x${',y'.repeat(CSV_LIMITS.columns)}\n4,ok\n`;

  it('gives a row over a limit its problem, whatever the chunk boundaries, and reads on', () => {
    for (const size of [7, 4096, 65_536, text.length]) {
      const out = records(text, size);
      expect(out.map((r) => r.line)).toEqual([1, 2, 3, 4, 5]);
      expect(out[1]!.problem).toEqual({ limit: 'field', column: 1, sample: 'v'.repeat(100) });
      expect(out[2]!.problem).toEqual({ limit: 'field', column: 1, sample: 'v'.repeat(100) });
      expect(out[3]!.problem).toEqual({ limit: 'columns', count: CSV_LIMITS.columns + 2 });
      expect(out[4]).toEqual({ line: 5, cells: ['4', 'ok'], problem: null });
    }
  });

  it('throws at once for a header over a limit', () => {
    expect(() => records(`${'h,'.repeat(CSV_LIMITS.columns)}h\n`, 100)).toThrow(/header row \(line 1\) has more than 1,000 columns/);
  });
});

describe('ChunkDecoder', () => {
  const decodeAll = (bytes: Buffer, encoding: 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252', size: number) => {
    const decoder = new ChunkDecoder(encoding);
    let text = '';
    for (let i = 0; i < bytes.length; i += size) text += decoder.write(bytes.subarray(i, i + size));
    return { text: text + decoder.end(), suspect: decoder.suspect };
  };
  const sample = 'id,name\n1,Zoë 😀 €\n2,日本\n';

  it('decodes UTF-8 and UTF-16 split anywhere, and finds nothing wrong in valid text', () => {
    const utf16be = Buffer.from(sample, 'utf16le').swap16();
    for (let size = 1; size <= 7; size++) {
      expect(decodeAll(Buffer.from(sample), 'utf-8', size)).toEqual({ text: sample, suspect: false });
      expect(decodeAll(Buffer.from(sample, 'utf16le'), 'utf-16le', size)).toEqual({ text: sample, suspect: false });
      expect(decodeAll(utf16be, 'utf-16be', size)).toEqual({ text: sample, suspect: false });
    }
    expect(decodeAll(Buffer.from([0x80, 0xe9]), 'windows-1252', 1)).toEqual({ text: '€é', suspect: false });
  });

  it('marks each invalid byte where it was, split anywhere', () => {
    const bytes = Buffer.concat([
      Buffer.from('a,'),
      Buffer.from([0xe9, 0xed, 0xa0, 0x80, 0xc0, 0xaf]),
      Buffer.from(',é'),
      Buffer.from([0xf0, 0x9f]),
    ]);
    for (let size = 1; size <= 7; size++) {
      const { text, suspect } = decodeAll(bytes, 'utf-8', size);
      expect(suspect).toBe(true);
      const [, bad, tail] = text.split(',');
      expect(hasInvalidText(bad!)).toBe(true);
      expect(showInvalidText(bad!)).toBe('\uFFFD'.repeat(6));
      expect(showInvalidText(tail!)).toBe('é\uFFFD\uFFFD');
      expect(hasInvalidText('é 😀 ok')).toBe(false);
    }
  });
});
