import { once } from 'node:events';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { waitFor } from '../fakes/wait-for.ts';

/**
 * An orders CSV served over HTTP that sends its header and a few rows, then waits for `finish()`:
 * an import of it runs exactly as long as the test wants.
 */
export class SlowFeed {
  readonly #open: ServerResponse[] = [];
  #requests = 0;
  readonly #server = createServer((_req, res) => {
    this.#requests++;
    res.writeHead(200, { 'content-type': 'text/csv' });
    res.write('order_id,customer_id,order_date,amount\n');
    for (let i = 1; i <= 5; i++) res.write(`O${i},C${i},2026-11-0${i},${10 * i}.00\n`);
    this.#open.push(res);
  });

  async start(): Promise<void> {
    this.#server.listen(0, '127.0.0.1');
    await once(this.#server, 'listening');
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/orders.csv`;
  }

  /** Resolves once the bot has started downloading (the import is running). */
  requested(timeoutMs = 60_000): Promise<boolean> {
    return waitFor(() => this.#requests > 0, timeoutMs);
  }

  /** Sends the last rows and ends the file: the import can finish. */
  finish(): void {
    for (const res of this.#open.splice(0)) res.end('O6,C6,2026-11-06,60.00\n');
  }

  async stop(): Promise<void> {
    this.finish();
    this.#server.closeAllConnections();
    await new Promise((resolve) => this.#server.close(resolve));
  }
}
