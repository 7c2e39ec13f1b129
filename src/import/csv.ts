import { UserError } from '../core/errors.ts';

const QUOTE = 34;
const LF = 10;
const CR = 13;

/**
 * A streaming CSV parser (RFC 4180 plus the usual leniency: a quote inside an unquoted field
 * is kept as text, rows may have more or fewer cells, empty lines are skipped). Text goes in
 * by chunks; each record comes out with the line it starts on. Much faster than a general
 * parser because it slices runs of plain text instead of walking them character by character.
 */
export class CsvParser {
  #field = '';
  #row: string[] = [];
  #inQuotes = false;
  #quotePending = false;
  #crPending = false;
  #atFieldStart = true;
  #line = 1;
  #rowLine = 1;
  #quoteLine = 1;
  #started = false;
  readonly #delimiter: number;

  constructor(
    delimiter: string,
    private readonly onRecord: (cells: string[], line: number) => void,
  ) {
    this.#delimiter = delimiter.charCodeAt(0);
  }

  push(text: string): void {
    let i = 0;
    const n = text.length;
    if (!this.#started && n > 0) {
      this.#started = true;
      if (text.charCodeAt(0) === 0xfeff) i = 1;
    }
    if (this.#crPending && i < n) {
      this.#crPending = false;
      if (text.charCodeAt(i) === LF) i++;
    }
    if (this.#quotePending && i < n) {
      this.#quotePending = false;
      if (text.charCodeAt(i) === QUOTE) {
        this.#field += '"';
        i++;
      } else {
        this.#inQuotes = false;
      }
    }
    const delimiter = this.#delimiter;
    while (i < n) {
      if (this.#inQuotes) {
        const q = text.indexOf('"', i);
        const end = q === -1 ? n : q;
        for (let k = text.indexOf('\n', i); k !== -1 && k < end; k = text.indexOf('\n', k + 1)) this.#line++;
        this.#field += text.slice(i, end);
        if (q === -1) return;
        if (q + 1 >= n) {
          this.#quotePending = true;
          return;
        }
        if (text.charCodeAt(q + 1) === QUOTE) {
          this.#field += '"';
          i = q + 2;
        } else {
          this.#inQuotes = false;
          i = q + 1;
        }
        continue;
      }
      if (this.#atFieldStart && text.charCodeAt(i) === QUOTE) {
        this.#inQuotes = true;
        this.#atFieldStart = false;
        this.#quoteLine = this.#line;
        i++;
        continue;
      }
      let j = i;
      let c = 0;
      while (j < n) {
        c = text.charCodeAt(j);
        if (c === delimiter || c === LF || c === CR) break;
        j++;
      }
      if (j > i) {
        this.#field = this.#field === '' ? text.slice(i, j) : this.#field + text.slice(i, j);
        this.#atFieldStart = false;
      }
      if (j >= n) return;
      if (c === delimiter) {
        this.#row.push(this.#field);
        this.#field = '';
        this.#atFieldStart = true;
        i = j + 1;
        continue;
      }
      this.#endRecord();
      this.#line++;
      this.#rowLine = this.#line;
      if (c === CR) {
        if (j + 1 >= n) {
          this.#crPending = true;
          return;
        }
        i = text.charCodeAt(j + 1) === LF ? j + 2 : j + 1;
      } else {
        i = j + 1;
      }
    }
  }

  /** Flushes the last record; an unclosed quote is an error naming the line it opened on. */
  end(): void {
    if (this.#quotePending) {
      this.#quotePending = false;
      this.#inQuotes = false;
    }
    if (this.#inQuotes) {
      throw new UserError('invalid_csv', `The file is not valid CSV: the quote opened on line ${this.#quoteLine} is never closed.`, {
        hint: 'Fix the quoting and import again; nothing was written.',
      });
    }
    this.#endRecord();
  }

  #endRecord(): void {
    const row = this.#row;
    const empty = row.length === 0 && this.#field === '' && this.#atFieldStart;
    if (!empty) {
      row.push(this.#field);
      this.onRecord(row, this.#rowLine);
      this.#row = [];
    }
    this.#field = '';
    this.#atFieldStart = true;
  }
}
