import SQLite from 'better-sqlite3';
import { CompiledQuery, sql, type Kysely } from 'kysely';
import { UserError } from '../core/errors.ts';
import { findByName, unknownNameError } from '../core/names.ts';
import type { Database } from '../store/schema.ts';
import { bulkWriteChunk, yieldToWaitingWrites } from '../store/write-priority.ts';
import { yieldToForeground } from '../jobs/foreground.ts';

export type SegmentKind = 'cluster' | 'rfm' | 'no_purchase';

/** A stored segment: `profile` holds the segment's mean of each feature, in original units. */
export interface SegmentRecord {
  id: number;
  run_id: number;
  position: number;
  name: string;
  kind: SegmentKind;
  size: number;
  share: number;
  revenue_share: number | null;
  action: string;
  profile: Record<string, number>;
}

export interface RunRecord {
  id: number;
  name: string | null;
  method: 'kmeans' | 'rfm';
  k: number;
  as_of: string;
  features: string[];
  parameters: Record<string, unknown>;
  details: RunDetails;
  customers: number;
  inertia: number | null;
  created_at: string;
  created_by: string;
  platform: string;
}

export interface TransformInfo {
  feature: string;
  transform: string;
  skewness: number;
}

/** What a run learnt beyond its segments: overall means, transforms, the k choice. */
export interface RunDetails {
  overall: Record<string, number>;
  transforms: TransformInfo[];
  choice?: { best: number; sample_rows: number; scores: { k: number; inertia: number; silhouette: number }[] };
  /** RFM runs: the map's column (F, or M when F has no spread, null: named by R alone) and the dimensions with no spread. */
  rfm?: { column: 'frequency' | 'monetary' | null; uninformative: { feature: string; value: number }[] };
  /** Customers left out because a requested attribute was missing. */
  missing: number;
  currency: string;
  /** A warning when as_of lies well past the latest purchase or far before it (what as_of was used, and why it matters). */
  as_of_note?: string;
  /** Wall time of the stages before storing: reading features, clustering or scoring. */
  timings_ms?: { features: number; cluster: number };
}

export type NewRun = Omit<RunRecord, 'id'>;

export type NewSegment = Omit<SegmentRecord, 'id' | 'run_id' | 'position'>;

export interface Memberships {
  /** Customer ids. */
  ids: string[];
  /** Per customer: index into the run's segments, or -1 for none. */
  segment: Int32Array;
  /** The feature_values text of customer i. */
  featureText(i: number): string;
}

const MEMBER_BATCH = 2000;
/** Memberships per transaction: short write transactions, so the bot's own writes (chat acks) never wait long on SQLite. */
export const MEMBERS_PER_COMMIT = 20_000;

/**
 * Stores a run, its segments and one membership row per customer. The run row is written first with
 * status 'storing' (readers ignore it), memberships follow in short transactions of MEMBERS_PER_COMMIT
 * rows, and the status flips to 'complete' last. A run a crash left half-stored is dropped by the next
 * one (runs are stored one at a time, under the segment-run lease). Memberships go in multi-row
 * inserts of MEMBER_BATCH rows whose statement kysely compiles once (placeholders fit both SQLite and
 * PostgreSQL); with `sqliteFile` that statement is prepared once on a better-sqlite3 connection of
 * its own and run synchronously (no per-batch kysely/promise round trips). Returns the run id and
 * segment ids.
 */
