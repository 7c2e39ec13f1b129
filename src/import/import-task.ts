import type { WorkerTask } from '../jobs/run-in-worker.ts';
import { createDatabase } from '../store/database.ts';
import { runImport, type ImportInput, type ImportResult } from './run-import.ts';

/** Worker-thread entry: opens its own connection to the store and runs the import there. */
const task: WorkerTask<ImportInput & { databaseUrl: string }, ImportResult> = async ({ databaseUrl, ...input }, progress) => {
  const db = createDatabase(databaseUrl);
  try {
    return await runImport(db, input, progress);
  } finally {
    await db.destroy();
  }
};
export default task;
