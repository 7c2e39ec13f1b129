import { Readable, Transform } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { Upload } from '../core/context.ts';
import { UserError } from '../core/errors.ts';
import { download, type UrlPolicy } from './download.ts';
import { guardDownload, guardInflate, type ImportLimits } from './limits.ts';
import { openLocalFile } from './local-file.ts';
import type { QuerySource } from './query-source.ts';
import { ChunkDecoder, resolveEncoding, type Encoding, type EncodingOption } from './text.ts';

/**
 * Where the bytes come from. Path and URL sources cross into a worker thread; an upload object does not.
 * `root`: the folder a path must lie in (IMPORT_DIR, for commands from chat); none in the console.
 * Labels are shown in chat and logs: a URL's label has its credentials and query values redacted.
 */
export type ByteSource =
  | { type: 'path'; path: string; root?: string; label: string }
  | { type: 'url'; url: string; headers?: Record<string, string>; policy: UrlPolicy; label: string }
  | { type: 'upload'; upload: Upload; label: string };

/** CSV bytes, or a SQL query read row by row (a named source; see query-source.ts). */
export type ImportSource = ByteSource | QuerySource;

export interface OpenedSource {
  /** Decompressed CSV bytes. */
  stream: Readable;
  /** Size of the raw source when known (file size, Content-Length). */
  totalBytes: number | null;
  /** Raw bytes consumed so far (compressed bytes for gzip), for progress. */
  bytesRead(): number;
  delimiter: string;
  /** How the bytes are text: a byte order mark, else `encoding=`, else UTF-8. */
  encoding: Encoding;
}

async function openRaw(source: ByteSource, limits: ImportLimits): Promise<{ stream: Readable; size: number | null }> {
  if (source.type === 'path') return openLocalFile(source.path, source.root, source.label);
  if (source.type === 'upload') {
    const opened = await source.upload.open();
    const stream = opened instanceof Readable ? opened : Readable.from(opened as AsyncIterable<Buffer>);
    return { stream: guardDownload(stream, limits, source.label), size: source.upload.size ?? null };
  }
  return download(source.url, { headers: source.headers, policy: source.policy, limits, label: source.label });
}

/** Reads the first chunk and gives back a stream that still yields it. */
async function peek(stream: Readable): Promise<{ head: Buffer; stream: Readable }> {
  const iterator = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const first = await iterator.next();
  const head = first.done ? Buffer.alloc(0) : Buffer.from(first.value);
  async function* rest() {
    if (head.length) yield head;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield next.value;
    }
  }
  return { head, stream: Readable.from(rest(), { objectMode: false }) };
}

/** Says what the bytes are when they are clearly not CSV text. */
function notCsv(head: Buffer): string | null {
  if (head.length >= 4 && head.readUInt32BE(0) === 0x504b0304)
    return 'a ZIP archive (an Excel .xlsx file is one): export or unzip it as CSV';
  if (head.length >= 4 && head.subarray(0, 4).toString('latin1') === '%PDF') return 'a PDF document';
  const sample = head.subarray(0, 4096);
  let control = 0;
  for (const byte of sample) if (byte === 0 || byte < 9 || (byte > 13 && byte < 32)) control++;
  if (sample.length && (sample.includes(0) || control / sample.length > 0.05)) return 'binary data';
  const text = sample
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .trimStart()
    .toLowerCase();
  if (text.startsWith('<')) return 'an HTML or XML page';
  if (text.startsWith('{') || text.startsWith('[')) return 'JSON';
  return null;
}

function sniffDelimiter(head: Buffer): string {
  const firstLine = head.subarray(0, 8192).toString('utf8').split(/\r?\n/)[0] ?? '';
  const count = (c: string) => firstLine.split(c).length - 1;
  const candidates = [',', ';', '\t', '|'].map((c) => ({ c, n: count(c) }));
  const best = candidates.reduce((a, b) => (b.n > a.n ? b : a));
  return best.n > 0 ? best.c : ',';
}

function readFailed(label: string) {
  return (error: Error): never => {
    if (error instanceof UserError) throw error;
    throw new UserError('source_read_failed', `Reading ${label} failed: ${error.message}. Nothing was written.`, {
      hint: 'Run the same import again once the source is reachable.',
    });
  };
}

/** Opens a source for reading: detects gzip by its magic bytes and the encoding by its byte order mark, and refuses what is not CSV text. */
export async function openSource(source: ByteSource, limits: ImportLimits, encodingOption?: EncodingOption): Promise<OpenedSource> {
  const raw = await openRaw(source, limits);
  let bytes = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      bytes += chunk.length;
      callback(null, chunk);
    },
  });
  raw.stream.on('error', (error) => counter.destroy(error));
  const counted = await peek(raw.stream.pipe(counter)).catch(readFailed(source.label));
  let stream = counted.stream;
  let head = counted.head;
  if (head.length === 0) throw new UserError('source_empty', `${source.label} is empty.`);
  if (head[0] === 0x1f && head[1] === 0x8b) {
    const gunzip = createGunzip();
    const inflated = guardInflate(() => bytes, limits, source.label);
    stream.on('error', (error) => gunzip.destroy(error));
    gunzip.on('error', (error: NodeJS.ErrnoException) =>
      inflated.destroy(
        error.code?.startsWith('Z_')
          ? new UserError('source_bad_gzip', `${source.label} looks gzip-compressed but cannot be decompressed: ${error.message}.`)
          : error,
      ),
    );
    const unzipped = await peek(stream.pipe(gunzip).pipe(inflated)).catch(readFailed(source.label));
    stream = unzipped.stream;
    head = unzipped.head;
  }
  const encoding = resolveEncoding(encodingOption, head);
  // UTF-16 (Excel's "Unicode Text") is sniffed as the UTF-8 text it decodes to.
  if (encoding === 'utf-16le' || encoding === 'utf-16be') head = Buffer.from(new ChunkDecoder(encoding).write(head), 'utf8');
  const what = notCsv(head);
  if (what) {
    stream.destroy();
    throw new UserError('not_csv', `${source.label} is not a CSV file: it looks like ${what}.`, {
      hint: 'Import a CSV file with a header row (comma, semicolon or tab separated), optionally gzip-compressed.',
    });
  }
  return { stream, totalBytes: raw.size, bytesRead: () => bytes, delimiter: sniffDelimiter(head), encoding };
}
