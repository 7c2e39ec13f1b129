import { randomBytes } from 'node:crypto';
import { PostgresAdapter, sql, type Kysely, type Transaction } from 'kysely';
import { UserError } from '../core/errors.ts';
import { idempotencyKey, newRecipientKey } from '../campaigns/outbox.ts';
import { instanceOwner, withLease, type WithLeaseResult } from '../store/locks.ts';
import type { Database } from '../store/schema.ts';
import { eraseFromFiles, type ErasedFile } from './erase-files.ts';
import { erasureSalt, suppressionHash } from './suppression.ts';

export const FORGOTTEN_PREFIX = 'forgotten-';

/** What an erasure touched: counts only, never the customer. */
export interface ErasureCounts {
  /** The customer row (deleted). */
  customer: number;
  orders: number;
  /** Line items of their orders (what they bought, product by product): deleted; the orders keep their totals. */
  order_lines: number;
  events: number;
  segment_memberships: number;
  /** Campaign audience rows: launched audiences and frozen predicted audiences. */
  campaign_recipients: number;
  /** Outbox rows re-keyed (their idempotency keys now derive from a random key). */
  outbox_rows: number;
  /** Deliveries still pending for the customer, now cancelled. */
  deliveries_cancelled: number;
  attributes_deleted: number;
  staging_rows_deleted: number;
  /** Audit entries that named the customer, now naming the anonymous id. */
  audit_entries: number;
  /** Suppression hashes added (id, and email when there was one). */
  suppressions: number;
}

export interface ErasureResult {
  /** `ER-…`: names this erasure in the reply, the audit trail and the `erasures` table. */
  reference: string;
  /** The random id the customer's orders and events now belong to: for the erasure's audit entry only, never the reply. */
  anonymousId: string;
  /** Rows touched in the store plus files rewritten or deleted. */
  records: number;
  counts: ErasureCounts;
  /** Files in OUT_DIR that held the customer, rewritten without them or deleted (relative paths). */
  files: ErasedFile[];
  /** Files that could not be checked (too large, unreadable). */
  files_unchecked: { name: string; reason: string }[];
  /** How the freed bytes were cleared: SQLite secure_delete + checkpoint (and VACUUM), PostgreSQL VACUUM. */
  storage: string;
}

export interface ErasureRequest {
  customerId: string;
  now: Date;
  /** Who asked (stored in `erasures`). */
  platform: string;
  userId: string;
  outDir: string;
  /** ERASURE_SALT when set. */
  configuredSalt: string | undefined;
}

/** Transient import tables with a customer_id: rows there may hold personal data. */
const STAGING_TABLES = [
  'import_staging_customers',
  'import_staging_attributes',
  'import_staging_order_lines',
  'import_staging_line_items',
  'import_staging_events',
] as const;

/**
 * Jobs that write customer ids read before the erasure (imports of customers, orders and events; a
 * segmentation run storing its memberships): an erasure holds their locks, and is refused while one runs.
 */
const JOB_LEASES = ['import:customers', 'import:orders', 'import:events', 'segment-run'] as const;

/** Tables an erasure writes: PostgreSQL vacuums them afterwards so the old row versions go. */
const TOUCHED_TABLES = [
  'customers',
  'customer_attributes',
  'orders',
  'order_lines',
  'events',
  'segment_members',
  'campaign_audience',
  'campaign_predicted_members',
  'campaign_outbox',
  'audit_log',
  ...STAGING_TABLES,
] as const;

/** `ER-` and 10 random base-32 characters. */
export function newErasureReference(): string {
  const alphabet = 'abcdefghjkmnpqrstuvwxyz23456789';
  return `ER-${[...randomBytes(10)].map((b) => alphabet[b % alphabet.length]).join('')}`;
}

