import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killAllBots, SPAWN_TEST_TIMEOUT_MS, spawnBot, type SpawnedBot } from '../helpers/spawn-bot.ts';
import { createTestStore, testPostgresUrl, type TestStore } from '../helpers/store.ts';

// PostgreSQL refusing or going away, seen from the bot as deployed (npm start, console). The
// machine's PostgreSQL is never stopped: a TCP proxy in front of it is cut instead.

afterAll(async () => {
  await killAllBots();
});

/** A port nothing listens on: connections are refused at once. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

describe('PostgreSQL not answering at start', () => {
  it(
    'prints the sentence naming host:port and the fix, never the password, and exits non-zero',
    async () => {
      const port = await closedPort();
      const bot = spawnBot({ databaseUrl: `postgres://growth:s3cret@127.0.0.1:${port}/growth`, stdin: 'pipe' });
      const exit = await bot.waitForExit(SPAWN_TEST_TIMEOUT_MS - 10_000);
      expect(exit.code, bot.describe()).toBe(1);
      expect(bot.stderr).toContain(
        `The database DATABASE_URL=postgres://growth:***@127.0.0.1:${port}/growth could not be opened: PostgreSQL at 127.0.0.1:${port} is not answering; start it or fix DATABASE_URL.`,
      );
      expect(bot.stderr).not.toContain('s3cret');
    },
    SPAWN_TEST_TIMEOUT_MS,
  );
});

/** A TCP proxy to PostgreSQL that can be cut (listener closed, connections dropped) and opened again on the same port. */
class CuttableProxy {
  #server: Server | undefined;
  readonly #sockets = new Set<Socket>();
  port = 0;
  constructor(
    private readonly host: string,
    private readonly targetPort: number,
  ) {}

  async open(): Promise<void> {
    const server = createServer((client) => {
      const upstream = connect(this.targetPort, this.host);
      for (const socket of [client, upstream]) {
        this.#sockets.add(socket);
        socket.on('close', () => this.#sockets.delete(socket));
        socket.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as { port: number }).port;
    this.#server = server;
  }

  async cut(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    for (const socket of this.#sockets) socket.destroy();
    if (server) await new Promise((resolve) => server.close(resolve));
  }
}

interface JsonReply {
  command: string;
  ok: boolean;
  text: string;
  data: { error?: { code: string; message: string; hint?: string } };
}

async function nextReply(bot: SpawnedBot, line: string): Promise<JsonReply> {
  const before = bot.stdout.trim() ? bot.stdout.trim().split('\n').length : 0;
  bot.write(`${line}\n`);
  await bot.waitForOutput(new RegExp(`^(.*\\n){${before}}.+\\n`), 60_000);
  return JSON.parse(bot.stdout.trim().split('\n')[before]!) as JsonReply;
}

describe.skipIf(!testPostgresUrl())('PostgreSQL going away while the bot runs', () => {
  let store: TestStore;
  let proxy: CuttableProxy;

  beforeAll(async () => {
    store = await createTestStore();
    const url = new URL(store.url);
    proxy = new CuttableProxy(url.hostname, Number(url.port || 5432));
    await proxy.open();
  });
  afterAll(async () => {
    await proxy?.cut();
    await store?.close();
  });

  it(
    'a command answers that PostgreSQL at host:port is not answering; the bot keeps running and recovers when it is back',
    async () => {
      const url = new URL(store.url);
      url.host = `127.0.0.1:${proxy.port}`;
      const bot = spawnBot({
        databaseUrl: url.toString(),
        args: ['--json'],
        stdin: 'pipe',
        files: { 'customers.csv': 'customer_id,email\nPD-1,pd1@example.com\n' },
      });
      await bot.ready();
      expect((await nextReply(bot, '/segment list')).ok, bot.describe()).toBe(true);

      await proxy.cut();
      const down = await nextReply(bot, '/segment list');
      expect(down.ok).toBe(false);
      expect(down.data.error, bot.describe()).toMatchObject({
        code: 'database_unreachable',
        message: `PostgreSQL at 127.0.0.1:${proxy.port} is not answering.`,
        hint: 'Start it or fix DATABASE_URL; the bot connects again by itself once it answers.',
      });
      expect(down.text).not.toMatch(/something went wrong/);
      // an import runs in a worker thread: the error crosses to the bot with its code and port
      const imported = await nextReply(bot, '/import customers customers.csv');
      expect(imported.data.error, bot.describe()).toMatchObject({ code: 'database_unreachable', message: down.data.error!.message });
      expect(bot.exit).toBeUndefined();

      await proxy.open();
      const back = await nextReply(bot, '/segment list');
      expect(back.ok, bot.describe()).toBe(true);
      bot.endInput();
      expect((await bot.waitForExit()).code).toBe(1);
    },
    SPAWN_TEST_TIMEOUT_MS,
  );
});
