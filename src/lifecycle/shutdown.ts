import { mention } from '../core/mention.ts';
import type { Bot, RunningCommand } from '../core/bot.ts';
import { reply } from '../core/reply.ts';
import { claimInterruptedJobs, cutOffJobs, interruptedNotice } from '../jobs/job-runs.ts';
import type { Logger } from '../logger.ts';

/** Resolves true when `work` settles within `ms`, false when the time runs out first. */
export async function within(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([
      work.then(
        () => true,
        () => true,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The first SIGTERM or SIGINT resolves `received` (and aborts `signal`); a second one stops the
 * process at once, for an operator who will not wait out the grace period.
 */
export function shutdownSignals(): { received: Promise<NodeJS.Signals>; signal: AbortSignal } {
  const controller = new AbortController();
  const received = new Promise<NodeJS.Signals>((resolve) => {
    const onSignal = (name: NodeJS.Signals) => {
      if (controller.signal.aborted) {
        process.stderr.write(`Second ${name}: stopping at once; running work is cut off and reported at the next start.\n`);
        process.exit(1);
      }
      controller.abort();
      resolve(name);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
  return { received, signal: controller.signal };
}

function restartNotice(command: RunningCommand, graceS: number): string {
  const { platform, userId } = command.caller;
  const who = platform === 'slack' || platform === 'discord' ? `${mention(userId)} ` : '';
  return `⏳ ${who}The bot is restarting. Your /${command.path} may run ${graceS} s more; if it has not finished by then, it is stopped and you will be told to run it again.`;
}

/**
 * Stops taking commands and tells the users of those still running that the bot is restarting;
 * waits for them (and `alsoWaitFor`) at most `graceS`. Returns false when work was cut off: it then
 * stays recorded as running, for the next start to report.
 */
export async function drainCommands(bot: Bot, graceS: number, logger: Logger, alsoWaitFor?: Promise<unknown>): Promise<boolean> {
  bot.drain();
  const running = bot.running();
  logger.info({ running: running.map((c) => c.path), grace_s: graceS }, 'stopping: no new commands; running ones may finish');
  const notices = running
    .filter((command) => command.caller.channelId)
    .map((command) =>
      bot
        .notify(
          { platform: command.caller.platform, channelId: command.caller.channelId! },
          reply({}, { text: restartNotice(command, graceS) }),
        )
        .catch((error: unknown) => logger.warn({ err: error, command: command.path }, 'could not tell a user that the bot is restarting')),
    );
  const finished = await within(Promise.all([bot.idle(), alsoWaitFor, ...notices]), graceS * 1000);
  if (!finished) {
    cutOffJobs();
    logger.warn({ running: bot.running().map((c) => c.path) }, 'the shutdown grace period is over: stopping the commands still running');
  }
  return finished;
}

/** Tells the starters of jobs a restart cut off (here or on another instance) to run them again. */
export async function reportInterruptedJobs(bot: Bot, logger: Logger): Promise<void> {
  const jobs = await claimInterruptedJobs(bot.db, bot.now());
  for (const job of jobs) {
    logger.info({ job: job.id, command: job.command }, 'a job was interrupted by a restart');
    if (!job.channelId) continue;
    await bot
      .notify(
        { platform: job.platform as Parameters<Bot['notify']>[0]['platform'], channelId: job.channelId },
        reply({}, { text: `⚠️ ${interruptedNotice(job)}` }),
      )
      .catch((error: unknown) => logger.warn({ err: error, job: job.id }, 'could not tell a user that their job was interrupted'));
  }
}
