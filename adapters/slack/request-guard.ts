import { readCappedBody } from '../../src/http/capped-body.ts';
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Kysely } from 'kysely';
import type { Logger } from '../../src/logger.ts';
import type { Database } from '../../src/store/schema.ts';
import type { WriteQueue } from '../../src/core/write-queue.ts';

/** Slack's own freshness window for signed requests. */
export const SLACK_TOLERANCE_SECONDS = 300;
/** Slash commands and interactivity payloads are a few KB; Bolt's default allows 4 MB. */
export const SLACK_MAX_BODY_BYTES = 256 * 1024;

export interface SlackRequestGuardOptions {
  signingSecret: string;
  /** Paths Bolt answers Slack on (default /slack/events). */
  paths?: string[];
  maxBodyBytes?: number;
  toleranceSeconds?: number;
  /** How many recent signatures are remembered at most (oldest forgotten first). */
  maxRemembered?: number;
  now?: () => number;
  logger?: Logger;
  /** Where seen signatures are kept: the database (shared by every instance) or this process only. */
  store?: ReplayStore;
  /** Told of every request on the Slack paths until it is answered. */
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

/** Stores a receipt; false when an unexpired one was already there. Expired receipts are pruned about once a minute. */
async function storeReceipt(db: Kysely<Database>, prune: { last: number }, signature: string, expiresAtMs: number, nowMs: number): Promise<boolean> {
  if (nowMs - prune.last > 60_000) {
    prune.last = nowMs;
    await db.deleteFrom('request_receipts').where('expires_at', '<=', nowMs).execute();
  }
  const inserted = await db
    .insertInto('request_receipts')
    .values({ signature, expires_at: expiresAtMs })
    .onConflict((oc) => oc.column('signature').doNothing())
    .executeTakeFirst();
  if (Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0) return true;
  // an expired receipt not yet pruned: take it over
  const renewed = await db.updateTable('request_receipts').set({ expires_at: expiresAtMs }).where('signature', '=', signature).where('expires_at', '<=', nowMs).executeTakeFirst();
  return Number(renewed.numUpdatedRows) > 0;
}

/** Seen signatures in the database, so a request replayed to another instance behind the load balancer is refused too. */
export class DatabaseReplayStore implements ReplayStore {
  readonly #prune = { last: 0 };
  constructor(private readonly db: Kysely<Database>) {}

  remember(signature: string, expiresAtMs: number, nowMs: number): Promise<boolean> {
    return storeReceipt(this.db, this.#prune, signature, expiresAtMs, nowMs);
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
  readonly #prune = { last: 0 };

  constructor(
    private readonly writes: WriteQueue,
    maxRemembered = 100_000,
  ) {
    this.#local = new ReplayCache(maxRemembered);
  }

  remember(signature: string, expiresAtMs: number, nowMs: number): boolean {
    return this.#local.remember(signature, expiresAtMs, nowMs);
  }

  receipt(signature: string, expiresAtMs: number, nowMs: number): Promise<boolean> {
    return this.writes.write('slack request receipt', (trx) => storeReceipt(trx, this.#prune, signature, expiresAtMs, nowMs));
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

/**
 * Requests on the Slack paths not yet answered: the command flow holds post-ack work back while
 * any is open, so a burst is acknowledged before the work of its first commands runs.
 */
export class AckGate {
  #open = 0;
  #waiting: (() => void)[] = [];

  get pending(): number {
    return this.#open;
  }

  /** Counts the request as open until its response is finished (or the connection closes). */
  enter(res: ServerResponse): void {
    this.#open++;
    let left = false;
    const leave = () => {
      if (left) return;
      left = true;
      this.#open--;
      if (this.#open === 0) for (const wake of this.#waiting.splice(0)) wake();
    };
    res.once('finish', leave);
    res.once('close', leave);
  }

  /** Calls `fn` once no request is open (at once when none is). */
  whenIdle(fn: () => void): void {
    if (this.#open === 0) fn();
    else this.#waiting.push(fn);
  }
}

/** `v0=` HMAC-SHA256 of `v0:<timestamp>:<body>`, compared in constant time. */
export function validSlackSignature(secret: string, timestamp: string, body: Buffer, signature: string): boolean {
  const expected = Buffer.from(`v0=${createHmac('sha256', secret).update(`v0:${timestamp}:`).update(body).digest('hex')}`);
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * Puts a guard in front of Bolt's HTTP receiver: caps the body, and refuses (409) a correctly
 * signed, fresh request whose signature was already seen. Everything else goes on to Bolt,
 * which verifies signatures and timestamps itself (it reuses the body read here as req.rawBody).
 * Only verified signatures are remembered, so forged requests cannot fill the cache.
 */
export function guardSlackRequests(server: Server, options: SlackRequestGuardOptions): ReplayStore {
  const paths = new Set(options.paths ?? ['/slack/events']);
  const cap = options.maxBodyBytes ?? SLACK_MAX_BODY_BYTES;
  const tolerance = options.toleranceSeconds ?? SLACK_TOLERANCE_SECONDS;
  const now = options.now ?? Date.now;
  const cache: ReplayStore = options.store ?? new ReplayCache(options.maxRemembered ?? 100_000);
  const handlers = server.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
  server.removeAllListeners('request');
  const pass = (req: IncomingMessage, res: ServerResponse) => {
    for (const handler of handlers) handler.call(server, req, res);
  };
  const refuse = (res: ServerResponse, status: number, error: string) => {
    if (!res.headersSent) res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: false, error }));
  };

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if ((req.method ?? 'GET').toUpperCase() !== 'POST' || !paths.has(path)) return pass(req, res);
    options.gate?.enter(res);
    void readCappedBody(req, cap).then((read) => {
      if (!read.ok) {
        if (read.reason === 'error') return refuse(res, 400, 'bad_request');
        options.logger?.warn({ path, bytes: Number(req.headers['content-length'] ?? 0) || undefined }, 'slack: request body over the cap');
        return refuse(res, 413, 'too_large');
      }
      (req as IncomingMessage & { rawBody?: Buffer }).rawBody = read.body;
      replayed(req as GuardedRequest).then(
        (again) => {
          if (!again) return pass(req, res);
          options.logger?.warn({ path }, 'slack: replayed request refused');
          refuse(res, 409, 'replayed');
        },
        (error: unknown) => {
          // the replay store failing must not stop Slack traffic: Bolt still verifies the request
          options.logger?.error({ err: error }, 'slack: replay check failed; request passed on');
          pass(req, res);
        },
      );
    });
  });

  /** True for a fresh, correctly signed request whose signature was seen before. */
  async function replayed(req: GuardedRequest): Promise<boolean> {
    const signature = req.headers['x-slack-signature'];
    const timestamp = req.headers['x-slack-request-timestamp'];
    if (typeof signature !== 'string' || typeof timestamp !== 'string' || !/^\d{1,12}$/.test(timestamp)) return false;
    const nowMs = now();
    if (Math.abs(nowMs / 1000 - Number(timestamp)) > tolerance) return false;
    if (!validSlackSignature(options.signingSecret, timestamp, req.rawBody!, signature)) return false;
    const expires = Math.max((Number(timestamp) + tolerance) * 1000, nowMs + 1);
    if (!(await cache.remember(signature, expires, nowMs))) return true;
    if (cache.receipt) {
      const receipt = cache.receipt(signature, expires, nowMs);
      // observed by the listener; a failure must not surface as an unhandled rejection
      receipt.catch(() => undefined);
      req.slackReceipt = receipt;
    }
    return false;
  }
  return cache;
}
