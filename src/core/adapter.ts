import type { Config } from '../config/config.ts';
import type { Logger } from '../logger.ts';
import type { Bot } from './bot.ts';

/** What every platform adapter's start function returns. */
export interface RunningAdapter {
  name: string;
  stop(): Promise<void>;
  /** Whether the platform connection is up now (for /healthz); chat adapters only. */
  connected?(): boolean;
}

export interface AdapterOptions {
  bot: Bot;
  config: Config;
  logger: Logger;
}

export type StartAdapter = (options: AdapterOptions) => Promise<RunningAdapter>;
