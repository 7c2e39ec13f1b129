import type { IncomingMessage } from 'node:http';

export type CappedBody = { ok: true; body: Buffer } | { ok: false; reason: 'too_large' | 'error' };

/**
 * Reads a request body of at most `cap` bytes. A declared or streamed body over the cap is
 * refused as soon as it is known (the rest is drained, never buffered).
 */
export function readCappedBody(req: IncomingMessage, cap: number): Promise<CappedBody> {
  return new Promise((resolve) => {
    if (Number(req.headers['content-length'] ?? 0) > cap) {
      req.resume();
      resolve({ ok: false, reason: 'too_large' });
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (result: CappedBody) => {
      if (done) return;
      done = true;
      resolve(result);
    };
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > cap) finish({ ok: false, reason: 'too_large' });
      else chunks.push(chunk);
    });
    req.on('error', () => finish({ ok: false, reason: 'error' }));
    req.on('end', () => finish({ ok: true, body: Buffer.concat(chunks) }));
  });
}
