import { WebSocket, type WebSocketServer } from 'ws';

/** Close every socket with 1000 and wait for the peer's close frame (terminate after `graceMs`). */
export async function closeSocketsGracefully(wss: WebSocketServer, graceMs = 2_000): Promise<void> {
  await Promise.all(
    [...wss.clients].map(
      (ws) =>
        new Promise<void>((resolve) => {
          if (ws.readyState === WebSocket.CLOSED) return resolve();
          const timer = setTimeout(() => ws.terminate(), graceMs);
          ws.once('close', () => {
            clearTimeout(timer);
            resolve();
          });
          if (ws.readyState === WebSocket.OPEN) ws.close(1000, 'fake server stopping');
        }),
    ),
  );
  await new Promise<void>((resolve) => wss.close(() => resolve()));
}
