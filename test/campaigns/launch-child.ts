// Run as its own process by crash.test.ts and deliveries.test.ts: `node --import tsx launch-child.ts launch|resume|sweep <campaign id>`.
// The environment carries DATABASE_URL and the channel settings; the test SIGKILLs it mid-launch.
import pino from 'pino';
import { launchCampaign, resumeLaunches } from '../../src/campaigns/launcher.ts';
import { campaignDeps, startCampaignServices } from '../../src/campaigns/services.ts';
import { createApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config/config.ts';

const [mode, campaignId] = process.argv.slice(2);
const app = await createApp({ config: loadConfig(process.env), logger: pino({ level: 'silent' }) });
const deps = {
  ...campaignDeps(app.bot),
  delivery: { webhook: { batchSize: 5, backoffMs: 10 }, email: { backoffMs: 10 } },
  leaseMs: process.env.CAMPAIGN_LEASE_MS ? Number(process.env.CAMPAIGN_LEASE_MS) : undefined,
};
async function sweepUntilSent(): Promise<unknown> {
  // a new instance as `npm start` runs it: the campaign clock sweeps the waiting rows until nobody is owed
  const services = await startCampaignServices(app.bot, { tickMs: 100 });
  for (;;) {
    const row = await app.bot.db.selectFrom('campaigns').select('state').where('id', '=', Number(campaignId)).executeTakeFirstOrThrow();
    if (row.state !== 'launching') break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await services.stop();
  return { swept: Number(campaignId) };
}

const result =
  mode === 'resume'
    ? await resumeLaunches(deps)
    : mode === 'sweep'
      ? await sweepUntilSent()
      : await launchCampaign(deps, Number(campaignId), { userId: 'UMARKET2', platform: 'slack' });
process.stdout.write(`${JSON.stringify(result)}\n`);
await app.close();
