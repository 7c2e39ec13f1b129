import { Readable, Transform } from 'node:stream';
import type { Config } from '../config/config.ts';
import { UserError } from '../core/errors.ts';

/** What one import may cost before it is stopped; plain numbers, so they cross into a worker thread. */
export interface ImportLimits {
  /** Longest wait for a connection, the response headers or the next bytes. */
  idleMs: number;
  /** Longest time spent waiting for the source's bytes, in all. */
  totalMs: number;
  /** Largest download (compressed bytes as sent). */
  maxBytes: number;
  /** Largest decompressed gzip content. */
  maxUnzippedBytes: number;
}

/** Decompressed bytes over compressed bytes above this, past the first MiB, is a gzip bomb. */
export const MAX_GZIP_RATIO = 100;
const RATIO_GRACE_BYTES = 1024 * 1024;

export function importLimits(config: Config): ImportLimits {
  return {
    idleMs: config.IMPORT_IDLE_TIMEOUT_S * 1000,
    totalMs: config.IMPORT_TIMEOUT_S * 1000,
    maxBytes: config.IMPORT_MAX_BYTES,
    maxUnzippedBytes: config.IMPORT_MAX_UNZIPPED_BYTES,
  };
}

/** "2 GiB", "300 MiB", "512 bytes" */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : Number(value.toFixed(value < 10 ? 1 : 0))} ${units[unit]}`;
}

/** "30 s", "15 min" */
export function formatSeconds(ms: number): string {
  const seconds = ms / 1000;
  return seconds >= 120 && seconds % 60 === 0 ? `${seconds / 60} min` : `${Number(seconds.toFixed(3))} s`;
}

const NOTHING_WRITTEN = 'Nothing was imported.';

export function idleTimeoutError(label: string, limits: ImportLimits): UserError {
  return new UserError(
    'source_stalled',
    `${label} stopped sending data: nothing arrived for ${formatSeconds(limits.idleMs)} (the limit set by IMPORT_IDLE_TIMEOUT_S). ${NOTHING_WRITTEN}`,
    { hint: 'Try again later, or share the file in the chat instead.' },
  );
}

export function totalTimeoutError(label: string, limits: ImportLimits): UserError {
  return new UserError(
    'source_too_slow',
    `Downloading ${label} took longer than ${formatSeconds(limits.totalMs)} (the limit set by IMPORT_TIMEOUT_S). ${NOTHING_WRITTEN}`,
    { hint: 'Share a smaller or compressed (gzip) file, or ask an admin to raise IMPORT_TIMEOUT_S.' },
  );
}

export function tooLargeError(label: string, limits: ImportLimits): UserError {
  return new UserError(
    'source_too_large',
    `${label} is larger than ${formatBytes(limits.maxBytes)} (the limit set by IMPORT_MAX_BYTES). ${NOTHING_WRITTEN}`,
    { hint: 'Split the file, compress it with gzip, or ask an admin to raise IMPORT_MAX_BYTES.' },
  );
}

/**
 * A network source's bytes, stopped with a clear UserError when the source is silent for
 * `idleMs` while bytes are wanted, when the waits add up to `totalMs`, or past `maxBytes`.
 * Only time spent waiting on the source counts: a slow database does not time out a download.
 */
export function guardDownload(source: Readable, limits: ImportLimits, label: string, alreadyWaitedMs = 0): Readable {
  const chunks = source[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let waited = alreadyWaitedMs;
  let bytes = 0;
  let timer: NodeJS.Timeout | undefined;
  const guarded = new Readable({
    highWaterMark: 1 << 16,
    read() {
      const started = performance.now();
      const remaining = limits.totalMs - waited;
      const idle = remaining < limits.idleMs ? null : limits.idleMs;
      timer = setTimeout(
        () => guarded.destroy(idle === null ? totalTimeoutError(label, limits) : idleTimeoutError(label, limits)),
        Math.max(0, idle ?? remaining),
      );
      chunks.next().then(
        (next) => {
          clearTimeout(timer);
          waited += performance.now() - started;
          if (guarded.destroyed) return;
          if (next.done) {
            guarded.push(null);
            return;
          }
          bytes += next.value.length;
          if (bytes > limits.maxBytes) guarded.destroy(tooLargeError(label, limits));
          else guarded.push(next.value);
        },
        (error: Error) => {
          clearTimeout(timer);
          guarded.destroy(error);
        },
      );
    },
    destroy(error, callback) {
      clearTimeout(timer);
      source.destroy();
      callback(error);
    },
  });
  return guarded;
}

/**
 * Counts gunzip's output: past `maxUnzippedBytes`, or more than MAX_GZIP_RATIO times the
 * compressed bytes read so far once past the first MiB, it stops with a UserError.
 */
export function guardInflate(compressedBytes: () => number, limits: ImportLimits, label: string): Transform {
  let out = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      out += chunk.length;
      if (out > limits.maxUnzippedBytes) {
        callback(
          new UserError(
            'source_unzipped_too_large',
            `${label} decompresses to more than ${formatBytes(limits.maxUnzippedBytes)} (the limit set by IMPORT_MAX_UNZIPPED_BYTES). ${NOTHING_WRITTEN}`,
            { hint: 'Split the file, or ask an admin to raise IMPORT_MAX_UNZIPPED_BYTES.' },
          ),
        );
        return;
      }
      if (out > RATIO_GRACE_BYTES && out > MAX_GZIP_RATIO * Math.max(1, compressedBytes())) {
        callback(
          new UserError(
            'source_gzip_bomb',
            `${label} expands more than ${MAX_GZIP_RATIO} times when decompressed, which CSV data does not do (a "gzip bomb"). ${NOTHING_WRITTEN}`,
            { hint: 'Check where the file comes from; export the CSV again and compress it with an ordinary gzip tool.' },
          ),
        );
        return;
      }
      callback(null, chunk);
    },
  });
}
