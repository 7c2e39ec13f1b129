import type { WorkerTask } from '../jobs/run-in-worker.ts';
import { createDatabase } from '../store/database.ts';
import { computeClvValues, fitClvModelReport } from './clv-model.ts';
import type { ClvModelReport, ClvValueReport, ClvValueRequest } from './clv-model.ts';

export type ClvTaskInput =
  | { databaseUrl: string; kind: 'model'; asOf?: string; holdout?: string; zone: string }
  | { databaseUrl: string; kind: 'values'; request: ClvValueRequest };

export type ClvTaskOutput = ClvModelReport | ClvValueReport;

/** Worker side of the CLV commands: opens its own connection to the same store. */
const task: WorkerTask<ClvTaskInput, ClvTaskOutput> = async (input, progress) => {
  const db = createDatabase(input.databaseUrl);
  try {
    if (input.kind === 'model')
      return await fitClvModelReport(db, { asOf: input.asOf, holdout: input.holdout, zone: input.zone }, progress);
    return await computeClvValues(db, input.request, progress);
  } finally {
    await db.destroy();
  }
};
export default task;
