import { LogLevel, type Logger as BoltLogger } from '@slack/bolt';
import type { Logger } from '../../src/logger.ts';

/** Bolt's logger interface over our pino logger, so Slack's logs are structured and scrubbed too. */
export function boltLogger(logger: Logger): BoltLogger {
  const log = logger.child({ component: 'slack' });
  const text = (parts: unknown[]) =>
    parts.map((p) => (typeof p === 'string' ? p : p instanceof Error ? p.message : JSON.stringify(p))).join(' ');
  let level = LogLevel.INFO;
  return {
    // Bolt logs a debug line or two per request: not even formatted unless debug is on
    debug: (...parts: unknown[]) => {
      if (log.isLevelEnabled('debug')) log.debug(text(parts));
    },
    info: (...parts: unknown[]) => log.info(text(parts)),
    warn: (...parts: unknown[]) => log.warn(text(parts)),
    error: (...parts: unknown[]) => log.error(text(parts)),
    setLevel: (next: LogLevel) => {
      level = next;
    },
    getLevel: () => level,
    setName: () => {},
  };
}
