import pino, { type Logger } from 'pino';

export type { Logger };

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
const TOKEN = /\b(xox[abposr]-[\w-]+|xapp-[\w-]+|[MN][\w-]{23,}\.[\w-]{6}\.[\w-]{27,})\b/g;

/** Removes emails and platform tokens from any text bound for logs or the audit trail. */
export function scrub(text: string): string {
  return text.replace(EMAIL, '[email]').replace(TOKEN, '[token]');
}

/** Structured logs on standard error; secrets and customer emails never reach them. */
export function createLogger(level: string, destination: NodeJS.WritableStream = process.stderr): Logger {
  return pino(
    {
      level,
      redact: {
        paths: ['token', 'password', 'secret', '*.token', '*.password', '*.secret', 'authorization', '*.authorization', 'headers.authorization', 'email', '*.email'],
        censor: '[redacted]',
      },
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map((arg) => (typeof arg === 'string' ? scrub(arg) : arg)) as Parameters<typeof method>);
        },
      },
      formatters: { level: (label) => ({ level: label }) },
    },
    destination as pino.DestinationStream,
  );
}
