import type { WorkerTask } from '../jobs/run-in-worker.ts';
import { createDatabase, dialectOf, sqlitePath } from '../store/database.ts';
import { runImport, type ImportInput, type ImportResult } from './run-import.ts';

/** Worker-thread entry: opens its own connection to the store and runs the import there. */
const task: WorkerTask<ImportInput & { databaseUrl: string }, ImportResult> = async ({ databaseUrl, ...input }, progress) => {
  const db = createDatabase(databaseUrl);
  try {
    const sqliteFile = dialectOf(databaseUrl) === 'sqlite' ? sqlitePath(databaseUrl) : undefined;
    return await runImport(db, input, progress, { sqliteFile: sqliteFile === ':memory:' ? undefined : sqliteFile });
  } finally {
    await db.destroy();
  }
};
export default task;
