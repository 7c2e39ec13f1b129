import type { Bot } from '../core/bot.ts';
import { startHttpServer, type Route, type RunningHttpServer } from '../http/server.ts';
import type { ApprovalDeps } from './approvals.ts';
import { EVENTS_PATH, eventsWebhookHandler } from './events-endpoint.ts';
import { SMS_PATH, smsWebhookHandler } from './sms-endpoint.ts';
import { resumeLaunches, type LaunchResult } from './launcher.ts';
import { startCampaignScheduler } from './scheduler.ts';

/** The bot as campaign background work needs it (notifications go through the adapters' notifiers). */
export function campaignDeps(bot: Bot): ApprovalDeps {
  return {
    db: bot.db,
    config: bot.config,
    logger: bot.logger.child({ component: 'campaigns' }),
    now: bot.now,
    notify: bot.notify,
    updatePosted: bot.updatePosted,
  };
}

/** POST /webhooks/events and /webhooks/sms, to mount on the Slack receiver (`startSlack(bot, { routes: campaignRoutes(bot) })`). */
export function campaignRoutes(bot: Bot): Route[] {
  return [
    {
      method: 'POST',
      path: EVENTS_PATH,
      handler: eventsWebhookHandler({
        db: bot.db,
        secret: bot.config.EVENTS_WEBHOOK_SECRET,
        now: bot.now,
        logger: bot.logger,
        erasureSalt: bot.config.ERASURE_SALT,
      }),
    },
    {
      method: 'POST',
      path: SMS_PATH,
      handler: smsWebhookHandler({
        db: bot.db,
        authToken: bot.config.SMS_AUTH_TOKEN,
        statusUrl: bot.config.SMS_STATUS_URL,
        now: bot.now,
        logger: bot.logger,
      }),
    },
  ];
}

export interface CampaignServicesOptions {
  /** Serve the events webhook on its own HTTP server on this port (when the Slack adapter does not serve the routes). */
  httpPort?: number;
  httpHost?: string;
  /** More routes for that server (GET /healthz). */
  extraRoutes?: Route[];
  /** Scheduler tick interval; default 60 s. 0 disables the scheduler. */
  tickMs?: number;
}

export interface CampaignServices {
  /** Resolves when interrupted launches have been finished. */
  resumed: Promise<LaunchResult[]>;
  http?: RunningHttpServer;
  stop(): Promise<void>;
}

/** Resumes interrupted launches, starts the campaign clock and, when asked, the events webhook server. */
export async function startCampaignServices(bot: Bot, options: CampaignServicesOptions = {}): Promise<CampaignServices> {
  const deps = campaignDeps(bot);
  const resumed = resumeLaunches(deps);
  const stopTick = options.tickMs === 0 ? async () => {} : startCampaignScheduler(deps, options.tickMs);
  const http =
    options.httpPort !== undefined
      ? await startHttpServer([...campaignRoutes(bot), ...(options.extraRoutes ?? [])], options.httpPort, options.httpHost)
      : undefined;
  return {
    resumed,
    http,
    stop: async () => {
      await stopTick();
      await http?.close();
      await resumed.catch(() => []);
    },
  };
}
