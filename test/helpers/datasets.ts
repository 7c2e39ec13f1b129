import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Absolute path of a file under ../shared/datasets (beside the checkout), or under DATASETS_DIR when set (a checkout elsewhere, a git worktree). */
export function datasetPath(relative: string): string {
  return path.resolve(process.env.DATASETS_DIR ?? path.join(repoRoot, '..', 'shared', 'datasets'), relative);
}

/** True when the dataset exists; otherwise prints why the dependent tests are skipped. */
export function hasDataset(relative: string): boolean {
  const found = existsSync(datasetPath(relative));
  if (!found) console.warn(`skipping: ${datasetPath(relative)} is absent (the shared datasets sit beside the checkout in CI)`);
  return found;
}
