import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, HTTPReceiver } from '@slack/bolt';
import { closeServer } from '../test/fakes/http-body.ts';
import type { AckResult, LoadClient, SlashRequest } from './slack-ack-load.ts';

/**
 * What the machine and the framework cost before any bot code runs, measured with the same load
 * client in the same run: a plain HTTP server answering 200 at once (the load generator's own
 * floor), and a bare Bolt app (HTTP receiver) whose only listener acks at once.
 */
export async function measureFloors(
  load: LoadClient,
  secret: string,
  requests: SlashRequest[],
  bursts: number,
  timeoutMs: number,
): Promise<{ plain: AckResult[]; bolt: AckResult[] }> {
  const plain = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200).end());
  });
  await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
  const plainResults = await fire(load, `http://127.0.0.1:${(plain.address() as AddressInfo).port}`, secret, requests, bursts, timeoutMs);
  await closeServer(plain);

  const receiver = new HTTPReceiver({ signingSecret: secret });
  // never calls Slack: botId and botUserId given, no token lookups
  const app = new App({ token: 'xoxb-floor', botId: 'BFLOOR', botUserId: 'UFLOOR', receiver, convoStore: false });
  app.command(/.*/, async ({ ack }) => {
    await ack();
  });
  const server = (await app.start({ port: 0, host: '127.0.0.1' })) as Server;
  const boltResults = await fire(load, `http://127.0.0.1:${(server.address() as AddressInfo).port}`, secret, requests, bursts, timeoutMs);
  await app.stop();
  return { plain: plainResults, bolt: boltResults };
}

async function fire(
  load: LoadClient,
  baseUrl: string,
  secret: string,
  requests: SlashRequest[],
  bursts: number,
  timeoutMs: number,
): Promise<AckResult[]> {
  await load.burst(baseUrl, secret, requests, timeoutMs); // opens the connections
  const results: AckResult[] = [];
  for (let i = 0; i < bursts; i++) {
    results.push(...(await load.burst(baseUrl, secret, requests, timeoutMs)).results);
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  return results;
}
