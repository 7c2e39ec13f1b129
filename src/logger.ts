import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';
import { redactUrls } from './privacy/redact-url.ts';

export type { Logger };

// Linear time on any text: an email starts only where its run of characters starts (tried inside a long run it took
// quadratic time), and a Discord token's first part is bounded (it is 24 to 26 characters).
const EMAIL = /(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
const TOKEN = /\b(xox[abposr]-[\w-]+|xapp-[\w-]+|[MN][\w-]{23,40}\.[\w-]{6}\.[\w-]{27,})\b/g;
const BEARER = /\b(Bearer|Bot|Basic)\s+[\w.~+/-]+=*/g;

/** Removes URL credentials and query values, emails and platform tokens from any text bound for logs or the audit trail. */
export function scrub(text: string): string {
  return redactUrls(text).replace(EMAIL, '[email]').replace(TOKEN, '[token]').replace(BEARER, '$1 [token]');
}

/** Every string inside a log record scrubbed; errors copied (same class, so pino names the type) with scrubbed message and stack. */
function scrubDeep(value: unknown, seen = new WeakSet<object>(), depth = 0): unknown {
  if (typeof value === 'string') return scrub(value);
  if (value === null || typeof value !== 'object' || depth > 8) return value;
  if (seen.has(value)) return '[circular]';
  seen.add(value);
  if (value instanceof Error) {
    const copy = Object.create(Object.getPrototypeOf(value) as object) as Error & Record<string, unknown>;
    for (const [key, item] of Object.entries(value)) copy[key] = scrubDeep(item, seen, depth + 1);
    Object.defineProperties(copy, {
      message: { value: scrub(value.message), enumerable: false, writable: true },
      stack: { value: value.stack ? scrub(value.stack) : undefined, enumerable: false, writable: true },
      ...(value.cause !== undefined
        ? { cause: { value: scrubDeep(value.cause, seen, depth + 1), enumerable: false, writable: true } }
        : {}),
    });
    return copy;
  }
  if (Array.isArray(value)) return value.map((item) => scrubDeep(item, seen, depth + 1));
  if (Buffer.isBuffer(value) || value instanceof Date) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[key] = scrubDeep(item, seen, depth + 1);
  return out;
}

/** Structured logs on standard error; secrets and customer emails never reach them. */
export function createLogger(level: string, destination: NodeJS.WritableStream = process.stderr): Logger {
  const logger = pino(
    {
      level,
      redact: {
        paths: [
          'token',
          'password',
          'secret',
          '*.token',
          '*.password',
          '*.secret',
          'authorization',
          '*.authorization',
          'headers.authorization',
          'email',
          '*.email',
        ],
        censor: '[redacted]',
      },
      hooks: {
        logMethod(args, method) {
          method.apply(
            this,
            args.map((arg) => (typeof arg === 'string' ? scrub(arg) : arg instanceof Error ? { err: scrubDeep(arg) } : arg)) as Parameters<
              typeof method
            >,
          );
        },
      },
      formatters: {
        level: (label) => ({ level: label }),
        log: (object) => scrubDeep(object) as Record<string, unknown>,
      },
    },
    destination as pino.DestinationStream,
  );
  // child bindings do not pass through formatters.log: scrub them as the child is made (children inherit this)
  const child = Object.getPrototypeOf(logger).child as Logger['child'];
  logger.child = function (this: Logger, bindings, options) {
    return child.call(this, scrubDeep(bindings) as typeof bindings, options);
  } as Logger['child'];
  return logger;
}

/** The log file of an interactive console when LOG_FILE is unset. */
export const CONSOLE_LOG_FILE = './data/growthbot.log';

/** Warnings and errors as one readable line each (`warning: …`), for a terminal that also shows a prompt. */
function shortLines(out: NodeJS.WritableStream): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line.trim()) continue;
        try {
          const record = JSON.parse(line) as { level?: string; msg?: string };
          out.write(`${record.level === 'warn' ? 'warning' : (record.level ?? 'log')}: ${record.msg ?? ''}\n`);
        } catch {
          out.write(`${line}\n`);
        }
      }
      callback();
    },
  });
}

/**
 * Where the logs go: LOG_FILE when set; else standard error, except at an interactive console prompt, where
 * they go to CONSOLE_LOG_FILE and only warnings and errors reach the screen, as short lines.
 */
export function logDestination(
  logFile: string | undefined,
  interactiveConsole: boolean,
  stderr: NodeJS.WritableStream = process.stderr,
): { destination: NodeJS.WritableStream; file?: string } {
  const file = logFile ?? (interactiveConsole ? CONSOLE_LOG_FILE : undefined);
  if (!file) return { destination: stderr };
  const resolved = path.resolve(file);
  mkdirSync(path.dirname(resolved), { recursive: true });
  const toFile = pino.destination({ dest: resolved, sync: true });
  if (!interactiveConsole) return { destination: toFile as unknown as NodeJS.WritableStream, file: resolved };
  const both = pino.multistream([
    { level: 'trace', stream: toFile },
    { level: 'warn', stream: shortLines(stderr) },
  ]);
  return { destination: both as unknown as NodeJS.WritableStream, file: resolved };
}
