import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startConsole } from '../adapters/console/console.ts';
import { createApp } from './app.ts';
import { ConfigError, discordEnabled, loadConfig, slackEnabled } from './config/config.ts';
import { createLogger } from './logger.ts';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      json: { type: 'boolean', default: false },
      user: { type: 'string', default: 'local' },
      console: { type: 'boolean', default: false },
    },
    allowPositionals: false,
  });
  if (existsSync('.env')) process.loadEnvFile('.env');

  let config;
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
  const platforms = values.console ? [] : [slackEnabled(config) && 'slack', discordEnabled(config) && 'discord'].filter(Boolean);

  if (platforms.length === 0) {
    const code = await startConsole(app.bot, { json: values.json, userId: values.user, input: process.stdin, output: process.stdout, errors: process.stderr });
    await app.close();
    return code;
  }
  logger.error({ platforms }, 'platform adapters are not available in this build yet');
  await app.close();
  return 2;
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