export async function storeRun(
  db: Kysely<Database>,
  run: NewRun,
  segments: NewSegment[],
  members: Memberships,
  onProgress?: (stored: number) => void,
  options: { sqliteFile?: string } = {},
): Promise<{ runId: number; segmentIds: number[] }> {
  await dropIncompleteRuns(db);
  const { runId, segmentIds } = await db.transaction().execute(async (trx) => {
    const inserted = await trx
      .insertInto('segment_runs')
      .values({
        ...run,
        features: JSON.stringify(run.features),
        parameters: JSON.stringify(run.parameters),
        details: JSON.stringify(run.details),
        status: 'storing',
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const id = Number(inserted.id);
    const ids: number[] = [];
    for (const [position, segment] of segments.entries()) {
      const row = await trx
        .insertInto('segments')
        .values({ ...segment, run_id: id, position, profile: JSON.stringify(segment.profile) })
        .returning('id')
        .executeTakeFirstOrThrow();
      ids.push(Number(row.id));
    }
    return { runId: id, segmentIds: ids };
  });
  try {
    const template = (rows: number) =>
      db
        .insertInto('segment_members')
        .values(Array.from({ length: rows }, () => ({ run_id: 0, customer_id: '', segment_id: 0, feature_values: '' })))
        .compile();
    const full = template(MEMBER_BATCH);
    if (options.sqliteFile) {
      const stored = storeMembersSqlite(options.sqliteFile, full.sql, template, runId, segmentIds, members, onProgress);
      await db.updateTable('segment_runs').set({ status: 'complete' }).where('id', '=', runId).execute();
      onProgress?.(stored);
      return { runId, segmentIds };
    }
    let stored = 0;
    let i = 0;
    while (i < members.ids.length) {
      // one short transaction of up to MEMBERS_PER_COMMIT memberships
      i = await db.transaction().execute(async (trx) => {
        let params: unknown[] = [];
        let rows = 0;
        let inChunk = 0;
        const flush = async () => {
          const compiled = rows === MEMBER_BATCH ? full : template(rows);
          await trx.executeQuery(CompiledQuery.raw(compiled.sql, params));
          stored += rows;
          inChunk += rows;
          params = [];
          rows = 0;
          if (stored % (MEMBER_BATCH * 25) === 0) onProgress?.(stored);
        };
        let next = i;
        for (; next < members.ids.length && inChunk + rows < MEMBERS_PER_COMMIT; next++) {
          const s = members.segment[next]!;
          if (s < 0) continue;
          params.push(runId, members.ids[next], segmentIds[s], members.featureText(next));
          if (++rows === MEMBER_BATCH) await flush();
        }
        if (rows > 0) await flush();
        return next;
      });
    }
    await db.updateTable('segment_runs').set({ status: 'complete' }).where('id', '=', runId).execute();
    onProgress?.(stored);
    return { runId, segmentIds };
  } catch (error) {
    await dropRun(db, runId).catch(() => undefined);
    throw error;
  }
}

/** The SQLite fast path of storeRun's memberships: the same statements and chunks, on a connection of its own. */
function storeMembersSqlite(
  file: string,
  fullSql: string,
  template: (rows: number) => { sql: string },
  runId: number,
  segmentIds: number[],
  members: Memberships,
  onProgress?: (stored: number) => void,
): number {
  const sqlite = new SQLite(file, { fileMustExist: true });
  try {
    sqlite.pragma('busy_timeout = 10000');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('secure_delete = ON');
    const full = sqlite.prepare(fullSql);
    const params: unknown[] = new Array(MEMBER_BATCH * 4);
    let stored = 0;
    let i = 0;
    /** One short transaction of up to MEMBERS_PER_COMMIT memberships. */
    const chunk = () => {
      sqlite.exec('BEGIN IMMEDIATE');
      try {
        let rows = 0;
        let inChunk = 0;
        for (; i < members.ids.length && inChunk + rows < MEMBERS_PER_COMMIT; i++) {
          const s = members.segment[i]!;
          if (s < 0) continue;
          const p = rows * 4;
          params[p] = runId;
          params[p + 1] = members.ids[i];
          params[p + 2] = segmentIds[s];
          params[p + 3] = members.featureText(i);
          if (++rows === MEMBER_BATCH) {
            full.run(params);
            stored += rows;
            inChunk += rows;
            rows = 0;
            if (stored % (MEMBER_BATCH * 25) === 0) onProgress?.(stored);
          }
        }
        if (rows > 0) {
          sqlite.prepare(template(rows).sql).run(params.slice(0, rows * 4));
          stored += rows;
        }
        sqlite.exec('COMMIT');
      } catch (error) {
        if (sqlite.inTransaction) sqlite.exec('ROLLBACK');
        throw error;
      }
    };
    while (i < members.ids.length) {
      // chat acks and the bot's own writes (audit entries, request receipts) go first
      yieldToForeground();
      yieldToWaitingWrites();
      bulkWriteChunk(chunk);
    }
    return stored;
  } finally {
    sqlite.close();
  }
}

/** Drops runs left 'storing' by a crash (memberships first, then segments, then the run). */
export async function dropIncompleteRuns(db: Kysely<Database>): Promise<number[]> {
  const stale = await db.selectFrom('segment_runs').select('id').where('status', '<>', 'complete').execute();
  for (const { id } of stale) await dropRun(db, Number(id));
  return stale.map((r) => Number(r.id));
}

async function dropRun(db: Kysely<Database>, runId: number): Promise<void> {
  await db.deleteFrom('segment_members').where('run_id', '=', runId).execute();
  await db.deleteFrom('segments').where('run_id', '=', runId).execute();
  await db.deleteFrom('segment_runs').where('id', '=', runId).execute();
}

/** Ids of runs whose memberships are all stored (a subquery). */
function completeRuns(db: Kysely<Database>) {
  return db.selectFrom('segment_runs').select('id').where('status', '=', 'complete');
}

function toSegment(row: Record<string, unknown>): SegmentRecord {
  return {
    id: Number(row.id),
    run_id: Number(row.run_id),
    position: Number(row.position),
    name: String(row.name),
    kind: row.kind as SegmentKind,
    size: Number(row.size),
    share: Number(row.share),
    revenue_share: row.revenue_share === null ? null : Number(row.revenue_share),
    action: String(row.action),
    profile: JSON.parse(String(row.profile)) as Record<string, number>,
  };
}

function toRun(row: Record<string, unknown>): RunRecord {
  return {
    id: Number(row.id),
    name: (row.name as string | null) ?? null,
    method: row.method as RunRecord['method'],
    k: Number(row.k),
    as_of: String(row.as_of),
    features: JSON.parse(String(row.features)) as string[],
    parameters: JSON.parse(String(row.parameters)) as Record<string, unknown>,
    details: JSON.parse(String(row.details)) as RunDetails,
    customers: Number(row.customers),
    inertia: row.inertia === null ? null : Number(row.inertia),
    created_at: String(row.created_at),
    created_by: String(row.created_by),
    platform: String(row.platform),
  };
}

export async function getRun(db: Kysely<Database>, runId: number): Promise<RunRecord | undefined> {
  const row = await db.selectFrom('segment_runs').selectAll().where('id', '=', runId).where('status', '=', 'complete').executeTakeFirst();
  return row ? toRun(row) : undefined;
}

/** Runs, newest first. */
export async function listRuns(db: Kysely<Database>, limit = 10): Promise<RunRecord[]> {
  const rows = await db
    .selectFrom('segment_runs')
    .selectAll()
    .where('status', '=', 'complete')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.map(toRun);
}

export async function runSegments(db: Kysely<Database>, runId: number): Promise<SegmentRecord[]> {
  const rows = await db.selectFrom('segments').selectAll().where('run_id', '=', runId).orderBy('position').execute();
  return rows.map(toSegment);
}

/**
 * A run by id (`12`, `#12`) or by its name (the newest run of that name; case, spaces, hyphens and
 * underscores ignored). Throws a UserError naming the nearest names and the recent runs.
 */
export async function resolveRun(db: Kysely<Database>, ref: string | number): Promise<RunRecord> {
  const text = String(ref).trim();
  const id = /^#?\d+$/.test(text) ? Number(text.replace('#', '')) : undefined;
  let row =
    id !== undefined
      ? await db.selectFrom('segment_runs').selectAll().where('id', '=', id).where('status', '=', 'complete').executeTakeFirst()
      : undefined;
  if (!row && id === undefined) {
    const named = await db
      .selectFrom('segment_runs')
      .select(['id', 'name'])
      .where('status', '=', 'complete')
      .where('name', 'is not', null)
      .orderBy('id', 'desc')
      .execute();
    const match = findByName(text, named, (r) => r.name ?? '');
    if (match) row = await db.selectFrom('segment_runs').selectAll().where('id', '=', match.id).executeTakeFirst();
    if (!row) {
      const recent = await listRuns(db, 5);
      throw unknownNameError({
        code: 'run_not_found',
        what: 'segmentation run',
        input: text,
        known: named.map((r) => r.name ?? ''),
        shown: recent.map((r) => `#${r.id}${r.name ? ` (${r.name})` : ''}`),
        knownLabel: 'Recent runs',
        hint: 'See /segment list; ids work too.',
        none: 'There are no runs yet: start one with /segment run.',
      });
    }
  }
  if (!row) {
    const recent = await listRuns(db, 5);
    throw new UserError('run_not_found', `No segmentation run \`${text}\`.`, {
      hint: recent.length
        ? `Recent runs: ${recent.map((r) => `#${r.id}${r.name ? ` (${r.name})` : ''}`).join(', ')}. See /segment list.`
        : 'There are no runs yet: start one with /segment run.',
    });
  }
  return toRun(row);
}

/**
 * The segment a user or a later command means: an id (`12`, `#12`) or a name, matched forgivingly
 * (case, spaces, hyphens and underscores ignored: `at-risk` is "At risk"), taken from the newest run
 * that has a segment of that name. Throws a UserError with the nearest names and the latest run's
 * segments when nothing matches.
 */
export async function resolveSegment(db: Kysely<Database>, nameOrId: string | number): Promise<SegmentRecord> {
  const text = String(nameOrId).trim();
  const id = /^#?\d+$/.test(text) ? Number(text.replace('#', '')) : undefined;
  if (id !== undefined) {
    const row = await db.selectFrom('segments').selectAll().where('id', '=', id).where('run_id', 'in', completeRuns(db)).executeTakeFirst();
    if (row) return toSegment(row);
  }
  const named = await db
    .selectFrom('segments')
    .select(['id', 'name'])
    .where('run_id', 'in', completeRuns(db))
    .orderBy('run_id', 'desc')
    .orderBy('position')
    .execute();
  const match = id === undefined ? findByName(text, named, (s) => s.name) : undefined;
  if (match) {
    const row = await db.selectFrom('segments').selectAll().where('id', '=', match.id).executeTakeFirstOrThrow();
    return toSegment(row);
  }
  const [latest] = await listRuns(db, 1);
  const latestSegments = latest ? await runSegments(db, latest.id) : [];
  throw unknownNameError({
    code: 'segment_not_found',
    what: 'segment',
    input: text,
    known: [...new Set(named.map((s) => s.name))],
    shown: latestSegments.map((s) => `${s.name} (#${s.id})`),
    knownLabel: latest ? `Segments of the latest run #${latest.id}` : 'Segments',
    hint: 'Names are matched ignoring case, spaces and hyphens; ids work too (see /segment list).',
    none: 'There are no segments yet: start with /segment run.',
  });
}

/** Customer ids of a segment, ordered. */
export async function segmentMemberIds(db: Kysely<Database>, segmentId: number): Promise<string[]> {
  const rows = await db
    .selectFrom('segment_members')
    .select('customer_id')
    .where('segment_id', '=', segmentId)
    .orderBy('customer_id')
    .execute();
  return rows.map((r) => r.customer_id);
}

/** A page of a segment's members with their stored feature values, keyset on customer_id. */
export async function segmentMembersPage(
  db: Kysely<Database>,
  segmentId: number,
  after: string,
  limit: number,
): Promise<{ customer_id: string; feature_values: string }[]> {
  return db
    .selectFrom('segment_members')
    .select(['customer_id', 'feature_values'])
    .where('segment_id', '=', segmentId)
    .where('customer_id', '>', after)
    .orderBy('customer_id')
    .limit(limit)
    .execute();
}