function isPostgres(db: Kysely<Database>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

const SQLITE_VACUUMED = 'sqlite_secure_delete_vacuumed';

/**
 * Erases a customer completely while keeping every total right:
 * - a new customer row with a random, unlinkable id keeps the signup date and acquisition channel
 *   (for CAC) with no email, name, country or consent; orders, events, segment memberships and
 *   campaign rows move to it; the orders' line items, attributes, staging rows and the original row
 *   are deleted;
 * - outbox rows get idempotency keys derived from their random recipient key;
 * - audit entries that name the customer name the anonymous id instead;
 * - salted hashes of the id and email go on the suppression list, so no import brings them back;
 * - the erasure is recorded by reference, with counts and who asked, never the customer;
 * then files in OUT_DIR holding the customer are rewritten or deleted and the freed bytes cleared
 * (SQLite: secure_delete, a WAL checkpoint, a first-time VACUUM; PostgreSQL: VACUUM).
 * Refused while an import that writes customers, or a segmentation run, is running.
 */
export async function forgetCustomer(db: Kysely<Database>, request: ErasureRequest): Promise<ErasureResult> {
  const { customerId } = request;
  if (customerId.startsWith(FORGOTTEN_PREFIX)) {
    throw new UserError('already_forgotten', 'That id is already an anonymized record.', {
      hint: 'Nothing personal is left to erase.',
    });
  }
  const reference = newErasureReference();
  const owner = `erasure:${reference}|${instanceOwner('erasure')}`;
  const busy = (key: string) =>
    key === 'segment-run'
      ? new UserError(
          'segment_run_running',
          'A segmentation run is running, and an erasure must not race it: try again when it finishes.',
          {
            hint: 'It stores the customers it read when it started; the erasure waits for none of it.',
          },
        )
      : new UserError('import_running', 'An import is running, and an erasure must not race it: try again when it finishes.', {
          hint: 'Imports of customers, orders and events hold a lock while they run; the erasure needs none of them to be running.',
        });
  const underLeases = async (keys: readonly string[]): Promise<ErasureResult> => {
    if (keys.length === 0) return erase(db, request, reference);
    const outcome: WithLeaseResult<ErasureResult> = await withLease(db, keys[0]!, owner, 120_000, () => underLeases(keys.slice(1)), {
      acquireWithinMs: 5_000,
    });
    if (!outcome.ran) throw busy(keys[0]!);
    return outcome.value;
  };
  return underLeases(JOB_LEASES);
}

async function erase(db: Kysely<Database>, request: ErasureRequest, reference: string): Promise<ErasureResult> {
  const { customerId } = request;
  const at = request.now.toISOString();
  const salt = await erasureSalt(db, request.configuredSalt);
  const { counts, person, anonymousId } = await db.transaction().execute(async (trx) => {
    const customer = await trx.selectFrom('customers').selectAll().where('customer_id', '=', customerId).executeTakeFirst();
    if (!customer) {
      const suppressed = await trx
        .selectFrom('erasure_suppressions')
        .select('reference')
        .where('hash', '=', suppressionHash(salt, 'customer_id', customerId))
        .executeTakeFirst();
      if (suppressed)
        throw new UserError('already_forgotten', `That customer was already erased (${suppressed.reference}).`, {
          hint: 'Nothing personal is left to erase; imports skip them.',
        });
      throw new UserError('unknown_customer', 'There is no customer with that id.', {
        hint: 'Check the id with /customer show <id> (ids are as imported).',
      });
    }
    const anonymousId = `${FORGOTTEN_PREFIX}${randomBytes(8).toString('hex')}`;
    await trx
      .insertInto('customers')
      .values({
        customer_id: anonymousId,
        email: null,
        name: null,
        country: null,
        signup_date: customer.signup_date,
        acquisition_channel: customer.acquisition_channel,
        consent: 0,
        created_at: customer.created_at,
        updated_at: at,
      })
      .execute();
    const moved = async (table: 'orders' | 'events' | 'segment_members' | 'campaign_audience' | 'campaign_predicted_members') =>
      Number(
        (await trx.updateTable(table).set({ customer_id: anonymousId }).where('customer_id', '=', customerId).executeTakeFirst())
          .numUpdatedRows,
      );
    const orderLines = await trx
      .deleteFrom('order_lines')
      .where('order_id', 'in', trx.selectFrom('orders').select('order_id').where('customer_id', '=', customerId))
      .executeTakeFirst();
    const orders = await moved('orders');
    const events = await moved('events');
    const segmentMemberships = await moved('segment_members');
    const campaignRecipients = (await moved('campaign_audience')) + (await moved('campaign_predicted_members'));
    const cancelled = await trx
      .updateTable('campaign_outbox')
      .set({ status: 'failed', last_error: 'customer forgotten', updated_at: at })
      .where('customer_id', '=', customerId)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    const outboxRows = await rekeyOutbox(trx, customerId, anonymousId);
    const attributes = await trx.deleteFrom('customer_attributes').where('customer_id', '=', customerId).executeTakeFirst();
    let staging = 0;
    for (const table of STAGING_TABLES) {
      staging += Number((await trx.deleteFrom(table).where('customer_id', '=', customerId).executeTakeFirst()).numDeletedRows);
    }
    // a staged customers row found by email (another id for the same person) goes too
    if (customer.email) {
      staging += Number(
        (await trx.deleteFrom('import_staging_customers').where('email', '=', customer.email).executeTakeFirst()).numDeletedRows,
      );
    }
    await trx.deleteFrom('customers').where('customer_id', '=', customerId).execute();
    // the next import of a file that held them is read again, so its reply counts them as suppressed
    await trx.deleteFrom('import_fingerprints').execute();
    const audit = await rewriteAudit(trx, { id: customerId, email: customer.email, name: customer.name }, anonymousId);
    const hashes = [
      { hash: suppressionHash(salt, 'customer_id', customerId), kind: 'customer_id' },
      ...(customer.email && customer.email.trim() !== '' ? [{ hash: suppressionHash(salt, 'email', customer.email), kind: 'email' }] : []),
    ];
    await trx
      .insertInto('erasure_suppressions')
      .values(hashes.map((h) => ({ ...h, reference, created_at: at })))
      .onConflict((oc) => oc.column('hash').doNothing())
      .execute();
    const counts: ErasureCounts = {
      customer: 1,
      orders,
      order_lines: Number(orderLines.numDeletedRows),
      events,
      segment_memberships: segmentMemberships,
      campaign_recipients: campaignRecipients,
      outbox_rows: outboxRows,
      deliveries_cancelled: Number(cancelled.numUpdatedRows),
      attributes_deleted: Number(attributes.numDeletedRows),
      staging_rows_deleted: staging,
      audit_entries: audit,
      suppressions: hashes.length,
    };
    await trx
      .insertInto('erasures')
      .values({ reference, at, platform: request.platform, user_id: request.userId, counts: JSON.stringify(counts) })
      .execute();
    return { counts, person: { id: customerId, email: customer.email, name: customer.name }, anonymousId };
  });
  const files = eraseFromFiles(request.outDir, person);
  // the erasure is committed: a failure here is reported in the reply, not thrown
  const storage = await clearFreedBytes(db, at).catch(
    (error: unknown) =>
      `Clearing the freed bytes failed (${error instanceof Error ? error.message : String(error)}): run ${isPostgres(db) ? 'VACUUM on the customers, orders, events and audit_log tables' : 'VACUUM on the SQLite file'} when the bot is idle`,
  );
  const records =
    counts.customer +
    counts.orders +
    counts.order_lines +
    counts.events +
    counts.segment_memberships +
    counts.campaign_recipients +
    counts.outbox_rows +
    counts.attributes_deleted +
    counts.staging_rows_deleted +
    counts.audit_entries +
    files.files.length;
  return { reference, anonymousId, records, counts, files: files.files, files_unchecked: files.unchecked, storage };
}

/** The customer's outbox rows move to the anonymous id; each gets a random recipient key (if it had none) and a key derived from it. */
async function rekeyOutbox(trx: Transaction<Database>, customerId: string, anonymousId: string): Promise<number> {
  const rows = await trx
    .selectFrom('campaign_outbox')
    .select(['campaign_id', 'recipient_key'])
    .where('customer_id', '=', customerId)
    .execute();
  for (const row of rows) {
    const key = row.recipient_key ?? newRecipientKey();
    await trx
      .updateTable('campaign_outbox')
      .set({ customer_id: anonymousId, recipient_key: key, idempotency_key: idempotencyKey(Number(row.campaign_id), key) })
      .where('campaign_id', '=', row.campaign_id)
      .where('customer_id', '=', customerId)
      .execute();
  }
  return rows.length;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Audit entries that name the customer now name the anonymous id instead: in the options (stored
 * as JSON), each text value that holds the id as a whole word (numbers are left alone: `limit=12`
 * is not customer 12); in the detail (an error message), the id where it is quoted as `id`.
 * Their email and name become `[erased]` in both.
 */
async function rewriteAudit(
  trx: Transaction<Database>,
  person: { id: string; email: string | null; name: string | null },
  anonymousId: string,
): Promise<number> {
  const others = [person.email, person.name].filter((v): v is string => Boolean(v && v.trim().length >= 2)).map((v) => v.trim());
  // a superset by LIKE (wildcards only widen it; lower() for the case-insensitive email and name), then the exact rewrite
  const candidates = await trx
    .selectFrom('audit_log')
    .select(['id', 'options', 'detail'])
    .where((eb) =>
      eb.or([
        eb('options', 'like', `%${person.id}%`),
        eb('detail', 'like', `%${person.id}%`),
        ...others.flatMap((needle) => [
          eb(eb.fn('lower', ['options']), 'like', `%${needle.toLowerCase()}%`),
          eb(eb.fn('lower', ['detail']), 'like', `%${needle.toLowerCase()}%`),
        ]),
      ]),
    )
    .execute();
  const asWord = new RegExp(`(?<![\\w.-])${escapeRegExp(person.id)}(?![\\w-]|\\.\\w)`, 'g');
  const quoted = new RegExp(`\`${escapeRegExp(person.id)}\``, 'g');
  const erased = others.map((v) => new RegExp(escapeRegExp(v), 'gi'));
  const scrubOthers = (text: string) => erased.reduce((out, re) => out.replace(re, '[erased]'), text);
  let touched = false;
  const rewriteText = (text: string, out: string) => {
    if (out !== text) touched = true;
    return out;
  };
  const rewriteValue = (value: unknown): unknown => {
    if (typeof value === 'string') return rewriteText(value, scrubOthers(value.replace(asWord, anonymousId)));
    if (Array.isArray(value)) return value.map(rewriteValue);
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rewriteValue(v)]));
    return value;
  };
  const rewriteOptions = (options: string) => {
    try {
      return JSON.stringify(rewriteValue(JSON.parse(options)));
    } catch {
      return rewriteValue(options) as string;
    }
  };
  let changed = 0;
  for (const row of candidates) {
    touched = false;
    const options = rewriteOptions(row.options);
    const detail = row.detail === null ? null : rewriteText(row.detail, scrubOthers(row.detail.replace(quoted, `\`${anonymousId}\``)));
    if (!touched) continue;
    await trx.updateTable('audit_log').set({ options, detail }).where('id', '=', row.id).execute();
    changed++;
  }
  return changed;
}

