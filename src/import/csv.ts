import { UserError } from '../core/errors.ts';

/** Limits of one record; a data row over one is rejected alone, a header row over one is a file error. */
export const CSV_LIMITS = { fieldChars: 65_536, recordChars: 1_048_576, columns: 1000 } as const;

/** Why a record was cut short (its cells are then not to be trusted). */
export type RecordProblem =
  { limit: 'field'; column: number; sample: string } | { limit: 'record'; sample: string } | { limit: 'columns'; count: number };

/** How much of an oversized field is kept, to show in a rejection. */
const SAMPLE_CHARS = 100;

const n = (value: number) => value.toLocaleString('en-US');

/** The sentence a rejection or an error gives for a record over a limit. */
export function describeProblem(problem: RecordProblem): string {
  switch (problem.limit) {
    case 'field':
      return `value longer than ${n(CSV_LIMITS.fieldChars)} characters`;
    case 'record':
      return `row longer than ${n(CSV_LIMITS.recordChars)} characters`;
    case 'columns':
      return `more than ${n(CSV_LIMITS.columns)} columns`;
  }
}

const QUOTE = 34;
const LF = 10;
const CR = 13;

/**
 * A streaming CSV parser (RFC 4180 plus the usual leniency: a quote inside an unquoted field
 * is kept as text, rows may have more or fewer cells, empty lines are skipped). Text goes in
 * by chunks; each record comes out with the line it starts on. Much faster than a general
 * parser because it slices runs of plain text instead of walking them character by character.
 * Memory is bounded by CSV_LIMITS: past a limit the record's text is dropped (a short sample is
 * kept) and it comes out with its problem; a header row over a limit throws at once.
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
  #records = 0;
  #recordChars = 0;
  #problem: RecordProblem | null = null;
  /** Cells of a record over a limit, counted rather than kept. */
  #fieldCount = 0;
  readonly #delimiter: number;

  constructor(
    delimiter: string,
    private readonly onRecord: (cells: string[], line: number, problem: RecordProblem | null) => void,
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
        this.#append('"');
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
        if (end > i) this.#append(text.slice(i, end));
        if (q === -1) return;
        if (q + 1 >= n) {
          this.#quotePending = true;
          return;
        }
        if (text.charCodeAt(q + 1) === QUOTE) {
          this.#append('"');
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
        this.#append(text.slice(i, j));
        this.#atFieldStart = false;
      }
      if (j >= n) return;
      if (c === delimiter) {
        this.#endField();
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

  #append(text: string): void {
    this.#recordChars += text.length;
    if (this.#problem) return;
    if (this.#recordChars > CSV_LIMITS.recordChars) {
      this.#fail({ limit: 'record', sample: (this.#row[0] ?? this.#field).slice(0, SAMPLE_CHARS) });
    } else if (this.#field.length + text.length > CSV_LIMITS.fieldChars) {
      this.#fail({ limit: 'field', column: this.#row.length, sample: (this.#field + text.slice(0, SAMPLE_CHARS)).slice(0, SAMPLE_CHARS) });
    } else {
      this.#field = this.#field === '' ? text : this.#field + text;
    }
  }

  #endField(): void {
    if (!this.#problem && this.#row.length + 1 >= CSV_LIMITS.columns) this.#fail({ limit: 'columns', count: this.#row.length + 2 });
    if (this.#problem) {
      this.#fieldCount++;
    } else {
      this.#row.push(this.#field);
    }
    this.#field = '';
    this.#atFieldStart = true;
  }

  /** Drops the record's text (keeping its problem); the first record, the header, is the file's structure: an error at once. */
  #fail(problem: RecordProblem): void {
    if (this.#records === 0) {
      const what =
        problem.limit === 'field'
          ? `a column name longer than ${n(CSV_LIMITS.fieldChars)} characters`
          : problem.limit === 'record'
            ? `more than ${n(CSV_LIMITS.recordChars)} characters`
            : `more than ${n(CSV_LIMITS.columns)} columns`;
      throw new UserError(
        'csv_header_too_large',
        `The file's header row (line ${this.#rowLine}) has ${what}: the importer reads at most ${n(CSV_LIMITS.columns)} columns and ${n(CSV_LIMITS.recordChars)} characters per row. Nothing was written.`,
        {
          hint: 'Check that the file is a CSV export whose first line holds the column names (an unclosed quote can also swallow the rest of a file).',
        },
      );
    }
    this.#problem = problem;
    this.#fieldCount = this.#row.length;
    this.#row = [];
    this.#field = '';
  }

  #endRecord(): void {
    const row = this.#row;
    const empty = row.length === 0 && this.#field === '' && this.#atFieldStart && !this.#problem;
    if (!empty) {
      const problem = this.#problem;
      if (problem) {
        if (problem.limit === 'columns') problem.count = this.#fieldCount + 1;
        this.onRecord([], this.#rowLine, problem);
      } else {
        row.push(this.#field);
        this.onRecord(row, this.#rowLine, null);
      }
      this.#records++;
      this.#row = [];
    }
    this.#field = '';
    this.#atFieldStart = true;
    this.#recordChars = 0;
    this.#problem = null;
  }
}
