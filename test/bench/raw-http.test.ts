import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawHttpConnection, responseEnd, serializePost } from '../../bench/raw-http.ts';

describe('bench load generator: raw keep-alive HTTP', () => {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk));
    req.on('end', () => {
      if (body === 'chunked') res.writeHead(200).end(JSON.stringify({ ok: true, text: '0\r\n\r\n inside' }));
      else if (body === 'empty') res.writeHead(200).end();
      else res.writeHead(201, { 'content-length': Buffer.byteLength(body) }).end(body);
    });
  });
  let url: URL;
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/echo`);
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('reads Content-Length and chunked responses, one after another on one connection', async () => {
    const connection = new RawHttpConnection(url.hostname, Number(url.port));
    await connection.open();
    const send = (body: string) =>
      connection.send(serializePost(url, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) }, body), 5000);
    expect(await send('hello')).toEqual({ status: 201, bodyBytes: 5 });
    expect(await send('chunked')).toEqual({ status: 200, bodyBytes: JSON.stringify({ ok: true, text: '0\r\n\r\n inside' }).length });
    expect(await send('empty')).toEqual({ status: 200, bodyBytes: 0 });
    connection.close();
  });

  it('waits for the rest of a response split across reads', () => {
    const whole = Buffer.from('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n');
    expect(responseEnd(whole.subarray(0, 40))).toBeUndefined();
    expect(responseEnd(whole.subarray(0, whole.length - 1))).toBeUndefined();
    expect(responseEnd(whole)).toEqual({ end: whole.length, status: 200, bodyBytes: 5 });
  });

  it('reports a refused connection as status 0 instead of throwing', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const connection = new RawHttpConnection('127.0.0.1', port);
    await connection.open();
    expect(await connection.send(Buffer.from('GET / HTTP/1.1\r\n\r\n'), 1000)).toEqual({ status: 0, bodyBytes: 0 });
  });
});
