import { readCappedBody } from '../../src/http/capped-body.ts';
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AckGate } from './after-acks.ts';
import type { Kysely } from 'kysely';
import type { Logger } from '../../src/logger.ts';
import type { Database } from '../../src/store/schema.ts';
import type { WriteGroup, WriteQueue } from '../../src/core/write-queue.ts';

/** Slack's own freshness window for signed requests. */
export const SLACK_TOLERANCE_SECONDS = 300;
/** Slash commands and interactivity payloads are a few KB; Bolt's default allows 4 MB. */
export const SLACK_MAX_BODY_BYTES = 256 * 1024;

export interface SlackRequestGuardOptions {
  signingSecret: string;
  maxBodyBytes?: number;
  toleranceSeconds?: number;
  /** How many recent signatures are remembered at most (oldest forgotten first). */
  maxRemembered?: number;
  now?: () => number;
  logger?: Logger;
  /** Where seen signatures are kept: the database (shared by every instance) or this process only. */
  store?: ReplayStore;
  /** Told of every guarded request until it is answered. */
  gate?: AckGate;
}

/** Remembers a verified signature until it expires; false when it was already there (a replay). */
export interface ReplayStore {
  remember(signature: string, expiresAtMs: number, nowMs: number): boolean | Promise<boolean>;
  /**
   * Optional second step, after the ack: stores the request's receipt where every instance sees it;
   * false when another instance already had it. Handed to the listener as `context.slackReceipt`.
   */
  receipt?(signature: string, expiresAtMs: number, nowMs: number): Promise<boolean>;
}

/** The request after the guard: its body, and (with a store that has receipts) whether it is the first delivery anywhere. */
export type GuardedRequest = IncomingMessage & { rawBody?: Buffer; slackReceipt?: Promise<boolean> };

interface Receipt {
  signature: string;
  expiresAtMs: number;
  nowMs: number;
}

/**
 * Stores receipts with one insert; per receipt, false when an unexpired one was already there
 * (an expired one not yet pruned is taken over). Expired receipts are pruned about once a minute.
 */
async function storeReceipts(db: Kysely<Database>, prune: { last: number }, receipts: Receipt[]): Promise<boolean[]> {
  if (!receipts.length) return [];
  const nowMs = Math.max(...receipts.map((r) => r.nowMs));
  if (nowMs - prune.last > 60_000) {
    prune.last = nowMs;
    await db.deleteFrom('request_receipts').where('expires_at', '<=', nowMs).execute();
  }
  const unique = [...new Map(receipts.map((r) => [r.signature, r])).values()];
  const inserted = new Set(
    (
      await db
        .insertInto('request_receipts')
        .values(unique.map((r) => ({ signature: r.signature, expires_at: r.expiresAtMs })))
        .onConflict((oc) => oc.column('signature').doNothing())
        .returning('signature')
        .execute()
    ).map((row) => row.signature),
  );
  for (const r of unique) {
    if (inserted.has(r.signature)) continue;
    const renewed = await db
      .updateTable('request_receipts')
      .set({ expires_at: r.expiresAtMs })
      .where('signature', '=', r.signature)
      .where('expires_at', '<=', r.nowMs)
      .executeTakeFirst();
    if (Number(renewed.numUpdatedRows) > 0) inserted.add(r.signature);
  }
  // the same signature twice in one batch: only its first receipt is the first delivery
  return receipts.map((r) => inserted.delete(r.signature));
}

/** Seen signatures in the database, so a request replayed to another instance behind the load balancer is refused too. */
export class DatabaseReplayStore implements ReplayStore {
  readonly #prune = { last: 0 };
  constructor(private readonly db: Kysely<Database>) {}

  async remember(signature: string, expiresAtMs: number, nowMs: number): Promise<boolean> {
    const [first] = await storeReceipts(this.db, this.#prune, [{ signature, expiresAtMs, nowMs }]);
    return first!;
  }
}

/**
 * The replay check without touching the database before the ack: this instance's signatures in
 * memory (a synchronous check, 409 for a replay), and the receipt stored through the bot's write
 * queue after the ack. The receipt's result says whether another instance stored the same
 * signature first; the Slack adapter then drops the command's work (the replay was acked with
 * an empty 200, and does nothing).
 */
export class SharedReplayStore implements ReplayStore {
  readonly #local: ReplayCache;
  readonly #receipts: WriteGroup<Receipt, boolean>;

  constructor(
    private readonly writes: WriteQueue,
    maxRemembered = 100_000,
  ) {
    this.#local = new ReplayCache(maxRemembered);
    const prune = { last: 0 };
    this.#receipts = { label: 'slack request receipts', writeAll: (trx, receipts) => storeReceipts(trx, prune, receipts) };
  }

  remember(signature: string, expiresAtMs: number, nowMs: number): boolean {
    return this.#local.remember(signature, expiresAtMs, nowMs);
  }

  receipt(signature: string, expiresAtMs: number, nowMs: number): Promise<boolean> {
    return this.writes.writeInto(this.#receipts, { signature, expiresAtMs, nowMs });
  }
}

/**
 * Remembers the signatures of verified requests for the freshness window: the same signed
 * request seen twice is a replay (Slack signs every delivery anew).
 */
export class ReplayCache implements ReplayStore {
  readonly #seen = new Map<string, number>();
  constructor(private readonly maxEntries: number) {}

