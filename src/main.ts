import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { isInteractive, startConsole } from '../adapters/console/console.ts';
import { renderText } from '../adapters/console/render.ts';
import { createApp } from './app.ts';
import { campaignRoutes, startCampaignServices } from './campaigns/services.ts';
import { startDigestScheduler } from './digests/scheduler.ts';
import { ConfigError, discordEnabled, loadConfig, slackEnabled, type Config } from './config/config.ts';
import type { RunningAdapter } from './core/adapter.ts';
import { noAdminWarning, platformsWithoutAdmin } from './core/admin-check.ts';
import { workerPool } from './jobs/worker-pool.ts';
import { createLogger, type Logger } from './logger.ts';

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
  const logger = createLogger(config.LOG_LEVEL);
  const app = await createApp({ config, logger });
  // heavy commands then find a worker with their code loaded instead of starting one (about 1.5 s)
  const warming = performance.now();
  void workerPool.warm().then(() => logger.debug({ ms: Math.round(performance.now() - warming) }, 'worker ready'));
  const useConsole = values.console || (!slackEnabled(config) && !discordEnabled(config));

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
    await campaigns.resumed;
    const digests = startDigestScheduler({ bot: app.bot });
    await digests.ready;
    // SIGTERM (a container stopping): no more input is read, the command running finishes and the console closes as at the end of its input.
    const stopReading = new AbortController();
    const onTerminate = () => stopReading.abort();
    process.once('SIGTERM', onTerminate);
    const code = await startConsole(app.bot, {
      json: values.json,
      userId: values.user,
      input: process.stdin,
      output: process.stdout,
      errors: process.stderr,
      signal: stopReading.signal,
    });
    process.off('SIGTERM', onTerminate);
    if (values.wait && !stopReading.signal.aborted && !isInteractive(process.stdin, values.json)) {
      logger.info('all commands done; --wait keeps the bot running for scheduled launches and digests until SIGINT (Ctrl-C) or SIGTERM');
      await new Promise<void>((resolve) => {
        // the clocks' timers do not hold the process open; this does, until the signal
        const holdOpen = setInterval(() => {}, 2 ** 30);
        const done = () => {
          clearInterval(holdOpen);
          resolve();
        };
        process.once('SIGINT', done);
        process.once('SIGTERM', done);
      });
    }
    await digests.stop();
    await campaigns.stop();
    await app.close();
    return code;
  }

  const adapters: RunningAdapter[] = [];
  try {
    if (slackEnabled(config)) {
      const { startSlackAdapter } = await import('../adapters/slack/start.ts');
      adapters.push(await startSlackAdapter({ bot: app.bot, config, logger, routes: campaignRoutes(app.bot) }));
    }
    if (discordEnabled(config)) {
      const { startDiscord } = await import('../adapters/discord/index.ts');
      adapters.push(await startDiscord({ bot: app.bot, config, logger }));
    }
  } catch (error) {
    await stopAll(adapters, logger);
    await app.close();
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return 2;
    }
    throw error;
  }
  // With Slack, its receiver serves POST /webhooks/events on PORT; otherwise a small server of our own does.
  const campaigns = await startCampaignServices(app.bot, slackEnabled(config) ? {} : { httpPort: config.PORT });
  adapters.push({ name: 'campaigns', stop: () => campaigns.stop() });
  const digests = startDigestScheduler({ bot: app.bot });
  await digests.ready;
  adapters.push({ name: 'digests', stop: () => digests.stop() });
  const noAdmin = await platformsWithoutAdmin(app.bot.db, config, [
    ...(slackEnabled(config) ? (['slack'] as const) : []),
    ...(discordEnabled(config) ? (['discord'] as const) : []),
  ]);
  if (noAdmin.length > 0) logger.warn({ platforms: noAdmin }, noAdminWarning(noAdmin, config));
  logger.info({ adapters: adapters.map((a) => a.name) }, 'growthbot is running');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await stopAll(adapters, logger);
  await app.close();
  return 0;
}

async function stopAll(adapters: RunningAdapter[], logger: Logger): Promise<void> {
  for (const adapter of adapters.reverse()) {
    await adapter.stop().catch((error: unknown) => logger.error({ err: error, adapter: adapter.name }, 'adapter did not stop cleanly'));
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`growthbot could not start: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
