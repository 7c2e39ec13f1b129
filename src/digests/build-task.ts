import { createDatabase } from '../store/database.ts';
import { buildDigestData, type BuildInput, type BuiltDigest } from './build.ts';

/** Worker entry: opens its own connection to the store, computes the digest and its chart. */
export default async function buildDigestTask(input: BuildInput & { databaseUrl: string }): Promise<BuiltDigest> {
  const db = createDatabase(input.databaseUrl, { readonly: !input.databaseUrl.startsWith('postgres') });
  try {
    return await buildDigestData(db, input);
  } finally {
    await db.destroy();
  }
}
