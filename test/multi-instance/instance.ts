// One real bot instance, run as its own process by multi-instance.test.ts:
// `node --import tsx test/multi-instance/instance.ts`, configured by the environment (DATABASE_URL on the
// shared PostgreSQL schema, the Slack adapter in HTTP mode against the test's FakeSlack).
// The test drives it with one JSON line per request on stdin; each answer is one JSON line on stdout.
import { createInterface } from 'node:readline';
import pino from 'pino';
import { startSlackAdapter } from '../../adapters/slack/start.ts';
import { createApp } from '../../src/app.ts';
import { campaignTick, startCampaignScheduler } from '../../src/campaigns/scheduler.ts';
import { launchCampaign, resumeLaunches } from '../../src/campaigns/launcher.ts';
import { campaignDeps } from '../../src/campaigns/services.ts';
import { loadConfig } from '../../src/config/config.ts';
import { startDigestScheduler, type TaskFactory } from '../../src/digests/scheduler.ts';
import { tryAcquire } from '../../src/store/locks.ts';

const name = process.env.INSTANCE_NAME ?? `instance-${process.pid}`;
const config = loadConfig(process.env);
const logger = pino({ level: process.env.LOG_LEVEL ?? 'warn' }, pino.destination(2));
const app = await createApp({ config, logger });
const slack = await startSlackAdapter({
  bot: app.bot,
  config,
  logger,
  host: '127.0.0.1',
  port: 0,
  retryConfig: { retries: 2, factor: 1, minTimeout: 10, maxTimeout: 50 },
  limits: { channelPostIntervalMs: 20 },
});

// Cron timers the test fires by hand: both instances fire the same fire time at the same moment.
const timers = new Map<string, (at: Date) => void>();
const createTask: TaskFactory = (_expression, _timeZone, taskName, onFire) => {
  timers.set(taskName, onFire);
  return { stop: () => timers.delete(taskName) };
};
const outcomes: unknown[] = [];
const digests = startDigestScheduler({
  bot: app.bot,
  createTask,
  runtime: { retry: { attempts: 2, baseDelayMs: 10 } },
  onRun: (scheduleId, outcome) => outcomes.push({ schedule_id: scheduleId, status: outcome.status, fire_time: outcome.fire_time }),
});
await digests.ready;

const deps = {
  ...campaignDeps(app.bot),
  delivery: { webhook: { batchSize: 5, backoffMs: 10 }, email: { backoffMs: 10 } },
  leaseMs: process.env.CAMPAIGN_LEASE_MS ? Number(process.env.CAMPAIGN_LEASE_MS) : undefined,
};
let stopScheduler: () => Promise<void> = async () => {};

/** Waits until `at` (ms since the epoch) so both processes start a step at the same moment. */
async function startAt(at: number | undefined): Promise<void> {
  if (at !== undefined && at > Date.now()) await new Promise((resolve) => setTimeout(resolve, at - Date.now()));
}

type Request = { id: number; op: string; at?: number; [key: string]: unknown };

const handlers: Record<string, (request: Request) => Promise<unknown>> = {
  fire: async (request) => {
    const fire = timers.get(`digest-${request.schedule_id as number}`);
    if (!fire) throw new Error(`no timer armed for digest ${request.schedule_id as number}`);
    outcomes.length = 0;
    await startAt(request.at);
    fire(new Date(request.fire_time as string));
    await digests.idle();
    return { outcomes: [...outcomes] };
  },
  acquire: async (request) => {
    const keys = request.keys as string[];
    await startAt(request.at);
    const won = await Promise.all(keys.map((key) => tryAcquire(app.db, key, name, request.ttl_ms as number)));
    return { won: keys.filter((_, i) => won[i]) };
  },
  tick: async (request) => {
    await startAt(request.at);
    return campaignTick(deps);
  },
  resume: async () => resumeLaunches(deps),
  /** A typed command through this instance's bot core, as a user in the console. */
  command: async (request) => {
    await startAt(request.at);
    const reply = await app.bot.execute({
      caller: { platform: 'console', userId: request.user as string, channelId: 'console' },
      text: request.text as string,
    });
    return { ok: reply.ok, data: reply.data };
  },
  launch: async (request) => launchCampaign(deps, request.campaign_id as number, { userId: 'UMARKET2', platform: 'slack' }),
  /** The campaign clock as in production (tick, then resume launches whose lease expired), every interval_ms. */
  scheduler: async (request) => {
    await stopScheduler();
    stopScheduler = startCampaignScheduler(deps, request.interval_ms as number);
    return { started: true };
  },
};

process.stdout.write(`${JSON.stringify({ ready: true, name, port: slack.port })}\n`);

const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  if (!line.trim()) continue;
  const request = JSON.parse(line) as Request;
  if (request.op === 'stop') break;
  const handler = handlers[request.op];
  void (async () => {
    try {
      if (!handler) throw new Error(`unknown op ${request.op}`);
      process.stdout.write(`${JSON.stringify({ id: request.id, ok: true, result: await handler(request) })}\n`);
    } catch (error) {
      process.stdout.write(
        `${JSON.stringify({ id: request.id, ok: false, error: error instanceof Error ? error.message : String(error) })}\n`,
      );
    }
  })();
}

await stopScheduler();
await digests.stop();
await slack.stop();
await app.close();
process.exit(0);
