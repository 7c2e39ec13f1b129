import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Route {
  method: string;
  path: string;
  handler: (req: IncomingMessage, res: ServerResponse) => void;
}

export interface RunningHttpServer {
  server: Server;
  port: number;
  close(): Promise<void>;
}

/** The route for a request: exact path, any of the route's methods (case-insensitive). */
export function findRoute<R extends { path: string; method: string | string[] }>(routes: R[], req: IncomingMessage): R | undefined {
  const path = (req.url ?? '/').split('?')[0];
  const method = (req.method ?? 'GET').toUpperCase();
  return routes.find((r) => r.path === path && [r.method].flat().some((m) => m.toUpperCase() === method));
}

/** Starts listening; rejects when the port cannot be bound. */
export function listen(server: Server, port: number, host?: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** Stops accepting connections and closes the open ones (keep-alive included). */
export function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** A plain HTTP server for a few routes (webhooks) when no adapter serves HTTP. 404 for anything else. */
export async function startHttpServer(routes: Route[], port: number, host?: string): Promise<RunningHttpServer> {
  const server = createServer((req, res) => {
    const route = findRoute(routes, req);
    if (!route) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"ok":false,"error":"not_found"}');
      return;
    }
    route.handler(req, res);
  });
  server.requestTimeout = 30_000;
  await listen(server, port, host);
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
