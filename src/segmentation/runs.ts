import { CompiledQuery, sql, type Kysely } from 'kysely';
import { UserError } from '../core/errors.ts';
import type { Database } from '../store/schema.ts';

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
  /** Customers left out because a requested attribute was missing. */
  missing: number;
  currency: string;
  /** Wall time of the stages before storing: reading features, clustering or scoring. */
  timings_ms?: { features: number; cluster: number };
}

export interface NewRun {
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

export interface NewSegment {
  name: string;
  kind: SegmentKind;
  size: number;
  share: number;
  revenue_share: number | null;
  action: string;
  profile: Record<string, number>;
}

export interface Memberships {
  /** Customer ids. */
  ids: string[];
  /** Per customer: index into the run's segments, or -1 for none. */
  segment: Int32Array;
  /** The feature_values text of customer i. */
  featureText(i: number): string;
}

const MEMBER_BATCH = 2000;

/**
 * Stores a run, its segments and one membership row per customer in one transaction.
 * Memberships go in multi-row inserts of MEMBER_BATCH rows whose statement kysely compiles
 * once (placeholders fit both SQLite and PostgreSQL). Returns the run id and segment ids.
 */
export async function storeRun(
  db: Kysely<Database>,
  run: NewRun,
  segments: NewSegment[],
  members: Memberships,
  onProgress?: (stored: number) => void,
): Promise<{ runId: number; segmentIds: number[] }> {
  return db.transaction().execute(async (trx) => {
    const inserted = await trx
      .insertInto('segment_runs')
      .values({ ...run, features: JSON.stringify(run.features), parameters: JSON.stringify(run.parameters), details: JSON.stringify(run.details) })
      .returning('id')
      .executeTakeFirstOrThrow();
    const runId = Number(inserted.id);
    const segmentIds: number[] = [];
    for (const [position, segment] of segments.entries()) {
      const row = await trx
        .insertInto('segments')
        .values({ ...segment, run_id: runId, position, profile: JSON.stringify(segment.profile) })
        .returning('id')
        .executeTakeFirstOrThrow();
      segmentIds.push(Number(row.id));
    }
    const template = (rows: number) =>
      trx
        .insertInto('segment_members')
        .values(Array.from({ length: rows }, () => ({ run_id: 0, customer_id: '', segment_id: 0, feature_values: '' })))
        .compile();
    const full = template(MEMBER_BATCH);
    let params: unknown[] = [];
    let rows = 0;
    let stored = 0;
    const flush = async () => {
      const compiled = rows === MEMBER_BATCH ? full : template(rows);
      await trx.executeQuery(CompiledQuery.raw(compiled.sql, params));
      stored += rows;
      params = [];
      rows = 0;
      if (stored % (MEMBER_BATCH * 25) === 0) onProgress?.(stored);
    };
    for (let i = 0; i < members.ids.length; i++) {
      const s = members.segment[i];
      if (s < 0) continue;
      params.push(runId, members.ids[i], segmentIds[s], members.featureText(i));
      if (++rows === MEMBER_BATCH) await flush();
    }
    if (rows > 0) await flush();
    onProgress?.(stored);
    return { runId, segmentIds };
  });
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
  const row = await db.selectFrom('segment_runs').selectAll().where('id', '=', runId).executeTakeFirst();
  return row ? toRun(row) : undefined;
}

/** Runs, newest first. */
export async function listRuns(db: Kysely<Database>, limit = 10): Promise<RunRecord[]> {
  const rows = await db.selectFrom('segment_runs').selectAll().orderBy('id', 'desc').limit(limit).execute();
  return rows.map(toRun);
}

export async function runSegments(db: Kysely<Database>, runId: number): Promise<SegmentRecord[]> {
  const rows = await db.selectFrom('segments').selectAll().where('run_id', '=', runId).orderBy('position').execute();
  return rows.map(toSegment);
}

/**
 * A run by id (`12`, `#12`) or by its name (the newest run of that name, case-insensitive).
 * Throws a UserError naming what exists when nothing matches.
 */
export async function resolveRun(db: Kysely<Database>, ref: string | number): Promise<RunRecord> {
  const text = String(ref).trim();
  const id = /^#?\d+$/.test(text) ? Number(text.replace('#', '')) : undefined;
  const row =
    id !== undefined
      ? await db.selectFrom('segment_runs').selectAll().where('id', '=', id).executeTakeFirst()
      : await db
          .selectFrom('segment_runs')
          .selectAll()
          .where(sql`lower(name)`, '=', text.toLowerCase())
          .orderBy('id', 'desc')
          .executeTakeFirst();
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
 * The segment a user or a later command means: an id (`12`, `#12`) or a name,
 * case-insensitive, taken from the newest run that has a segment of that name.
 * Throws a UserError listing the latest run's segments when nothing matches.
 */
export async function resolveSegment(db: Kysely<Database>, nameOrId: string | number): Promise<SegmentRecord> {
  const text = String(nameOrId).trim();
  const id = /^#?\d+$/.test(text) ? Number(text.replace('#', '')) : undefined;
  const row =
    id !== undefined
      ? await db.selectFrom('segments').selectAll().where('id', '=', id).executeTakeFirst()
      : await db
          .selectFrom('segments')
          .selectAll()
          .where(sql`lower(name)`, '=', text.toLowerCase())
          .orderBy('run_id', 'desc')
          .orderBy('position')
          .executeTakeFirst();
  if (row) return toSegment(row);
  const [latest] = await listRuns(db, 1);
  const names = latest ? (await runSegments(db, latest.id)).map((s) => `${s.name} (#${s.id})`) : [];
  throw new UserError('segment_not_found', `No segment \`${text}\`.`, {
    hint: names.length
      ? `Segments of the latest run #${latest!.id}: ${names.join(', ')}. Names are matched case-insensitively; ids work too.`
      : 'There are no segments yet: start with /segment run.',
  });
}

/** Customer ids of a segment, ordered. */
export async function segmentMemberIds(db: Kysely<Database>, segmentId: number): Promise<string[]> {
  const rows = await db.selectFrom('segment_members').select('customer_id').where('segment_id', '=', segmentId).orderBy('customer_id').execute();
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