/**
 * The bytes the erasure freed are cleared, not just unlinked. SQLite: the connection runs with
 * secure_delete on (freed content is zeroed); the WAL is checkpointed and truncated, and a store
 * that ran before secure_delete was on is vacuumed once. PostgreSQL: VACUUM on the tables written,
 * so the old row versions are removed now instead of at autovacuum's next pass.
 */
async function clearFreedBytes(db: Kysely<Database>, at: string): Promise<string> {
  if (isPostgres(db)) {
    await sql`VACUUM ${sql.join(TOUCHED_TABLES.map((table) => sql.table(table)))}`.execute(db);
    return 'PostgreSQL: VACUUM on the tables written';
  }
  const steps: string[] = ['freed space overwritten (secure delete)'];
  const vacuumed = await db.selectFrom('settings').select('value').where('key', '=', SQLITE_VACUUMED).executeTakeFirst();
  if (!vacuumed) {
    await sql`VACUUM`.execute(db);
    await db
      .insertInto('settings')
      .values({ key: SQLITE_VACUUMED, value: at, updated_at: at })
      .onConflict((oc) => oc.column('key').doNothing())
      .execute();
    steps.push('VACUUM (once)');
  }
  for (let tries = 0; ; tries++) {
    const result = await sql<{ busy: number }>`PRAGMA wal_checkpoint(TRUNCATE)`.execute(db);
    if (Number(result.rows[0]?.busy ?? 0) === 0) {
      steps.push('WAL checkpointed and truncated');
      break;
    }
    if (tries >= 20) {
      steps.push('WAL checkpoint deferred (readers busy)');
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return `SQLite: ${steps.join(', ')}`;
}
