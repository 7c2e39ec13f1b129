import type { WorkerTask } from '../jobs/run-in-worker.ts';
import { previewImport, type PreviewInput, type PreviewResult } from './preview.ts';

/** Worker-thread entry of a preview: a SQL source's query may be slow to start, and never blocks the bot. */
const task: WorkerTask<PreviewInput & { rows: number }, PreviewResult> = async ({ rows, ...input }) => previewImport(input, rows);
export default task;
