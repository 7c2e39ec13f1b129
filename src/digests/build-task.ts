import { createDatabase } from '../store/database.ts';
import { computeDigestData, type DigestData, type DigestOptions } from './content.ts';

/** Worker entry: opens its own connection to the store and runs the digest's queries. */
export default async function digestDataTask(input: { databaseUrl: string; options: DigestOptions }): Promise<DigestData> {
  const db = createDatabase(input.databaseUrl, { readonly: !input.databaseUrl.startsWith('postgres') });
  try {
    return await computeDigestData(db, input.options);
  } finally {
    await db.destroy();
  }
}
