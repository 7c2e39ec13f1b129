import { UserError } from '../core/errors.ts';
import { CSV_LIMITS, CsvParser, type RecordProblem } from './csv.ts';
import type { ImportLimits } from './limits.ts';
import { compareCursor, queryPages, type QuerySource } from './query-source.ts';
import { openSource, type ImportSource } from './source.ts';
import { ChunkDecoder, ENCODING_NAMES, type Encoding, type EncodingOption } from './text.ts';

/** Records by chunk of input: cells, the line each starts on (a query's row n is line n + 1), its problem. */
export interface RecordChunk {
  cells: string[][];
  lines: number[];
  /** Per record: the limit it went over, or null. */
  problems: (RecordProblem | null)[];
}

/** A source opened for reading: its first record is the header (a query's column names). */
export interface OpenedRecords {
  chunks: AsyncGenerator<RecordChunk>;
  /** Size of the raw source when known (file size, Content-Length), for progress. */
  totalBytes: number | null;
  bytesRead(): number;
  /** How the bytes are text (a query's text is always UTF-8). */
  encoding: Encoding;
  encodingName: string;
  /** Bytes that are not valid text in the encoding were seen. */
  suspect(): boolean;
  /** A query with an incremental column: the largest value read so far (null when none). */
  cursor(): string | null;
  /** Stops reading and releases the source (file, connection); resolves once released. */
  close(): Promise<void>;
}

/** Opens any import source as records: CSV bytes (a file, a URL, an upload) through the CSV parser, a SQL query row by row. */
export async function openRecords(source: ImportSource, limits: ImportLimits, encodingOption?: EncodingOption): Promise<OpenedRecords> {
  if (source.type === 'query') return queryRecords(source, limits);
  const opened = await openSource(source, limits, encodingOption);
  const decoder = new ChunkDecoder(opened.encoding);
  return {
    chunks: csvChunks(opened.stream, opened.delimiter, source.label, decoder),
    totalBytes: opened.totalBytes,
    bytesRead: opened.bytesRead,
    encoding: opened.encoding,
    encodingName: ENCODING_NAMES[opened.encoding],
    suspect: () => decoder.suspect,
    cursor: () => null,
    close: async () => {
      opened.stream.destroy();
    },
  };
}

/** CSV records by chunk of input; source failures become UserErrors. */
async function* csvChunks(
  stream: AsyncIterable<Buffer>,
  delimiter: string,
  label: string,
  decoder: ChunkDecoder,
): AsyncGenerator<RecordChunk> {
  let cells: string[][] = [];
  let lines: number[] = [];
  let problems: (RecordProblem | null)[] = [];
  const parser = new CsvParser(delimiter, (row, line, problem) => {
    cells.push(row);
    lines.push(line);
    problems.push(problem);
  });
  const take = () => {
    const ready = { cells, lines, problems };
    cells = [];
    lines = [];
    problems = [];
    return ready;
  };
  try {
    for await (const chunk of stream) {
      parser.push(decoder.write(chunk));
      if (cells.length) yield take();
    }
    parser.push(decoder.end());
    parser.end();
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError('source_read_failed', `Reading ${label} failed midway: ${(error as Error).message}. Nothing was written.`, {
      hint: 'Run the same import again once the source is reachable.',
    });
  }
  yield take();
}

/** A query's cells over CSV_LIMITS.fieldChars are rejected like an oversized CSV field. */
function fieldProblem(row: (string | null)[]): RecordProblem | null {
  const index = row.findIndex((cell) => cell !== null && cell.length > CSV_LIMITS.fieldChars);
  return index < 0 ? null : { limit: 'field', column: index, sample: row[index]!.slice(0, 100) };
}

async function queryRecords(source: QuerySource, limits: ImportLimits): Promise<OpenedRecords> {
  const pages = queryPages(source, limits);
  // the first page is the column names: connecting and the query's errors surface here, before anything is staged
  const head = await pages.next();
  if (head.done || !('columns' in head.value)) throw new UserError('source_empty', `${source.label} returned no columns.`);
  const columns = head.value.columns;
  const incremental = source.incremental === undefined ? -1 : columns.indexOf(source.incremental);
  if (source.incremental !== undefined && incremental < 0) {
    await pages.return(undefined);
    throw new UserError(
      'source_no_incremental_column',
      `The query of ${source.label} returns no \`${source.incremental}\` column, which the source follows (incremental). Nothing was imported.`,
      {
        hint: `Columns returned: ${columns.map((c) => `\`${c}\``).join(', ')}. Select it in the query, or correct incremental: in the sources file.`,
      },
    );
  }
  let cursor: string | null = null;
  let rowCount = 0;
  async function* chunks(): AsyncGenerator<RecordChunk> {
    yield { cells: [columns], lines: [1], problems: [null] };
    for await (const page of pages) {
      if (!('rows' in page)) continue;
      const chunk: RecordChunk = { cells: [], lines: [], problems: [] };
      for (const row of page.rows) {
        rowCount++;
        if (incremental >= 0) {
          const value = row[incremental];
          if (value !== null && value !== undefined && (cursor === null || compareCursor(value, cursor) > 0)) cursor = value;
        }
        const problem = fieldProblem(row);
        chunk.cells.push(problem ? [] : row.map((cell) => cell ?? ''));
        chunk.lines.push(rowCount + 1);
        chunk.problems.push(problem);
      }
      yield chunk;
    }
  }
  const generator = chunks();
  return {
    chunks: generator,
    totalBytes: null,
    bytesRead: () => 0,
    encoding: 'utf-8',
    encodingName: ENCODING_NAMES['utf-8'],
    suspect: () => false,
    cursor: () => cursor,
    close: async () => {
      // ends the reader at its next pause; its finally closes the connection
      await Promise.all([generator.return(undefined).catch(() => undefined), pages.return(undefined).catch(() => undefined)]);
    },
  };
}
