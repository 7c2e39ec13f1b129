import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parentPort, Worker } from 'node:worker_threads';
import { signSlackRequest, slashCommandFields } from '../test/fakes/slack-requests.ts';
import { RawHttpConnection, serializePost } from './raw-http.ts';

/**
 * The load side of bench/slack-ack.ts, in a worker thread of its own so that sending 200
 * requests and timing them never competes with the adapter for the main event loop. It also
 * serves the response URLs, so the answers the commands send after their ack land here.
 */

export interface SlashRequest {
  command: string;
  text: string;
  userId: string;
}

export interface AckResult {
  line: string;
  /** HTTP status, or 0 when no answer came before the timeout (or the connection failed). */
  status: number;
  ms: number;
  /** The ack carried a message (a validation error or "working on it") rather than an empty 200. */
  withBody: boolean;
}

type ToLoad =
  | { type: 'burst'; id: number; baseUrl: string; secret: string; requests: SlashRequest[]; timeoutMs: number }
  | { type: 'answers'; id: number; prefix: string }
  | { type: 'stop' };

type FromLoad =
  | { type: 'ready'; responseBase: string }
  | { type: 'burst'; id: number; results: AckResult[] }
  | { type: 'answers'; id: number; count: number };

interface PreparedRequest {
  line: string;
  bytes: Buffer;
}

/** Body, signature and the request's bytes made before the burst starts, so the timing covers sending and the server's ack only. */
function prepare(url: URL, secret: string, request: SlashRequest, responseUrl: string): PreparedRequest {
  const line = `${request.command} ${request.text}`.trim();
  const body = new URLSearchParams(
    slashCommandFields({
      command: request.command,
      text: request.text,
      user_id: request.userId,
      user_name: request.userId.toLowerCase(),
      response_url: responseUrl,
    }),
  ).toString();
  const headers = {
    ...signSlackRequest(secret, body),
    'content-type': 'application/x-www-form-urlencoded',
    'content-length': Buffer.byteLength(body),
  };
  return { line, bytes: serializePost(url, headers, body) };
}

/**
 * Connections per server, kept open between bursts, as from a load balancer in front of the bot
 * (and as Slack's own senders do): a burst then measures the bot, not 200 TCP handshakes.
 */
const connections = new Map<string, RawHttpConnection[]>();

/** Sends each request on its own connection, all at once; resolves with every ack. */
async function fire(url: URL, prepared: PreparedRequest[], timeoutMs: number): Promise<AckResult[]> {
  const pool = connections.get(url.host) ?? [];
  connections.set(url.host, pool);
  while (pool.length < prepared.length) pool.push(new RawHttpConnection(url.hostname, Number(url.port)));
  await Promise.all(pool.map((connection) => connection.open()));
  return Promise.all(
    prepared.map(async ({ line, bytes }, i) => {
      const started = performance.now();
      const response = await pool[i]!.send(bytes, timeoutMs);
      return { line, status: response.status, ms: performance.now() - started, withBody: response.bodyBytes > 0 };
    }),
  );
}

function workerMain(): void {
  const port = parentPort!;
  const answered = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const id = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname.split('/').pop() ?? '');
    req.resume();
    req.on('end', () => {
      answered.set(id, (answered.get(id) ?? 0) + 1);
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  server.listen(0, '127.0.0.1', () => {
    const send = (message: FromLoad) => port.postMessage(message);
    send({ type: 'ready', responseBase: `http://127.0.0.1:${(server.address() as AddressInfo).port}/response/` });
    port.on('message', (message: ToLoad) => {
      if (message.type === 'stop') {
        for (const pool of connections.values()) for (const connection of pool) connection.close();
        server.close();
        server.closeAllConnections();
        port.close();
        return;
      }
      if (message.type === 'answers') {
        let count = 0;
        for (const [id, n] of answered) if (id.startsWith(message.prefix) && n > 0) count++;
        send({ type: 'answers', id: message.id, count });
        return;
      }
      const responseBase = `http://127.0.0.1:${(server.address() as AddressInfo).port}/response/`;
      const url = new URL('/slack/events', message.baseUrl);
      const prepared = message.requests.map((request, i) => prepare(url, message.secret, request, `${responseBase}b${message.id}-${i}`));
      void fire(url, prepared, message.timeoutMs).then((results) => send({ type: 'burst', id: message.id, results }));
    });
  });
}

/** Main-thread handle on the load worker. */
export class LoadClient {
  readonly #worker: Worker;
  readonly #waiting = new Map<string, (message: FromLoad) => void>();
  #next = 0;

  private constructor(worker: Worker) {
    this.#worker = worker;
    worker.on('message', (message: FromLoad) => {
      if (message.type === 'ready') return;
      const key = `${message.type}:${message.id}`;
      this.#waiting.get(key)?.(message);
      this.#waiting.delete(key);
    });
  }

  static async start(): Promise<LoadClient> {
    // A worker does not inherit the tsx loader on Node 20: register it before importing this file.
    const bootstrap = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(import.meta.url)}); })`;
    const worker = new Worker(bootstrap, { eval: true, workerData: { slackAckLoad: true } });
    await new Promise<void>((resolve, reject) => {
      worker.once('error', reject);
      worker.on('message', (message: FromLoad) => message.type === 'ready' && resolve());
    });
    return new LoadClient(worker);
  }

  #ask<T extends FromLoad>(message: ToLoad & { id: number }, type: T['type']): Promise<T> {
    return new Promise((resolve) => {
      this.#waiting.set(`${type}:${message.id}`, resolve as (m: FromLoad) => void);
      this.#worker.postMessage(message);
    });
  }

  /** Fires every request at once; resolves with each one's ack. Answers go to response ids `b<burst>-<i>`. */
  async burst(
    baseUrl: string,
    secret: string,
    requests: SlashRequest[],
    timeoutMs: number,
  ): Promise<{ burst: number; results: AckResult[] }> {
    const id = ++this.#next;
    const reply = await this.#ask<Extract<FromLoad, { type: 'burst' }>>(
      { type: 'burst', id, baseUrl, secret, requests, timeoutMs },
      'burst',
    );
    return { burst: id, results: reply.results };
  }

  /** How many requests of a burst have received at least one answer on their response URL. */
  async answered(burst: number): Promise<number> {
    const id = ++this.#next;
    const reply = await this.#ask<Extract<FromLoad, { type: 'answers' }>>({ type: 'answers', id, prefix: `b${burst}-` }, 'answers');
    return reply.count;
  }

  async stop(): Promise<void> {
    this.#worker.postMessage({ type: 'stop' } satisfies ToLoad);
    await this.#worker.terminate();
  }
}

if (parentPort && (await import('node:worker_threads')).workerData?.slackAckLoad) workerMain();
