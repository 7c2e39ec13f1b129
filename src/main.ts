import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { isInteractive, startConsole } from '../adapters/console/console.ts';
import { renderText } from '../adapters/console/render.ts';
import { createApp, type App } from './app.ts';
import { campaignRoutes, startCampaignServices } from './campaigns/services.ts';
import { startDigestScheduler } from './digests/scheduler.ts';
import { digestInputsHook } from './sources/refresh.ts';
import { startSourceScheduler } from './sources/scheduler.ts';
import { ConfigError, discordEnabled, loadConfig, slackEnabled, type Config } from './config/config.ts';
import type { RunningAdapter } from './core/adapter.ts';
import { noAdminWarning, platformsWithoutAdmin } from './core/admin-check.ts';
import { startHttpServer } from './http/server.ts';
import { workerPool } from './jobs/worker-pool.ts';
import { Health } from './lifecycle/health.ts';
import { drainCommands, reportInterruptedJobs, shutdownSignals, within } from './lifecycle/shutdown.ts';
import { startupFailureMessage } from './lifecycle/start-up-errors.ts';
import { createLogger, logDestination, type Logger } from './logger.ts';
import { releaseHeldLeases } from './store/locks.ts';

/** How often jobs cut off elsewhere (a crashed instance, once its lease expires) are looked for. */
const INTERRUPTED_SWEEP_MS = 60_000;
/** Workers are warmed this long after the start when no command came first. */
const WARM_WHEN_QUIET_MS = 5_000;
/** Stopping the adapters and closing the store, after the grace period: bounded too. */
const CLOSE_WITHIN_MS = 5_000;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      json: { type: 'boolean', default: false },
      user: { type: 'string', default: 'local' },
      console: { type: 'boolean', default: false },
      wait: { type: 'boolean', default: false },
    },
    allowPositionals: false,
  });
  if (existsSync('.env')) process.loadEnvFile('.env');

  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return 2;
    }
    throw error;
  }
  const useConsole = values.console || (!slackEnabled(config) && !discordEnabled(config));
  let logs: ReturnType<typeof logDestination>;
  try {
    logs = logDestination(config.LOG_FILE, useConsole && isInteractive(process.stdin, values.json));
  } catch (error) {
    process.stderr.write(`The log file cannot be opened (LOG_FILE): ${(error as Error).message}. Set LOG_FILE to a writable file.\n`);
    return 2;
  }
  const logger = createLogger(config.LOG_LEVEL, logs.destination);
  const stop = shutdownSignals();
  const health = new Health();
  // stopped in reverse order of starting
  const services: RunningAdapter[] = [];
  let app: App | undefined;
  let consoleDone: Promise<number> | undefined;

  try {
    if (config.HEALTH_PORT !== undefined) {
      const server = await startHttpServer([health.route()], config.HEALTH_PORT);
      services.push({ name: 'health', stop: () => server.close() });
    }
    app = await createApp({ config, logger });
    health.setStore(app.db);
    // Heavy commands then find a worker with their code loaded instead of starting one (about 1.5 s).
    // Started after the first answer (or a quiet while), so it does not slow the start or that answer.
    let warmed = false;
    const warm = () => {
      if (warmed || stop.signal.aborted) return;
      warmed = true;
      const warming = performance.now();
      workerPool.warm().then(
        () => logger.debug({ ms: Math.round(performance.now() - warming) }, 'worker ready'),
        // a shutdown before the worker is ready ends the ping: nothing to report
        () => {},
      );
    };
    const quiet = setTimeout(warm, WARM_WHEN_QUIET_MS).unref();
    void app.bot.firstAnswer.then(() => {
      clearTimeout(quiet);
      setImmediate(warm);
    });
    if (useConsole) {
      // Posts to channels (approvals, digests) are printed; in --json mode on standard error, so standard output stays one line per command.
      // Updates of posted messages (an approval card once decided) are printed with the number of the post they replace.
      const out = values.json ? process.stderr : process.stdout;
      let posts = 0;
      app.bot.setNotifier(
        'console',
        async (target, reply) => {
          const id = String(++posts);
          out.write(`\n[to ${target.channelId}, message ${id}]\n${renderText(reply)}\n\n`);
          return { platform: 'console', channelId: target.channelId, messageIds: [id] };
        },
        async (posted, reply) => {
          out.write(`\n[update of message ${posted.messageIds.join(', ')} in ${posted.channelId}]\n${renderText(reply)}\n\n`);
        },
      );
      // The clocks (scheduled launches, approval expiry, campaign completion, digests) run while the console is open.
      const campaigns = await startCampaignServices(app.bot);
      services.push({ name: 'campaigns', stop: () => campaigns.stop() });
      await campaigns.resumed;
    } else {
      // /healthz is served on PORT too: by the Slack receiver (or its route server), else by the events webhook server
      const routes = [...campaignRoutes(app.bot), health.route()];
      if (slackEnabled(config)) {
        const { startSlackAdapter } = await import('../adapters/slack/start.ts');
        const slack = await startSlackAdapter({ bot: app.bot, config, logger, routes });
        services.push(slack);
        health.setAdapter('slack', () => (slack.connected?.() === false ? 'down' : 'ok'));
      }
      if (discordEnabled(config)) {
        const { startDiscord } = await import('../adapters/discord/index.ts');
        const discord = await startDiscord({ bot: app.bot, config, logger });
        services.push(discord);
        health.setAdapter('discord', () => (discord.connected?.() === false ? 'down' : 'ok'));
      }
      const campaigns = await startCampaignServices(
        app.bot,
        slackEnabled(config) ? {} : { httpPort: config.PORT, extraRoutes: [health.route()] },
      );
      services.push({ name: 'campaigns', stop: () => campaigns.stop() });
      const noAdmin = await platformsWithoutAdmin(app.bot.db, config, [
        ...(slackEnabled(config) ? (['slack'] as const) : []),
        ...(discordEnabled(config) ? (['discord'] as const) : []),
      ]);
      if (noAdmin.length > 0) logger.warn({ platforms: noAdmin }, noAdminWarning(noAdmin, config));
    }
    // digests sync the sources they name (refresh=) first; sources with a schedule sync on their own
    const digests = startDigestScheduler({ bot: app.bot, runtime: { inputs: digestInputsHook(app.bot) } });
    services.push({ name: 'digests', stop: () => digests.stop() });
    await digests.ready;
    const sourceSyncs = startSourceScheduler({ bot: app.bot });
    services.push({ name: 'sources', stop: () => sourceSyncs.stop() });
    await sourceSyncs.ready;
    await reportInterruptedJobs(app.bot, logger);
  } catch (error) {
    process.stderr.write(`${startupFailureMessage(error, config)}\n`);
    logger.debug({ err: error }, 'start-up failed');
    await within(stopAll(services, logger), CLOSE_WITHIN_MS);
    await app?.close().catch(() => undefined);
    return error instanceof ConfigError ? 2 : 1;
  }

  const bot = app.bot;
  const sweep = setInterval(() => {
    reportInterruptedJobs(bot, logger).catch((error: unknown) => logger.warn({ err: error }, 'could not look for interrupted jobs'));
  }, INTERRUPTED_SWEEP_MS);
  sweep.unref();
  health.ready();
  logger.info({ adapters: services.map((a) => a.name), console: useConsole }, 'growthbot is running');

  let code = 0;
  if (useConsole) {
    consoleDone = startConsole(bot, {
      json: values.json,
      userId: values.user,
      input: process.stdin,
      output: process.stdout,
      errors: process.stderr,
      stop: stop.signal,
    });
    const ended = await Promise.race([consoleDone.then((status) => ({ status })), stop.received.then(() => undefined)]);
    if (ended) code = ended.status;
    if (ended && values.wait && !isInteractive(process.stdin, values.json)) {
      logger.info('all commands done; --wait keeps the bot running for scheduled launches and digests until SIGINT (Ctrl-C) or SIGTERM');
      // the clocks' timers do not hold the process open; this does, until the signal
      const holdOpen = setInterval(() => {}, 2 ** 30);
      await stop.received;
      clearInterval(holdOpen);
    }
  } else {
    await stop.received;
  }
  clearInterval(sweep);
  health.stopping();
  let cutOff = false;
  if (stop.signal.aborted) cutOff = !(await drainCommands(bot, config.SHUTDOWN_GRACE_S, logger, consoleDone));
  if (!(await within(stopAll(services, logger), CLOSE_WITHIN_MS))) logger.warn('the adapters did not stop in time');
  await releaseHeldLeases(app.db).catch((error: unknown) => logger.warn({ err: error }, 'could not release the leases held'));
  if (!(await within(app.close(), CLOSE_WITHIN_MS))) logger.warn('the store did not close in time');
  logger.info({ cut_off: cutOff }, 'growthbot stopped');
  // work cut off (a worker thread, a pending request) must not keep the process alive
  if (stop.signal.aborted) process.exit(code);
  return code;
}

async function stopAll(adapters: RunningAdapter[], logger: Logger): Promise<void> {
  for (const adapter of [...adapters].reverse()) {
    await adapter.stop().catch((error: unknown) => logger.error({ err: error, adapter: adapter.name }, 'adapter did not stop cleanly'));
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`${startupFailureMessage(error)}\n`);
    process.exitCode = 1;
  },
);
