import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.ts';
import type { ImportInput } from './run-import.ts';
import { openLocalFile } from './local-file.ts';

/**
 * A local file's content hash with every option that shapes its rows: two imports with the same
 * fingerprint write the same rows. Undefined for URLs, shared files and queries (not re-read twice).
 */
export async function fileFingerprint(input: ImportInput): Promise<string | undefined> {
  if (input.source.type !== 'path') return undefined;
  const hash = createHash('sha256');
  const { kind, strict, dateFormat, map, preset, encoding, defaultCurrency, timeZone, reportingCurrency, defaultConsent } = input;
  hash.update(
    JSON.stringify({ kind, strict, dateFormat, map, preset, encoding, defaultCurrency, timeZone, reportingCurrency, defaultConsent }),
  );
  const { stream } = await openLocalFile(input.source.path, input.source.root, input.source.label);
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The last written import of `kind`, when it had this fingerprint. */
export async function sameAsLastImport(
  db: Kysely<Database>,
  kind: string,
  fingerprint: string,
): Promise<{ imported_at: string; rows: number } | undefined> {
  return db
    .selectFrom('import_fingerprints')
    .select(['imported_at', 'rows'])
    .where('kind', '=', kind)
    .where('fingerprint', '=', fingerprint)
    .executeTakeFirst();
}

/** After an import of `kind` was written: its fingerprint, or none (a URL, a query) so nothing is skipped against an older one. */
export async function rememberImport(
  db: Kysely<Database>,
  kind: string,
  fingerprint: string | undefined,
  importedAt: string,
  rows: number,
): Promise<void> {
  await db.deleteFrom('import_fingerprints').where('kind', '=', kind).execute();
  if (fingerprint) await db.insertInto('import_fingerprints').values({ kind, fingerprint, imported_at: importedAt, rows }).execute();
}
