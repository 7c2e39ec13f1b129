import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bot } from '../../src/core/bot.ts';
import { createSchedule } from '../../src/digests/schedules.ts';
import { approver, captureNotifications, expectOk, grantRoles, ids, marketer, seedCustomers, seedSegment } from '../campaigns/fixtures.ts';
import { seedDigestStore } from '../digests/seed.ts';
import { FakeSlack } from '../fakes/slack.ts';
import { createTestBot, run } from '../helpers/bot.ts';
import { createTestStore, testPostgresUrl, type TestStore } from '../helpers/store.ts';

// Two real bot processes (Slack adapter in HTTP mode, against one FakeSlack) on one PostgreSQL schema.
const INSTANCE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'instance.ts');
const BOT_TOKEN = 'xoxb-multi-instance';
const SIGNING_SECRET = 'multi-instance-secret';
const WEBHOOK_SECRET = 'multi-instance-webhook';
/** The instances' campaign launch lease and clock: a dead launcher's work is picked up within LEASE_MS + a tick. */
const LEASE_MS = 1_500;
const TICK_MS = 200;

if (!testPostgresUrl())
  console.info('multi-instance tests skipped: they need PostgreSQL (TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm test)');

interface Instance {
  name: string;
  port: number;
  process: ChildProcess;
  stderr: () => string;
  request(op: string, body?: Record<string, unknown>): Promise<any>;
  stop(): Promise<void>;
  exited: Promise<NodeJS.Signals | number | null>;
}

function startInstance(name: string, env: Record<string, string>): Promise<Instance> {
  const child = spawn(process.execPath, ['--import', 'tsx', INSTANCE], {
    env: { ...process.env, ...env, INSTANCE_NAME: name, LOG_LEVEL: 'warn' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const waiting = new Map<number, { resolve: (value: any) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code)));
  return new Promise((resolve, reject) => {
    const onEarlyExit = () => reject(new Error(`instance ${name} exited before it was ready:\n${stderr}`));
    child.once('exit', onEarlyExit);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const message = JSON.parse(line) as { ready?: boolean; port?: number; id?: number; ok?: boolean; result?: unknown; error?: string };
      if (message.ready) {
        child.off('exit', onEarlyExit);
        child.on('exit', () => {
          for (const w of waiting.values()) w.reject(new Error(`instance ${name} exited:\n${stderr}`));
          waiting.clear();
        });
        resolve({
          name,
          port: message.port!,
          process: child,
          stderr: () => stderr,
          exited,
          request: (op, body = {}) =>
            new Promise((resolveRequest, rejectRequest) => {
              const id = nextId++;
              waiting.set(id, { resolve: resolveRequest, reject: rejectRequest });
              child.stdin!.write(`${JSON.stringify({ id, op, ...body })}\n`);
            }),
          stop: async () => {
            if (child.exitCode === null && child.signalCode === null) child.stdin!.write(`${JSON.stringify({ op: 'stop' })}\n`);
            await exited;
          },
        });
        return;
      }
      const w = waiting.get(message.id!);
      if (!w) return;
      waiting.delete(message.id!);
      if (message.ok) w.resolve(message.result);
      else w.reject(new Error(`${name}: ${message.error}`));
    });
  });
}

