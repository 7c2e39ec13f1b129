import type { ImportKind } from '../import/fields.ts';

export const SOURCE_TYPES = ['url', 'postgres', 'sqlite', 'directory'] as const;
export type SourceType = (typeof SOURCE_TYPES)[number];

/**
 * A named source from SOURCES_FILE, after validation and `${ENV_VAR}` substitution. Secrets (a connection
 * string, a bearer token) are only ever read from the environment and never shown or logged.
 */
export interface SourceDefinition {
  name: string;
  type: SourceType;
  kind: Exclude<ImportKind, 'rates'> | 'rates';
  /** url: an http(s) URL of a CSV or CSV.gz file. */
  url?: string;
  /** url: request headers (values may come from the environment, e.g. a bearer token). */
  headers?: Record<string, string>;
  /** postgres: a connection string (from the environment). */
  connection?: string;
  /** sqlite: a database file; directory: a folder. */
  path?: string;
  /** directory: which files count, e.g. "orders-*.csv"; the newest match is read. */
  glob?: string;
  /** postgres, sqlite: a read-only query; `:since` is the last seen value of `incremental` (null at first). */
  query?: string;
  /** Columns to fields, as /import map=. */
  map?: string;
  date_format?: string;
  /** A preset name, as /import preset=. */
  preset?: string;
  /** The column whose largest value is kept after each sync and passed as `:since` next time. */
  incremental?: string;
  /** A cron expression (five fields) for scheduled syncs. */
  schedule?: string;
  /** The schedule's IANA zone; default BUSINESS_TZ. */
  zone?: string;
}

/** What a sync did, as stored in source_state and shown by /source. */
export interface SyncOutcome {
  source: string;
  /** Rows read from the source. */
  rows: number;
  /** The import's reply text (counts, rejections). */
  summary: string;
  /** The new incremental cursor, when the source has one. */
  cursor: string | null;
  /** The newest date seen in the rows (orders to 06:02 today). */
  dataThrough: string | null;
}