  /** True when the signature was new (and is now remembered); false for a replay. */
  remember(signature: string, expiresAtMs: number, nowMs: number): boolean {
    this.#prune(nowMs);
    const known = this.#seen.get(signature);
    if (known !== undefined && known > nowMs) return false;
    this.#seen.set(signature, expiresAtMs);
    while (this.#seen.size > this.maxEntries) this.#seen.delete(this.#seen.keys().next().value!);
    return true;
  }

  get size(): number {
    return this.#seen.size;
  }

  #prune(nowMs: number): void {
    for (const [signature, expires] of this.#seen) {
      if (expires > nowMs) break;
      this.#seen.delete(signature);
    }
  }
}

/** `v0=` HMAC-SHA256 of `v0:<timestamp>:<body>`, compared in constant time. */
export function validSlackSignature(secret: string, timestamp: string, body: Buffer, signature: string): boolean {
  const expected = Buffer.from(`v0=${createHmac('sha256', secret).update(`v0:${timestamp}:`).update(body).digest('hex')}`);
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * The one check of every request the Slack receiver hands it (POST /slack/events): caps the
 * body; answers 401 to a missing or wrong signature and to a timestamp outside Slack's window,
 * as Bolt would; refuses (409) a correctly signed, fresh request whose signature was already seen. Slack's `ssl_check` probe
 * is unsigned: it passes on with nothing but `ssl_check=1` in its body. Verified requests go on
 * to `next` with the body read here as req.rawBody. Only verified signatures are remembered, so
 * forged requests cannot fill the replay cache.
 */
export function guardSlackRequests(next: RequestListener, options: SlackRequestGuardOptions): RequestListener {
  const cap = options.maxBodyBytes ?? SLACK_MAX_BODY_BYTES;
  const tolerance = options.toleranceSeconds ?? SLACK_TOLERANCE_SECONDS;
  const now = options.now ?? Date.now;
  const cache: ReplayStore = options.store ?? new ReplayCache(options.maxRemembered ?? 100_000);
  const refuse = (res: ServerResponse, status: number, error?: string) => {
    if (res.headersSent) return;
    if (error) res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: false, error }));
    else res.writeHead(status).end();
  };

  const listener: RequestListener = (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    options.gate?.enter(res);
    void readCappedBody(req, cap).then((read) => {
      if (!read.ok) {
        if (read.reason === 'error') return refuse(res, 400, 'bad_request');
        options.logger?.warn({ path, bytes: Number(req.headers['content-length'] ?? 0) || undefined }, 'slack: request body over the cap');
        return refuse(res, 413, 'too_large');
      }
      const guarded = req as GuardedRequest;
      guarded.rawBody = read.body;
      if (sslCheck(req, read.body)) {
        guarded.rawBody = Buffer.from('ssl_check=1');
        return next(req, res);
      }
      const verdict = verify(guarded);
      if (typeof verdict === 'string') {
        options.logger?.warn({ path, reason: verdict }, 'slack: request refused (signature check)');
        return refuse(res, 401);
      }
      remembered(guarded, verdict).then(
        (first) => {
          if (first) return next(req, res);
          options.logger?.warn({ path }, 'slack: replayed request refused');
          refuse(res, 409, 'replayed');
        },
        (error: unknown) => {
          // the replay store failing must not stop Slack traffic: the request is verified
          options.logger?.error({ err: error }, 'slack: replay check failed; request passed on');
          next(req, res);
        },
      );
    });
  };

  /** The verified signature and its timestamp (seconds), or why the request is refused. */
  function verify(
    req: GuardedRequest,
  ): { signature: string; timestamp: number } | 'missing signature' | 'stale timestamp' | 'bad signature' {
    const signature = req.headers['x-slack-signature'];
    const timestamp = req.headers['x-slack-request-timestamp'];
    if (typeof signature !== 'string' || typeof timestamp !== 'string' || !/^\d{1,12}$/.test(timestamp)) return 'missing signature';
    if (Math.abs(now() / 1000 - Number(timestamp)) > tolerance) return 'stale timestamp';
    return validSlackSignature(options.signingSecret, timestamp, req.rawBody!, signature)
      ? { signature, timestamp: Number(timestamp) }
      : 'bad signature';
  }

  /** False for a replay: the signature (verified, fresh) was seen before. */
  async function remembered(req: GuardedRequest, { signature, timestamp }: { signature: string; timestamp: number }): Promise<boolean> {
    const nowMs = now();
    const expires = Math.max((timestamp + tolerance) * 1000, nowMs + 1);
    if (!(await cache.remember(signature, expires, nowMs))) return false;
    if (cache.receipt) {
      const receipt = cache.receipt(signature, expires, nowMs);
      // observed by the listener; a failure must not surface as an unhandled rejection
      receipt.catch(() => undefined);
      req.slackReceipt = receipt;
    }
    return true;
  }
  return listener;
}

/** Slack's unsigned SSL probe: a form body with ssl_check=1. */
function sslCheck(req: IncomingMessage, body: Buffer): boolean {
  return (
    req.headers['content-type'] === 'application/x-www-form-urlencoded' &&
    body.length < 512 &&
    body.includes('ssl_check=') &&
    new URLSearchParams(body.toString()).get('ssl_check') === '1'
  );
}