/** The same request to both instances, started at the same wall-clock moment. */
function together(instances: Instance[], op: string, body: Record<string, unknown> = {}): Promise<any[]> {
  const at = Date.now() + 300;
  return Promise.all(instances.map((i) => i.request(op, { ...body, at })));
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

describe.skipIf(!testPostgresUrl())('two bot instances on one PostgreSQL (needs TEST_DATABASE_URL=postgres://…)', () => {
  let store: TestStore;
  let fake: FakeSlack;
  let hook: Server;
  let bot: Bot;
  let scheduleId: number;
  const instances: Instance[] = [];
  /** Webhook deliveries: idempotency key -> POSTs that carried it, and which instance's POSTs. */
  const deliveries = new Map<string, number>();
  let hookBatches = 0;
  let onBatch: (batch: number) => void = () => {};
  let env: Record<string, string>;
  const members = ids('m', 40);

  beforeAll(async () => {
    store = await createTestStore();
    await seedDigestStore(store.db);
    await grantRoles(store.db);
    await seedCustomers(
      store.db,
      members.map((id) => ({ id })),
    );
    await seedSegment(store.db, 'everyone', members);
    scheduleId = (
      await createSchedule(
        store.db,
        {
          platform: 'slack',
          channelId: 'C_DIGEST',
          cron: '0 9 * * MON',
          timeZone: 'Europe/Berlin',
          sections: ['kpis', 'channels'],
          period: 'week',
          onlyOnChange: false,
          createdBy: 'U_ADMIN',
          createdByPlatform: 'slack',
          createdByChannel: 'C_DIGEST',
        },
        new Date(),
      )
    ).id;

    fake = new FakeSlack({ botToken: BOT_TOKEN });
    await fake.start();
    hook = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString()) as { recipients: { idempotency_key: string }[] };
        for (const r of body.recipients) deliveries.set(r.idempotency_key, (deliveries.get(r.idempotency_key) ?? 0) + 1);
        hookBatches++;
        setTimeout(() => {
          res.writeHead(200).end('{}');
          onBatch(hookBatches);
        }, 20);
      });
    });
    const hookPort = await listen(hook);
    env = {
      DATABASE_URL: store.url,
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: fake.apiUrl,
      SLACK_APP_TOKEN: '',
      DISCORD_TOKEN: '',
      DISCORD_APP_ID: '',
      OUT_DIR: path.join(store.dir, 'out'),
      IMPORT_DIR: store.dir,
      WEBHOOK_URL: `http://127.0.0.1:${hookPort}/hook`,
      WEBHOOK_SECRET,
      CAMPAIGN_LEASE_MS: String(LEASE_MS),
    };
    instances.push(...(await Promise.all([startInstance('A', env), startInstance('B', env)])));
    // The parent drives /campaign through its own bot core on the same schema, as a third instance would.
    bot = await createTestBot(store.db, store.dir, { env: { DATABASE_URL: store.url, WEBHOOK_URL: env.WEBHOOK_URL!, WEBHOOK_SECRET } });
    captureNotifications(bot);
  }, 120_000);

  afterAll(async () => {
    await Promise.all(instances.map((i) => i.stop()));
    hook?.close();
    await fake?.stop();
    await store?.close();
  });

  const digestPosts = () => fake.calls.filter((c) => c.method === 'chat.postMessage' && c.params.channel === 'C_DIGEST');

  it('both start and serve on the same schema', () => {
    expect(instances.map((i) => i.port).every((p) => p > 0)).toBe(true);
    expect(new Set(instances.map((i) => i.port)).size).toBe(2);
  });

  it('a digest fire time claimed by both instances at the same moment is posted once', async () => {
    const fireTimes = ['2026-11-09T08:00:00.000Z', '2026-11-16T08:00:00.000Z', '2026-11-23T08:00:00.000Z'];
    for (const [round, fireTime] of fireTimes.entries()) {
      const results = await together(instances, 'fire', { schedule_id: scheduleId, fire_time: fireTime });
      const statuses = results.flatMap((r) => r.outcomes.map((o: { status: string }) => o.status)).sort();
      expect(statuses, `round ${round}: ${JSON.stringify(results)}`).toEqual(['posted', 'taken']);
      expect(digestPosts()).toHaveLength(round + 1);
    }
    const runs = await store.db.selectFrom('digest_runs').selectAll().where('schedule_id', '=', scheduleId).execute();
    expect(runs.map((r) => [r.fire_time, r.status]).sort()).toEqual(fireTimes.map((f) => [f, 'posted']));
  });

  it('concurrent tryAcquire from two processes: one winner per key', async () => {
    const keys = Array.from({ length: 40 }, (_, i) => `import:job-${i}`);
    const [a, b] = await together(instances, 'acquire', { keys, ttl_ms: 60_000 });
    const wonByA = new Set<string>(a.won);
    const wonByB = new Set<string>(b.won);
    expect([...wonByA].filter((k) => wonByB.has(k))).toEqual([]);
    expect(wonByA.size + wonByB.size).toBe(keys.length);
    const leases = await store.db.selectFrom('leases').selectAll().where('key', 'like', 'import:job-%').execute();
    expect(leases).toHaveLength(keys.length);
    for (const lease of leases) expect(lease.owner).toBe(wonByA.has(lease.key) ? 'A' : 'B');
  });

  async function approvedCampaign(name: string): Promise<number> {
    const id = expectOk(
      await run(
        bot,
        `/campaign create name=${name} segment=everyone channel=webhook subject=Hi message="Hello" holdout=10% start=2026-11-01`,
        marketer,
      ),
    ).data.campaign.id as number;
    expectOk(await run(bot, `/campaign submit ${id}`, marketer));
    expectOk(await run(bot, `/campaign approve ${id}`, approver));
    return id;
  }

  async function outbox(id: number) {
    return store.db.selectFrom('campaign_outbox').selectAll().where('campaign_id', '=', id).execute();
  }

  it('a campaign due to start is launched by one instance when both tick at once; each recipient delivered once', async () => {
    const id = await approvedCampaign('due');
    deliveries.clear();
    const ticks = await together(instances, 'tick');
    const launched = ticks.map((t) => t.launched.map((l: { campaign_id: number }) => l.campaign_id));
    expect(launched.flat()).toEqual([id]);
    const rows = await outbox(id);
    expect(rows).toHaveLength(36); // 40 members, 4 held out
    expect(rows.every((r) => r.status === 'sent')).toBe(true);
    expect(new Set(deliveries.keys())).toEqual(new Set(rows.map((r) => r.idempotency_key)));
    expect([...deliveries.values()].every((n) => n === 1)).toBe(true);
    const transitions = await store.db
      .selectFrom('campaign_transitions')
      .select('to_state')
      .where('campaign_id', '=', id)
      .orderBy('id')
      .execute();
    expect(transitions.map((t) => t.to_state)).toEqual(['pending_approval', 'approved', 'launching', 'live']);
  });

  it('the same import started on both instances at once runs on one; the other is told it is running', async () => {
    const file = path.join(store.dir, 'orders.csv');
    const lines = ['order_id,customer_id,order_date,amount'];
    for (let i = 0; i < 3_000; i++) lines.push(`mi${i},mi-c${i % 400},2026-10-${String((i % 28) + 1).padStart(2, '0')},${(i % 50) + 5}.25`);
    writeFileSync(file, `${lines.join('\n')}\n`);
    const [a, b] = await Promise.all(
      instances.map((instance, i) => instance.request('command', { text: `/import orders ${file}`, user: `U${i}`, at: Date.now() + 300 })),
    );
    const replies = [a, b] as { ok: boolean; data: any }[];
    expect(replies.filter((r) => r.ok)).toHaveLength(1);
    const refused = replies.find((r) => !r.ok)!;
    expect(refused.data.error.code).toBe('import_running');
    expect(refused.data.error.message).toMatch(/^An orders import is already running \(started by <@U[01]> at .* UTC\)/);
    expect(replies.find((r) => r.ok)!.data).toMatchObject({ read: 3_000, inserted: 3_000 });
    const orders = await store.db
      .selectFrom('orders')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('order_id', 'like', 'mi%')
      .executeTakeFirstOrThrow();
    expect(Number(orders.n)).toBe(3_000);
  }, 60_000);

  it('a segmentation started on both instances at once runs on one', async () => {
    const runsBefore = await store.db.selectFrom('segment_runs').select('id').execute();
    const replies = (await together(instances, 'command', { text: '/segment run k=3 as_of=2026-10-31 name=twice', user: 'UANALYST' })) as {
      ok: boolean;
      data: any;
    }[];
    expect(replies.filter((r) => r.ok)).toHaveLength(1);
    expect(replies.find((r) => !r.ok)!.data.error.code).toBe('segment_run_running');
    const runs = await store.db
      .selectFrom('segment_runs')
      .select('name')
      .where('id', 'not in', runsBefore.length ? runsBefore.map((r) => r.id) : [-1])
      .execute();
    expect(runs.map((r) => r.name)).toEqual(['twice']);
  }, 60_000);

  it('an instance killed mid-launch: the live survivor finishes it once the lease expires, without a restart', async () => {
    const [a, b] = instances as [Instance, Instance];
    // B runs the campaign clock as in production; a campaign without a start date waits for /campaign launch.
    await b.request('scheduler', { interval_ms: TICK_MS });
    const id = expectOk(
      await run(bot, '/campaign create name=orphaned segment=everyone channel=webhook subject=Hi message="Hello" holdout=10%', marketer),
    ).data.campaign.id as number;
    expectOk(await run(bot, `/campaign submit ${id}`, marketer));
    expectOk(await run(bot, `/campaign approve ${id}`, approver));
    deliveries.clear();
    const batchesBefore = hookBatches;
    let killedAt = 0;
    onBatch = (batch) => {
      if (batch === batchesBefore + 2) {
        a.process.kill('SIGKILL');
        killedAt = Date.now();
      }
    };
    await expect(a.request('launch', { campaign_id: id })).rejects.toThrow(/exited/);
    expect(await a.exited).toBe('SIGKILL');
    instances.splice(0, 1);
    onBatch = () => {};
    const midway = await outbox(id);
    const sentBefore = midway.filter((r) => r.status === 'sent').length;
    expect(sentBefore).toBeGreaterThan(0);
    expect(sentBefore).toBeLessThan(midway.length);
    // A's lease still holds: B's ticks leave the launch alone until it expires
    expect(
      (await store.db.selectFrom('leases').select('owner').where('key', '=', `campaign-launch:${id}`).executeTakeFirst())?.owner,
    ).toMatch(/^campaigns:/);

    let state = 'launching';
    while (state !== 'live' && Date.now() - killedAt < LEASE_MS + 20 * TICK_MS + 5_000) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      state = (await store.db.selectFrom('campaigns').select('state').where('id', '=', id).executeTakeFirstOrThrow()).state;
    }
    const tookOverAfter = Date.now() - killedAt;
    expect(state).toBe('live');
    expect(tookOverAfter).toBeGreaterThanOrEqual(LEASE_MS - 200);
    const rows = await outbox(id);
    expect(rows).toHaveLength(36);
    expect(rows.every((r) => r.status === 'sent')).toBe(true);
    // every recipient key delivered; after the receiver drops repeats by key, each exactly once
    expect(new Set(deliveries.keys())).toEqual(new Set(rows.map((r) => r.idempotency_key)));
    // only the batch in flight when A died may have been sent twice
    const repeated = [...deliveries.values()].filter((n) => n > 1);
    expect(repeated.length).toBeLessThanOrEqual(5);
    expect(repeated.every((n) => n === 2)).toBe(true);
    const finished = await store.db
      .selectFrom('campaign_transitions')
      .select('reason')
      .where('campaign_id', '=', id)
      .where('to_state', '=', 'live')
      .executeTakeFirstOrThrow();
    expect(finished.reason).toContain('resumed after an interruption');
    expect(b.stderr()).not.toMatch(/"level":50/);
  }, 60_000);
});
