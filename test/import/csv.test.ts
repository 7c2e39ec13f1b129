import { describe, expect, it } from 'vitest';
import { CsvParser } from '../../src/import/csv.ts';

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
