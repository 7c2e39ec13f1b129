import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Logger } from '../../src/logger.ts';

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
}

/**
 * Remembers the signatures of verified requests for the freshness window: the same signed
 * request seen twice is a replay (Slack signs every delivery anew).
 */
export class ReplayCache {
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

/**
 * Puts a guard in front of Bolt's HTTP receiver: caps the body, and refuses (409) a correctly
 * signed, fresh request whose signature was already seen. Everything else goes on to Bolt,
 * which verifies signatures and timestamps itself (it reuses the body read here as req.rawBody).
 * Only verified signatures are remembered, so forged requests cannot fill the cache.
 */
export function guardSlackRequests(server: Server, options: SlackRequestGuardOptions): ReplayCache {
  const paths = new Set(options.paths ?? ['/slack/events']);
  const cap = options.maxBodyBytes ?? SLACK_MAX_BODY_BYTES;
  const tolerance = options.toleranceSeconds ?? SLACK_TOLERANCE_SECONDS;
  const now = options.now ?? Date.now;
  const cache = new ReplayCache(options.maxRemembered ?? 100_000);
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
    if (Number(req.headers['content-length'] ?? 0) > cap) {
      options.logger?.warn({ path, bytes: Number(req.headers['content-length']) }, 'slack: request body over the cap');
      refuse(res, 413, 'too_large');
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size > cap) {
        over = true;
        options.logger?.warn({ path }, 'slack: request body over the cap');
        refuse(res, 413, 'too_large');
        return;
      }
      chunks.push(chunk);
    });
    req.on('error', () => refuse(res, 400, 'bad_request'));
    req.on('end', () => {
      if (over) return;
      const body = Buffer.concat(chunks);
      (req as IncomingMessage & { rawBody?: Buffer }).rawBody = body;
      const signature = req.headers['x-slack-signature'];
      const timestamp = req.headers['x-slack-request-timestamp'];
      if (typeof signature === 'string' && typeof timestamp === 'string' && /^\d{1,12}$/.test(timestamp)) {
        const nowMs = now();
        const fresh = Math.abs(nowMs / 1000 - Number(timestamp)) <= tolerance;
        if (fresh && validSlackSignature(options.signingSecret, timestamp, body, signature)) {
          const expires = (Number(timestamp) + tolerance) * 1000;
          if (!cache.remember(signature, Math.max(expires, nowMs + 1), nowMs)) {
            options.logger?.warn({ path }, 'slack: replayed request refused');
            return refuse(res, 409, 'replayed');
          }
        }
      }
      pass(req, res);
    });
  });
  return cache;
}
