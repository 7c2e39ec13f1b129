import { connect, type Socket } from 'node:net';

export interface RawResponse {
  /** HTTP status, or 0 when the connection failed or the timeout passed first. */
  status: number;
  bodyBytes: number;
}

/** Where the first response in `buf` ends, with its status and body size; undefined while it is incomplete. Handles Content-Length and chunked bodies. */
export function responseEnd(buf: Buffer): { end: number; status: number; bodyBytes: number } | undefined {
  const headEnd = buf.indexOf('\r\n\r\n');
  if (headEnd < 0) return undefined;
  const head = buf.subarray(0, headEnd).toString('latin1');
  const status = Number(head.slice(9, 12));
  const length = /\r\ncontent-length: *(\d+)/i.exec(head);
  if (length) {
    const end = headEnd + 4 + Number(length[1]);
    return buf.length >= end ? { end, status, bodyBytes: Number(length[1]) } : undefined;
  }
  if (!/\r\ntransfer-encoding: *chunked/i.test(head)) return { end: headEnd + 4, status, bodyBytes: 0 };
  let at = headEnd + 4;
  let bodyBytes = 0;
  for (;;) {
    const lineEnd = buf.indexOf('\r\n', at);
    if (lineEnd < 0) return undefined;
    const size = parseInt(buf.subarray(at, lineEnd).toString('latin1'), 16);
    if (size === 0) return buf.length >= lineEnd + 4 ? { end: lineEnd + 4, status, bodyBytes } : undefined;
    at = lineEnd + 2 + size + 2;
    bodyBytes += size;
    if (buf.length < at) return undefined;
  }
}

/**
 * One keep-alive HTTP/1.1 connection that sends pre-serialized requests, one at a time, and
 * reads their responses with a minimal parser (as wrk does): sending 200 requests at once costs
 * the load generator a fraction of what node:http's client does, so the measured latency is the
 * server's. Reconnects when the server has closed the connection.
 */
export class RawHttpConnection {
  #socket: Socket | undefined;
  #ready: Promise<void> | undefined;
  #buf: Buffer = Buffer.alloc(0);
  #pending: ((response: RawResponse) => void) | undefined;

  constructor(
    private readonly host: string,
    private readonly port: number,
  ) {}

  /** Opens the connection (when it is not open). */
  open(): Promise<void> {
    if (this.#socket && this.#ready) return this.#ready;
    const socket = connect({ host: this.host, port: this.port, noDelay: true });
    this.#socket = socket;
    this.#buf = Buffer.alloc(0);
    this.#ready = new Promise((resolve) => {
      socket.once('connect', () => resolve());
      socket.once('error', () => resolve());
    });
    socket.on('data', (data: Buffer) => {
      this.#buf = this.#buf.length ? Buffer.concat([this.#buf, data]) : data;
      const parsed = responseEnd(this.#buf);
      if (!parsed) return;
      this.#buf = this.#buf.subarray(parsed.end);
      this.#settle({ status: parsed.status, bodyBytes: parsed.bodyBytes });
    });
    const gone = () => {
      if (this.#socket === socket) this.#socket = undefined;
      this.#settle({ status: 0, bodyBytes: 0 });
    };
    socket.on('error', gone);
    socket.on('close', gone);
    return this.#ready;
  }

  /** Writes the request; resolves with its response, or status 0 after `timeoutMs`. Call open() first. */
  send(request: Buffer, timeoutMs: number): Promise<RawResponse> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#settle({ status: 0, bodyBytes: 0 });
        this.close();
      }, timeoutMs);
      this.#pending = (response) => {
        clearTimeout(timer);
        resolve(response);
      };
      if (!this.#socket) this.#settle({ status: 0, bodyBytes: 0 });
      else this.#socket.write(request);
    });
  }

  close(): void {
    this.#socket?.destroy();
    this.#socket = undefined;
  }

  #settle(response: RawResponse): void {
    const pending = this.#pending;
    this.#pending = undefined;
    pending?.(response);
  }
}

/** A POST as bytes on the wire. */
export function serializePost(url: URL, headers: Record<string, string | number>, body: string): Buffer {
  const lines = [
    `POST ${url.pathname} HTTP/1.1`,
    `host: ${url.host}`,
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ];
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n${body}`);
}
