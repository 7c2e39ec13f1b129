import { createHash, createHmac, randomBytes } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { StartupError } from '../lifecycle/start-up-errors.ts';
import type { Database } from '../store/schema.ts';

/**
 * The erasure suppression list: salted hashes (HMAC-SHA256, hex) of each erased customer's id and
 * normalised email. An import, or an event from the webhook, whose customer id or email hashes to
 * one of them is skipped and counted as "suppressed", so an erased person is never stored again.
 * The salt is ERASURE_SALT when set, else one generated on first start and kept in `settings`.
 */

const SALT_KEY = 'erasure_salt';
/** sha256 of the salt the stored hashes were made with (never the salt itself when it comes from ERASURE_SALT). */
const FINGERPRINT_KEY = 'erasure_salt_fingerprint';

export type SuppressionKind = 'customer_id' | 'email';

function fingerprint(salt: string): string {
  return createHash('sha256').update(`growthbot-erasure-salt:${salt}`).digest('hex');
}

async function setting(db: Kysely<Database> | Transaction<Database>, key: string): Promise<string | undefined> {
  return (await db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst())?.value;
}

async function putSetting(db: Kysely<Database>, key: string, value: string, at: string): Promise<void> {
  await db
    .insertInto('settings')
    .values({ key, value, updated_at: at })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value, updated_at: at }))
    .execute();
}

async function suppressionCount(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom('erasure_suppressions')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * At start: makes sure there is a salt and that it is the one the stored hashes were made with.
 * Refuses to start (StartupError) when ERASURE_SALT differs from it, or was unset after being used:
 * with another salt, erased customers could be imported again.
 */
export async function ensureErasureSalt(db: Kysely<Database>, configured: string | undefined, now: Date): Promise<void> {
  const at = now.toISOString();
  const known = await setting(db, FINGERPRINT_KEY);
  const suppressed = async () => (known === undefined ? 0 : await suppressionCount(db));
  const refuse = (count: number, generated: boolean) => {
    const hashes = `${count} stored erasure suppression ${count === 1 ? 'hash was' : 'hashes were'}`;
    return new StartupError(
      configured !== undefined
        ? `ERASURE_SALT does not match the salt the ${hashes} made with: with it, erased customers could be imported again. Set ERASURE_SALT back to the value it had when they were erased${generated ? ', or remove it to use the salt the bot generated' : ''}.`
        : `ERASURE_SALT is not set, but the ${hashes} made with it: set ERASURE_SALT to the value it had when they were erased, or erased customers could be imported again.`,
    );
  };
  let stored = await setting(db, SALT_KEY);
  if (configured === undefined && stored === undefined) {
    const count = await suppressed();
    if (count > 0) throw refuse(count, false);
    // two instances starting at once: the first insert wins and both use it
    await db
      .insertInto('settings')
      .values({ key: SALT_KEY, value: randomBytes(32).toString('hex'), updated_at: at })
      .onConflict((oc) => oc.column('key').doNothing())
      .execute();
    stored = await setting(db, SALT_KEY);
  }
  const salt = configured ?? stored!;
  if (known === fingerprint(salt)) return;
  const count = await suppressed();
  if (count > 0) throw refuse(count, stored !== undefined);
  await putSetting(db, FINGERPRINT_KEY, fingerprint(salt), at);
}

/** The salt in use: ERASURE_SALT, else the generated one (made now if the start-up check has not run on this store). */
export async function erasureSalt(db: Kysely<Database> | Transaction<Database>, configured: string | undefined): Promise<string> {
  if (configured !== undefined) return configured;
  const stored = await setting(db, SALT_KEY);
  if (stored !== undefined) return stored;
  await ensureErasureSalt(db, undefined, new Date());
  const made = await setting(db, SALT_KEY);
  if (made === undefined) throw new Error('no erasure salt: ERASURE_SALT was used before; set it again');
  return made;
}

export function normaliseEmail(email: string): string {
  return email.normalize('NFC').trim().toLowerCase();
}

export function suppressionHash(salt: string, kind: SuppressionKind, value: string): string {
  return createHmac('sha256', salt)
    .update(`${kind}:${kind === 'email' ? normaliseEmail(value) : value.trim()}`)
    .digest('hex');
}

/** How many customer ids' answers a Suppressions keeps (the lines of one order, a customer's events, share one). */
const CACHE_IDS = 100_000;

/** The stored suppression list, checked row by row in memory (an HMAC per new customer id, one per email). */
export class Suppressions {
  readonly #byId = new Map<string, boolean>();

  constructor(
    private readonly salt: string,
    private readonly hashes: ReadonlySet<string>,
  ) {}

  get empty(): boolean {
    return this.hashes.size === 0;
  }

  /** Whether a row with this customer id (and email, when it has one) belongs to an erased person. */
  has(customerId: string | null | undefined, email?: string | null): boolean {
    if (this.hashes.size === 0) return false;
    if (customerId) {
      let known = this.#byId.get(customerId);
      if (known === undefined) {
        known = this.hashes.has(suppressionHash(this.salt, 'customer_id', customerId));
        if (this.#byId.size >= CACHE_IDS) this.#byId.clear();
        this.#byId.set(customerId, known);
      }
      if (known) return true;
    }
    return Boolean(email && email.trim() !== '' && this.hashes.has(suppressionHash(this.salt, 'email', email)));
  }
}

/** Which of `customerIds` are erased people's: their hashes looked up in the store (for a few ids, e.g. one webhook request). */
export async function suppressedIds(
  db: Kysely<Database> | Transaction<Database>,
  configured: string | undefined,
  customerIds: readonly string[],
): Promise<Set<string>> {
  const unique = [...new Set(customerIds)];
  const found = new Set<string>();
  if (unique.length === 0) return found;
  const any = await db.selectFrom('erasure_suppressions').select('hash').limit(1).executeTakeFirst();
  if (!any) return found;
  const salt = await erasureSalt(db, configured);
  for (let i = 0; i < unique.length; i += 500) {
    const byHash = new Map(unique.slice(i, i + 500).map((id) => [suppressionHash(salt, 'customer_id', id), id]));
    const rows = await db
      .selectFrom('erasure_suppressions')
      .select('hash')
      .where('hash', 'in', [...byHash.keys()])
      .execute();
    for (const row of rows) found.add(byHash.get(row.hash)!);
  }
  return found;
}

export async function loadSuppressions(
  db: Kysely<Database> | Transaction<Database>,
  configured: string | undefined,
): Promise<Suppressions> {
  const rows = await db.selectFrom('erasure_suppressions').select('hash').execute();
  if (rows.length === 0) return new Suppressions('', new Set());
  return new Suppressions(await erasureSalt(db, configured), new Set(rows.map((r) => r.hash)));
}
