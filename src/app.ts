import path from 'node:path';
import { sql, type Kysely } from 'kysely';
import { loadRegistry } from '../commands/index.ts';
import type { Config } from './config/config.ts';
import { Bot } from './core/bot.ts';
import { startStagingSweeper } from './import/leftovers.ts';
import { workerPool } from './jobs/worker-pool.ts';
import type { Logger } from './logger.ts';
import { storeProblem } from './lifecycle/start-up-errors.ts';
import { ensureErasureSalt } from './privacy/suppression.ts';
import { loadSources } from './sources/config.ts';
import { createDatabase, sqlitePath } from './store/database.ts';
import { ensureIncrementalVacuum } from './store/free-pages.ts';
import { migrateToLatest } from './store/migrate.ts';
import type { Database } from './store/schema.ts';

export interface App {
  bot: Bot;
  db: Kysely<Database>;
  close(): Promise<void>;
}

export interface AppOptions {
  config: Config;
  logger: Logger;
  now?: () => Date;
  /** An already open store (tests hand in their temp database). */
  db?: Kysely<Database>;
  /** The environment `${VAR}` references of the sources file are read from (default process.env). */
  env?: Record<string, string | undefined>;
}

/** Opens the store and checks it answers; failures name DATABASE_URL and what to do. */
async function openStore(url: string): Promise<Kysely<Database>> {
  let db: Kysely<Database> | undefined;
  try {
    db = createDatabase(url);
    await sql`select 1`.execute(db);
    return db;
  } catch (error) {
    await db?.destroy().catch(() => undefined);
    throw storeProblem(error, url);
  }
}

/** Opens the store, brings its schema up to date and builds the bot core. Adapters attach to `bot`. */
export async function createApp(options: AppOptions): Promise<App> {
  // a bad sources file stops the start before the store is touched
  const sources = loadSources(options.config.SOURCES_FILE, options.env ?? process.env);
  const db = options.db ?? (await openStore(options.config.DATABASE_URL));
  const applied = await migrateToLatest(db).catch(async (error: unknown) => {
    if (options.db) throw error;
    await db.destroy().catch(() => undefined);
    throw storeProblem(error, options.config.DATABASE_URL);
  });
  if (applied.length) options.logger.info({ migrations: applied }, 'database migrated');
  if (!options.db) await ensureIncrementalVacuum(db, sqlitePath(options.config.DATABASE_URL), options.logger);
  // The erasure suppression list's salt: generated on first start, or ERASURE_SALT; a mismatch stops the start.
  await ensureErasureSalt(db, options.config.ERASURE_SALT, (options.now ?? (() => new Date()))()).catch(async (error: unknown) => {
    if (!options.db) await db.destroy().catch(() => undefined);
    throw error;
  });
  // Staging rows (customer PII) of imports that died are removed now, or as soon as their lease lapses.
  const sweeper = startStagingSweeper(db, options.logger);
  await sweeper.ready;
  workerPool.configure({
    niceness: options.config.JOB_NICENESS,
    maxWorkers: options.config.WORKERS,
    maxQueue: options.config.JOB_QUEUE,
  });
  const registry = await loadRegistry();
  const bot = new Bot({
    db,
    config: options.config,
    logger: options.logger,
    registry,
    outDir: path.resolve(options.config.OUT_DIR),
    now: options.now,
    sources,
  });
  if (sources.length) options.logger.info({ sources: sources.map((s) => s.name) }, 'sources loaded');
  return {
    bot,
    db,
    close: async () => {
      await bot.settled();
      await sweeper.stop();
      await workerPool.close();
      await db.destroy();
    },
  };
}
