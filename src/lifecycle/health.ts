import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { type Kysely } from 'kysely';
import type { Route } from '../http/server.ts';
import type { Database } from '../store/schema.ts';

export type Phase = 'starting' | 'ready' | 'stopping';
/** off: not configured; ok: connected (or serving); down: configured but not connected now. */
export type AdapterHealth = 'off' | 'ok' | 'down';

export const HEALTH_PATH = '/healthz';
/** A store that does not answer within this is reported down (the orchestrator's probe has its own timeout). */
const STORE_TIMEOUT_MS = 2000;

/** package.json's version: two folders up from the sources, three from the compiled build (dist/src/lifecycle). */
const VERSION = ((): string => {
  for (const up of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(up, import.meta.url), 'utf8')) as { name?: string; version: string };
      if (pkg.name === 'growthbot') return pkg.version;
    } catch {
      // not at this level
    }
  }
  return 'unknown';
})();

/** What /healthz reports: the process's phase, the store, each chat adapter. */
export class Health {
  #phase: Phase = 'starting';
  #db: Kysely<Database> | undefined;
  readonly #adapters = new Map<'slack' | 'discord', () => AdapterHealth>();
  readonly #started = performance.now();

  get phase(): Phase {
    return this.#phase;
  }

  setStore(db: Kysely<Database>): void {
    this.#db = db;
  }

  setAdapter(name: 'slack' | 'discord', health: () => AdapterHealth): void {
    this.#adapters.set(name, health);
  }

  ready(): void {
    if (this.#phase === 'starting') this.#phase = 'ready';
  }

  stopping(): void {
    this.#phase = 'stopping';
  }

  /** 200 only when ready, the store answers a query and no configured adapter is down. */
  async report(): Promise<{ status: number; body: Record<string, unknown> }> {
    const adapters = { slack: this.#adapters.get('slack')?.() ?? 'off', discord: this.#adapters.get('discord')?.() ?? 'off' };
    const store = this.#phase === 'ready' ? await this.#checkStore() : 'unknown';
    const healthy = this.#phase === 'ready' && store === 'ok' && adapters.slack !== 'down' && adapters.discord !== 'down';
    const status = this.#phase === 'ready' ? (healthy ? 'ok' : 'degraded') : this.#phase;
    return {
      status: healthy ? 200 : 503,
      body: { status, store, adapters, uptime_s: Math.floor((performance.now() - this.#started) / 1000), version: VERSION },
    };
  }

  async #checkStore(): Promise<'ok' | 'down'> {
    const db = this.#db;
    if (!db) return 'down';
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'down'>((resolve) => (timer = setTimeout(() => resolve('down'), STORE_TIMEOUT_MS)));
    // a real read of a table of ours: the connection, the file or server, and the schema all answer
    const query = db
      .selectFrom('leases')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirst()
      .then(
        () => 'ok' as const,
        () => 'down' as const,
      );
    try {
      return await Promise.race([query, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** GET /healthz, to mount on any of the bot's HTTP servers. */
  route(): Route {
    return {
      method: 'GET',
      path: HEALTH_PATH,
      handler: (_req, res) => {
        this.report().then(
          ({ status, body }) => send(res, status, body),
          () => send(res, 503, { status: 'error' }),
        );
      },
    };
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body));
}
