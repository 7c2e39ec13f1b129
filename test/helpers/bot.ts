import path from 'node:path';
import type { Kysely } from 'kysely';
import pino from 'pino';
import { loadRegistry } from '../../commands/index.ts';
import { loadConfig, type Config } from '../../src/config/config.ts';
import { Bot, type Invocation } from '../../src/core/bot.ts';
import type { Caller } from '../../src/core/context.ts';
import type { Reply } from '../../src/core/reply.ts';
import type { SourceDefinition } from '../../src/sources/definition.ts';
import type { Database } from '../../src/store/schema.ts';

export interface TestBotOptions {
  env?: Record<string, string>;
  now?: () => Date;
  outDir?: string;
  /** Named sources (as loadSources gives them). */
  sources?: SourceDefinition[];
}

/** The real bot core over a test store, with silent logs. */
export async function createTestBot(db: Kysely<Database>, dir: string, options: TestBotOptions = {}): Promise<Bot> {
  const config: Config = loadConfig({ DATABASE_URL: 'sqlite::memory:', OUT_DIR: path.join(dir, 'out'), ...options.env });
  return new Bot({
    db,
    config,
    logger: pino({ level: 'silent' }),
    registry: await loadRegistry(),
    outDir: options.outDir ?? path.join(dir, 'out'),
    now: options.now,
    sources: options.sources,
  });
}

export const consoleCaller: Caller = { platform: 'console', userId: 'tester', channelId: 'console' };

/** Runs one typed command as the console user (an admin) unless another caller is given. */
export function run(bot: Bot, text: string, caller: Caller = consoleCaller, extra: Partial<Invocation> = {}): Promise<Reply<any>> {
  return bot.execute({ caller, text, ...extra });
}
