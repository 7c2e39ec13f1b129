import { UserError } from '../core/errors.ts';
import type { RecordProblem } from './csv.ts';
import { dateParser } from './dates.ts';
import { mapColumns, parseMapOption } from './fields.ts';
import { openRecords } from './records.ts';
import { invalidTextRejection, limitRejection, numericExtras, rowValidator, type Rejection } from './rows.ts';
import type { ImportInput } from './run-import.ts';
import { redactUrls } from '../privacy/redact-url.ts';

/** What a preview needs: an import's input less what writing needs. */
export type PreviewInput = Pick<
  ImportInput,
  'kind' | 'source' | 'dateFormat' | 'map' | 'preset' | 'encoding' | 'defaultCurrency' | 'timeZone' | 'reportingCurrency' | 'limits'
>;

export interface PreviewResult {
  source: string;
  /** Each column of the source and the field it fills: a field name, `attribute` (customers), or null (ignored). */
  columns: { column: string; field: string | null }[];
  /** Rows read (at most the number asked for). */
  read: number;
  /** Rows that would be imported. */
  valid: number;
  rejections: Rejection[];
}

/**
 * Reads the header and the first `rows` rows of a source, maps and validates them as an import would,
 * and writes nothing: no store, no rejections file. The source is closed as soon as they are read.
 */
export async function previewImport(input: PreviewInput, rows = 5): Promise<PreviewResult> {
  const parseDate = dateParser(input.dateFormat, input.timeZone);
  const map = parseMapOption(input.map);
  const source = await openRecords(input.source, input.limits, input.encoding);
  try {
    const cells: string[][] = [];
    const lines: number[] = [];
    const problems: (RecordProblem | null)[] = [];
    let header: string[] | undefined;
    for await (const chunk of source.chunks) {
      for (let i = 0; i < chunk.cells.length; i++) {
        if (header === undefined) {
          header = chunk.cells[i]!;
          continue;
        }
        if (cells.length >= rows) break;
        cells.push(chunk.cells[i]!);
        lines.push(chunk.lines[i]!);
        problems.push(chunk.problems[i]!);
      }
      if (cells.length >= rows) break;
    }
    if (header === undefined) throw new UserError('source_empty', `${input.source.label} has no header row.`);
    const mapping = mapColumns(input.kind, header, map);
    const extras =
      input.kind === 'customers'
        ? numericExtras(
            mapping,
            cells.filter((_, k) => !problems[k]),
          )
        : undefined;
    const validate = rowValidator({
      kind: input.kind,
      mapping,
      parseDate,
      defaultCurrency: input.defaultCurrency,
      timeZone: input.timeZone,
      reportingCurrency: input.reportingCurrency,
      dateFormat: input.dateFormat,
      numericExtras: extras,
    });
    const rejections: Rejection[] = [];
    cells.forEach((row, k) => {
      const problem = problems[k];
      const refused = problem
        ? limitRejection(problem, lines[k]!, mapping.headers)
        : source.suspect()
          ? invalidTextRejection(row, lines[k]!, mapping.headers, source.encodingName)
          : null;
      const rejection = refused ?? validate(row, lines[k]!).rejection;
      if (rejection) rejections.push({ ...rejection, value: redactUrls(rejection.value) });
    });
    const fieldOf = new Map([...mapping.fields].map(([field, index]) => [index, field]));
    const attributes = new Set((extras ?? []).map((extra) => extra.index));
    return {
      source: input.source.label.replace(/`/g, ''),
      columns: header.map((column, index) => ({
        column,
        field: fieldOf.get(index) ?? (attributes.has(index) ? 'attribute' : null),
      })),
      read: cells.length,
      valid: cells.length - rejections.length,
      rejections,
    };
  } finally {
    await source.close();
  }
}
